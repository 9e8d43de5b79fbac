using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;

namespace Faustish.Kafka.Tests.Support;

/// <summary>
/// A Faustish app in a child process (<c>dotnet app.dll args</c>), its output drained as it comes and kept line by
/// line with the log's own UTC timestamps, so tests can wait for lines and order events across processes.
/// </summary>
internal sealed partial class ChildApp : IDisposable
{
    private readonly Process _process;
    private bool _terminated;
    private readonly List<LogLine> _lines = [];
    private readonly Lock _sync = new();

    private ChildApp(string name, Process process)
    {
        Name = name;
        _process = process;
        _process.OutputDataReceived += (_, e) => Observe(e.Data);
        _process.ErrorDataReceived += (_, e) => Observe(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>A name for messages (e.g. <c>worker-2</c>).</summary>
    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Every line so far.</summary>
    public IReadOnlyList<LogLine> Lines
    {
        get
        {
            lock (_sync)
            {
                return [.. _lines];
            }
        }
    }

    public string Output => string.Join('\n', Lines.Select(l => l.Text));

    /// <summary>The build output of a project under <c>tests/</c> or <c>examples/</c>, built with this test project.</summary>
    public static string AppPath(string projectFolder, string assemblyName)
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/'))!);
        var root = RepoRoot();
        var path = Path.Combine(root, projectFolder, "bin", configuration, "net10.0", assemblyName + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {projectFolder} first: {path} is missing.", path);
    }

    /// <summary>Starts <paramref name="appPath"/> with <paramref name="arguments"/>; <paramref name="environment"/> adds variables.</summary>
    public static ChildApp Start(string name, string appPath, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(appPath)!,
        };
        start.ArgumentList.Add(appPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // One line per log entry, stamped with the microsecond UTC time the process logged it.
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true";
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "yyyy-MM-ddTHH:mm:ss.ffffffZ ";
        start.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {appPath}.");
        return new ChildApp(name, process);
    }

    /// <summary>Waits until <paramref name="count"/> lines contain <paramref name="text"/>; throws with the output if the time runs out or the app exits.</summary>
    public void WaitFor(string text, TimeSpan timeout, int count = 1)
    {
        var waited = Stopwatch.StartNew();
        while (CountLines(text) < count)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                if (CountLines(text) >= count)
                {
                    return;
                }

                throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) before printing '{text}' {count} time(s). Output:\n{Tail()}");
            }

            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"{Name} did not print '{text}' {count} time(s) within {timeout}. Output:\n{Tail()}");
            }

            Thread.Sleep(20);
        }
    }

    public int CountLines(string text)
    {
        lock (_sync)
        {
            return _lines.Count(l => l.Text.Contains(text, StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// SIGTERM: the app stops gracefully (commits, leaves its group). Sent once: the host handles SIGTERM only while it
    /// runs, so a second one arriving after it has stopped (while the process writes its last lines) would end the
    /// process with the signal's default action, exit code 143.
    /// </summary>
    public void Terminate()
    {
        if (_terminated || _process.HasExited)
        {
            return;
        }

        if (Kill(_process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"Could not send SIGTERM to {Name} (pid {_process.Id}).");
        }

        _terminated = true;
    }

    /// <summary>SIGKILL: no commit, no cleanup.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit(); // flushes the redirected output
        return true;
    }

    /// <summary>
    /// Writes every line of <paramref name="apps"/> to <c>{temp}/faustish-kafka-tests/{test}-{time}/{name}.log</c> (for a
    /// failed test: the tails in its message are rarely enough) and returns the folder.
    /// </summary>
    public static string SaveLogs(string test, IEnumerable<ChildApp> apps)
    {
        var folder = Path.Combine(Path.GetTempPath(), "faustish-kafka-tests",
            test + "-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        foreach (var app in apps)
        {
            File.WriteAllLines(Path.Combine(folder, app.Name + ".log"), app.Lines.Select(l => l.Text));
        }

        return folder;
    }

    /// <summary>The last lines, for failure messages.</summary>
    public string Tail(int lines = 60) => string.Join('\n', Lines.TakeLast(lines).Select(l => l.Text));

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Observe(string? text)
    {
        if (text is null)
        {
            return;
        }

        DateTimeOffset? logged = null;
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && DateTimeOffset.TryParseExact(text.AsSpan(0, space), "yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var stamp))
        {
            logged = stamp;
        }

        lock (_sync)
        {
            _lines.Add(new LogLine(logged, text));
        }
    }

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Faustish.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"No Faustish.sln above {AppContext.BaseDirectory}.");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

/// <summary>One line of a child's output, with the time its logger stamped on it (null for lines without one).</summary>
internal sealed record LogLine(DateTimeOffset? Logged, string Text);
