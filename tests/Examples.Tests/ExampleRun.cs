using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace Examples.Tests;

/// <summary>
/// An example app run as its README runs it (<c>worker --exit-when-idle</c>, the embedded log), in a child process from
/// the example's own build output, on a data directory of its own that is deleted afterwards; bounded in time.
/// </summary>
internal static class ExampleRun
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    /// <summary>Runs example <paramref name="name"/> to its end; returns its standard output, line by line. Fails on a non-zero exit or a timeout.</summary>
    public static IReadOnlyList<string> Run(string name, IReadOnlyDictionary<string, string>? environment = null)
    {
        var app = AppPath(name);
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"faustish-example-{name.ToLowerInvariant()}-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(app)!,
        };
        foreach (var argument in new[] { app, "worker", "--exit-when-idle", "--data-dir", dataDirectory })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["Faustish__Web__Enabled"] = "false"; // no port to share with other tests
        start.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var output = new List<string>();
        var errors = new StringBuilder();
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {app}.");
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (output)
                    {
                        output.Add(e.Data);
                    }
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                lock (errors)
                {
                    errors.AppendLine(e.Data);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(Bound))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                Assert.Fail($"{name} did not stop within {Bound}. Output:\n{Text(output)}\n{errors}");
            }

            process.WaitForExit(); // drains the redirected output
            Assert.True(process.ExitCode == 0, $"{name} exited with {process.ExitCode}. Output:\n{Text(output)}\n{errors}");
            return Lines(output);
        }
        finally
        {
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }

    /// <summary>The lines of <paramref name="output"/> from the first that starts with <paramref name="first"/> to the end.</summary>
    public static IReadOnlyList<string> From(IReadOnlyList<string> output, string first)
    {
        var index = output.ToList().FindIndex(line => line.StartsWith(first, StringComparison.Ordinal));
        Assert.True(index >= 0, $"No line starts with '{first}'. Output:\n{string.Join('\n', output)}");
        return [.. output.Skip(index)];
    }

    private static List<string> Lines(List<string> output)
    {
        lock (output)
        {
            return [.. output];
        }
    }

    private static string Text(List<string> output) => string.Join('\n', Lines(output));

    /// <summary>The build output of <c>examples/{name}</c>, built before this project (it references it).</summary>
    private static string AppPath(string name)
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/'))!);
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Faustish.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var path = Path.Combine(root.FullName, "examples", name, "bin", configuration, "net10.0", name + ".dll");
        Assert.True(File.Exists(path), $"Build examples/{name} first: {path} is missing.");
        return path;
    }
}
