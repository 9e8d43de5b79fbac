using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace Faustish.EndToEnd.Tests.Packaging;

/// <summary>
/// Runs the dotnet CLI as a user would, each command bounded in time, and notes how long each took (the packaging
/// tests print these, so a slow step shows). Paths under <paramref name="root"/> are shown by their last name only.
/// </summary>
public sealed class DotnetCli(string root)
{
    public List<string> Timings { get; } = [];

    /// <summary>Runs dotnet with <paramref name="arguments"/> in <paramref name="directory"/>; returns its output, failing on a non-zero exit.</summary>
    public string Run(string directory, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's MSBuild settings belong to the build that started it, not to the user's project.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        var text = new StringBuilder();
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(text, e.Data);
        process.ErrorDataReceived += (_, e) => Append(text, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish within {timeout}:\n{Text(text)}");
        }

        process.WaitForExit();
        var shown = string.Join(' ', arguments.Select(a => a.StartsWith(root, StringComparison.Ordinal) ? Path.GetFileName(a) : a));
        Timings.Add($"{watch.Elapsed.TotalSeconds,6:F1} s  dotnet {shown}");
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{Text(text)}");
        return Text(text);
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is not null)
        {
            lock (text)
            {
                text.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
