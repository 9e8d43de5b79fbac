using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Faustish.EndToEnd.Tests;

/// <summary>
/// docs/getting-started.md as a new user follows it: the package packed from this build into a local feed, a
/// `dotnet new console` project that adds it, the doc's C# blocks as its files, the doc's `dotnet run -- …` lines run in
/// order, and the table's counts checked against the words of the posts sent. The code and commands come from the doc,
/// so the doc and this test cannot drift apart.
/// </summary>
public sealed partial class GettingStartedWalkthroughTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string RepoRoot = FindRepoRoot();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "faustish-walkthrough-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<string> _timings = [];
    private string? _packageVersion;

    [Fact]
    public void The_getting_started_walkthrough_runs_a_word_count_with_the_packed_package()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot, "docs", "getting-started.md"));
        var files = CodeBlocks(doc, "csharp")
            .Select(block => (Match: FileComment().Match(block), Code: block))
            .Where(b => b.Match.Success)
            .ToDictionary(b => b.Match.Groups[1].Value, b => b.Code, StringComparer.Ordinal);
        Assert.True(files.ContainsKey("Program.cs") && files.ContainsKey("WordCount.cs"), "the doc's C# blocks name Program.cs and WordCount.cs");
        var shell = CodeBlocks(doc, "sh").SelectMany(b => b.Split('\n')).Select(l => l.Trim()).ToList();
        Assert.Contains("dotnet new console -n WordCount", shell);
        Assert.Contains("dotnet add package Faustish --prerelease", shell);
        var runs = shell.Where(l => l.StartsWith("dotnet run -- ", StringComparison.Ordinal)).Select(l => ShellWords(l["dotnet run -- ".Length..])).ToList();
        Assert.Contains(runs, r => r[0] == "worker");

        // The package, from the build this test runs in: no rebuild, and a version of its own, so NuGet's global
        // cache cannot hand back an older copy (the copy is removed again in Dispose).
        Directory.CreateDirectory(_root);
        var feed = Path.Combine(_root, "feed");
        _packageVersion = "0.1.0-walkthrough." + Guid.NewGuid().ToString("N")[..12];
        Dotnet(RepoRoot, TimeSpan.FromMinutes(3), "pack", Path.Combine(RepoRoot, "src", "Runtime", "Faustish.csproj"), "--no-build", "-c", Configuration(),
            "-o", feed, "-p:PackageVersion=" + _packageVersion);
        Assert.Single(Directory.GetFiles(feed, $"Faustish.{_packageVersion}.nupkg"));

        // The doc's steps: a console project, the local feed next to the usual sources, the package.
        Dotnet(_root, TimeSpan.FromMinutes(1), "new", "console", "-n", "WordCount");
        var project = Path.Combine(_root, "WordCount");
        File.WriteAllText(Path.Combine(_root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="faustish-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        Dotnet(project, TimeSpan.FromMinutes(3), "add", "package", "Faustish", "--version", _packageVersion);
        foreach (var (name, code) in files)
        {
            File.WriteAllText(Path.Combine(project, name), code);
        }

        // A user's build with warnings as errors: the generated code must not warn, whatever the analyzers say.
        Dotnet(project, TimeSpan.FromMinutes(3), "build", "-p:TreatWarningsAsErrors=true");
        var generated = Path.Combine(project, "obj", "generated");
        Assert.True(Directory.Exists(generated) && Directory.EnumerateFiles(generated, "*.g.cs", SearchOption.AllDirectories).Any(),
            "the package's build props write the generated files under obj/generated");

        var app = Directory.GetFiles(Path.Combine(project, "bin"), "WordCount.dll", SearchOption.AllDirectories).Single();
        var expected = new SortedDictionary<string, long>(StringComparer.Ordinal);
        string? table = null;
        foreach (var run in runs)
        {
            var result = Dotnet(project, TimeSpan.FromMinutes(1), [app, .. run]);
            if (run[0] == "send")
            {
                var value = run[run.IndexOf("--value") + 1];
                foreach (var word in JsonDocument.Parse(value).RootElement.GetProperty("text").GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    expected[word.ToLowerInvariant()] = expected.GetValueOrDefault(word.ToLowerInvariant()) + 1;
                }
            }
            else if (run[0] == "worker")
            {
                var lines = result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
                output.WriteLine($"worker printed {lines} lines with the default logging");
                Assert.True(lines <= 30, $"the worker printed {lines} lines with the default logging:\n{result}");
            }
            else if (run[0] == "table")
            {
                table = result;
            }
        }

        Assert.NotNull(table);
        var counts = table.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim().Split('\t'))
            .ToDictionary(p => p[0], p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);
        Assert.Equal(expected, new SortedDictionary<string, long>(counts, StringComparer.Ordinal));
        Assert.Equal(3, counts["the"]);
        output.WriteLine(string.Join("\n", _timings));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        // The walk-through's own package version, out of NuGet's global packages folder again.
        if (_packageVersion is not null)
        {
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
                ? configured
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var copy = Path.Combine(packages, "faustish", _packageVersion);
            if (Directory.Exists(copy))
            {
                Directory.Delete(copy, recursive: true);
            }
        }
    }

    /// <summary>Runs dotnet with <paramref name="arguments"/>, bounded by <paramref name="timeout"/>; returns its output, failing on a non-zero exit.</summary>
    private string Dotnet(string directory, TimeSpan timeout, params string[] arguments)
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
        var shown = string.Join(' ', arguments.Select(a => a.StartsWith(_root, StringComparison.Ordinal) ? Path.GetFileName(a) : a));
        _timings.Add($"{watch.Elapsed.TotalSeconds,6:F1} s  dotnet {shown}");
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

    /// <summary>The contents of the doc's fenced blocks of <paramref name="language"/>.</summary>
    private static IEnumerable<string> CodeBlocks(string markdown, string language) =>
        Regex.Matches(markdown.Replace("\r\n", "\n", StringComparison.Ordinal), $"^```{language}\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value);

    /// <summary>A command line's words as a POSIX shell splits them, for the quoting the doc uses ('…' and "…").</summary>
    private static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in line)
        {
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        Assert.True(quote is null, $"unbalanced quote in the doc's command: {line}");
        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>The configuration this test was built in: the package is packed from the same build outputs.</summary>
    private static string Configuration() =>
        typeof(GettingStartedWalkthroughTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    private static string FindRepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Faustish.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Faustish.sln was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^// file: (\S+\.cs)\s*$", RegexOptions.Multiline)]
    private static partial Regex FileComment();
}
