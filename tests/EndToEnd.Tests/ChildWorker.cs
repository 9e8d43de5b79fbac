using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Faustish.EndToEnd.Worker;

namespace Faustish.EndToEnd.Tests;

/// <summary>
/// The end-to-end worker app (<c>tests/EndToEnd.Worker</c>) in a child process, so tests can kill it with SIGKILL.
/// Its output is drained as it comes, so it never blocks on a full pipe, and watched for the lines tests wait on.
/// </summary>
internal sealed class ChildWorker : IDisposable
{
    private readonly Process _process;
    private readonly string _processingMarker;
    private readonly System.Text.StringBuilder _output = new();
    private int _activated;
    private int _recoveredAborts;
    private int _progress;

    private ChildWorker(Process process, string processingMarker)
    {
        _process = process;
        _processingMarker = processingMarker;
        _process.OutputDataReceived += (_, e) => Observe(e.Data);
        _process.ErrorDataReceived += (_, e) => Observe(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Partition ranges of transactions the transport aborted when it opened (each was open at the kill before).</summary>
    public int RecoveredAborts => Volatile.Read(ref _recoveredAborts);

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>worker</c> on <paramref name="directory"/> (app <c>e2e</c>), committing every 50 ms in batches of 500.
    /// </summary>
    /// <param name="topic">The topic whose partition's activation ("restored {topic}[") means the worker restored its tables and is processing.</param>
    /// <param name="settings">More <c>Faustish:</c> settings, e.g. <c>CheckpointInterval</c>.</param>
    /// <param name="arguments">More command-line arguments, e.g. <c>--guarantee ExactlyOnce</c>.</param>
    public static ChildWorker Start(string directory, string topic, bool exitWhenIdle = true,
        IReadOnlyDictionary<string, string>? settings = null, params string[] arguments) =>
        Start(directory, topic, exitWhenIdle, settings, environment: null, arguments);

    /// <summary>As above, with more environment variables for the process (<paramref name="environment"/>).</summary>
    public static ChildWorker Start(string directory, string topic, bool exitWhenIdle,
        IReadOnlyDictionary<string, string>? settings, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { typeof(Clicks).Assembly.Location, "worker", "--app", "e2e", "--data-dir", directory },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (exitWhenIdle)
        {
            start.ArgumentList.Add("--exit-when-idle");
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["Faustish__CommitInterval"] = "00:00:00.050";
        start.Environment["Faustish__MaxBatchSize"] = "500";
        // Checkpoints are logged at debug level: tests that kill a worker after its first checkpoint wait for that line.
        start.Environment["Logging__LogLevel__Faustish.Agents"] = "Debug";
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment["Faustish__" + name] = value;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the worker process.");
        return new ChildWorker(process, $"restored {topic}[");
    }

    /// <summary>
    /// Waits until the worker restored <paramref name="partitions"/> partitions of its topic and is processing them (each
    /// partition restores on its own and starts as soon as its tables are complete), or exited.
    /// </summary>
    public void WaitUntilProcessing(TimeSpan timeout, int partitions = 1)
    {
        var waited = Stopwatch.StartNew();
        while (Volatile.Read(ref _activated) < partitions && !_process.HasExited)
        {
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"The worker did not restore {partitions} partition(s) within {timeout}. Output so far:\n{Output}");
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>Waits until the worker printed a line containing <paramref name="text"/>, or exited, or the time is up.</summary>
    public bool WaitForLine(string text, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || waited.Elapsed > timeout)
            {
                return false;
            }

            Thread.Sleep(10);
        }

        return true;
    }

    /// <summary>The lines the worker printed that start with <paramref name="prefix"/>.</summary>
    public List<string> LinesStartingWith(string prefix) =>
        [.. Output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith(prefix, StringComparison.Ordinal))];

    /// <summary>Waits until the worker printed <paramref name="lines"/> "crash-progress" lines, or exited, or the time is up.</summary>
    public void WaitForProgress(int lines, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (Volatile.Read(ref _progress) < lines && !_process.HasExited && waited.Elapsed < timeout)
        {
            Thread.Sleep(2);
        }
    }

    /// <summary>SIGKILL on Linux: no commit, no checkpoint, no cleanup.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit(); // Flushes the redirected output.
        return true;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Observe(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.StartsWith("crash-progress", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _progress);
            return;
        }

        if (line.Contains("was open when the app stopped", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _recoveredAborts);
        }

        if (line.Contains(_processingMarker, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _activated);
        }
    }
}
