using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Faustish.EndToEnd.Tests.Packaging;

/// <summary>
/// docs/getting-started.md as a new user follows it: the package packed from this build into a local feed, a
/// `dotnet new console` project that adds it, the doc's C# blocks as its files, the doc's `dotnet run -- …` lines run in
/// order, and the table's counts checked against the words of the posts sent. The code and commands come from the doc,
/// so the doc and this test cannot drift apart.
/// </summary>
[Collection(PackedPackages.Collection)]
public sealed partial class GettingStartedWalkthroughTests(PackedPackages packages, ITestOutputHelper output)
{
    private static readonly string RepoRoot = PackedPackages.RepoRoot;

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

        // The package, packed once from the build this test runs in (shared with the template test).
        var root = Path.Combine(packages.Root, "walkthrough");
        Directory.CreateDirectory(root);
        var cli = new DotnetCli(packages.Root);

        // The doc's steps: a console project, the local feed as a source (with the packages already on this machine, so
        // nothing is downloaded), the package.
        cli.Run(root, TimeSpan.FromMinutes(1), "new", "console", "-n", "WordCount");
        var project = Path.Combine(root, "WordCount");
        packages.WriteOfflineNuGetConfig(root);
        cli.Run(project, TimeSpan.FromMinutes(3), "add", "package", "Faustish", "--version", packages.Version);
        foreach (var (name, code) in files)
        {
            File.WriteAllText(Path.Combine(project, name), code);
        }

        // A user's build with warnings as errors: the generated code must not warn, whatever the analyzers say.
        cli.Run(project, TimeSpan.FromMinutes(3), "build", "-p:TreatWarningsAsErrors=true");
        var generated = Path.Combine(project, "obj", "generated");
        Assert.True(Directory.Exists(generated) && Directory.EnumerateFiles(generated, "*.g.cs", SearchOption.AllDirectories).Any(),
            "the package's build props write the generated files under obj/generated");

        var app = Directory.GetFiles(Path.Combine(project, "bin"), "WordCount.dll", SearchOption.AllDirectories).Single();
        var expected = new SortedDictionary<string, long>(StringComparer.Ordinal);
        string? table = null;
        foreach (var run in runs)
        {
            var result = cli.Run(project, TimeSpan.FromMinutes(1), [app, .. run]);
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
        output.WriteLine(string.Join("\n", [.. packages.Cli.Timings, .. cli.Timings]));
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

    [GeneratedRegex(@"^// file: (\S+\.cs)\s*$", RegexOptions.Multiline)]
    private static partial Regex FileComment();
}
