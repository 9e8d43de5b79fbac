using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Faustish.Analyzers.Tests;

/// <summary>
/// Item 2 of the issue: a small project with several mistakes goes through the real <c>dotnet build</c>, with the
/// analyzers referenced the way a project in this repository uses them (eng/UseFaustish.props: the runtime, plus the
/// generator and analyzers as compiler plug-ins). Each line tagged <c>// expect: FSHxxxx</c> must get that id, at
/// that file and line, and no other Faustish diagnostic may appear.
/// </summary>
public sealed partial class BuildDiagnosticsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private static readonly Dictionary<string, string> Sources = new()
    {
        ["Model.cs"] = """
            namespace Sample;

            public sealed record PageView(string Page, string User, DateTimeOffset At);

            public interface IPayload { }

            public sealed record Envelope(string Id, IPayload Payload);
            """,
        ["Topics.cs"] = """
            using Faustish;

            namespace Sample;

            [Topic("page-views", Partitions = 4)] // expect: FSH0302
            public sealed partial class PageViews : Topic<string, PageView>;

            [Topic("page-views")] // expect: FSH0302
            public sealed partial class MorePageViews : Topic<string, PageView>;

            [Topic("clicks", Partitions = 8)]
            public sealed class Clicks : Topic<string, PageView>; // expect: FSH0001

            [Topic("envelopes")]
            public sealed partial class Envelopes : Topic<string, Envelope>; // expect: FSH0400

            [Topic("bad name!")] // expect: FSH0300
            public sealed partial class BadName : Topic<string, string>;
            """,
        ["Tables.cs"] = """
            using Faustish;

            namespace Sample;

            [Table("page-counts", Partitions = 8)]
            public sealed partial class PageCounts : Table<string, long>;

            [Table("per-minute", Window = "tumbling 1x")] // expect: FSH0500
            public sealed partial class PerMinute : WindowedTable<string, long>;
            """,
        ["Agents.cs"] = """
            using Faustish;

            namespace Sample;

            [Agent(typeof(PageViews))]
            public sealed partial class CountViews(PageCounts counts)
            {
                public void Process(string page, PageView view)
                {
                    counts[page] += 1; // expect: FSH0204
                    Thread.Sleep(1); // expect: FSH0106
                }
            }

            [Agent(typeof(PageViews))]
            public sealed partial class Touch
            {
                public async void Process(string page, PageView view) => await Task.Yield(); // expect: FSH0104
            }

            [Agent(typeof(PageViews))]
            public sealed partial class Idle // expect: FSH0100
            {
                public void Handle(string page, PageView view) { }
            }

            [Agent(typeof(PageViews))]
            public sealed partial class WrongTypes
            {
                public void Process(int page, PageView view) { } // expect: FSH0102
            }
            """,
        ["Admin.cs"] = """
            namespace Sample;

            public sealed class Admin(PageCounts counts)
            {
                public void Reset(string page) => counts[page] = 0; // expect: FSH0203
            }
            """,
    };

    [Fact]
    public async Task Real_build_reports_each_expected_id_at_its_file_and_line()
    {
        var repoRoot = TestSetup.RepoRoot();
        var folder = Path.Combine(Path.GetTempPath(), "faustish-build-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "Sample.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <RepoRoot>{repoRoot.TrimEnd('/', '\\')}/</RepoRoot>
                    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                  </PropertyGroup>
                  <Import Project="$(RepoRoot)eng/UseFaustish.props" />
                </Project>
                """);
            foreach (var (name, text) in Sources)
            {
                await File.WriteAllTextAsync(Path.Combine(folder, name), text);
            }

            var (exitCode, log) = await RunBuildAsync(folder);
            output.WriteLine(log);

            var reported = ParseDiagnostics(log, folder);
            var expected = ExpectedDiagnostics();
            Assert.NotEqual(0, exitCode); // the sample has errors

            foreach (var (file, line, id) in expected)
            {
                Assert.True(reported.Any(r => r.File == file && r.Line == line && r.Id == id),
                    $"expected {id} at {file}:{line}; the build reported:\n{string.Join("\n", reported)}");
            }

            var unexpected = reported.Where(r => !expected.Contains((r.File, r.Line, r.Id))).ToList();
            Assert.True(unexpected.Count == 0, "unexpected Faustish diagnostics:\n" + string.Join("\n", unexpected));

            foreach (var diagnostic in reported)
            {
                var descriptor = typeof(DiagnosticDescriptors).GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public)
                    .Select(f => (Microsoft.CodeAnalysis.DiagnosticDescriptor)f.GetValue(null)!)
                    .Single(d => d.Id == diagnostic.Id);
                Assert.Equal(descriptor.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error ? "error" : "warning", diagnostic.Severity);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a build server may still hold a file for a moment.
            }
        }
    }

    private static List<(string File, int Line, string Id)> ExpectedDiagnostics()
    {
        var expected = new List<(string, int, string)>();
        foreach (var (name, text) in Sources)
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (Match match in ExpectMarker().Matches(lines[i]))
                {
                    expected.Add((name, i + 1, match.Groups[1].Value));
                }
            }
        }

        Assert.True(expected.Count >= 10);
        return expected;
    }

    private sealed record Reported(string File, int Line, string Severity, string Id, string Message)
    {
        public override string ToString() => $"{File}({Line}): {Severity} {Id}: {Message}";
    }

    private static List<Reported> ParseDiagnostics(string log, string folder)
    {
        var found = new HashSet<Reported>();
        foreach (var raw in log.Split('\n'))
        {
            var match = DiagnosticLine().Match(raw.Trim());
            if (!match.Success)
            {
                continue;
            }

            var path = match.Groups["file"].Value;
            if (!Path.GetFullPath(path).StartsWith(Path.GetFullPath(folder), StringComparison.Ordinal))
            {
                continue;
            }

            found.Add(new Reported(Path.GetFileName(path), int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture),
                match.Groups["severity"].Value, match.Groups["id"].Value, match.Groups["message"].Value));
        }

        return found.OrderBy(r => r.File, StringComparer.Ordinal).ThenBy(r => r.Line).ToList();
    }

    private static async Task<(int ExitCode, string Log)> RunBuildAsync(string folder)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "build", "Sample.csproj", "-nodeReuse:false", "-v:minimal", "-clp:NoSummary", "-p:TreatWarningsAsErrors=false" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var log = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new System.Threading.CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet build did not finish within {Timeout}.");
        }

        log.Append(await stdout).Append(await stderr);
        return (process.ExitCode, log.ToString());
    }

    [GeneratedRegex(@"// expect: (FSH\d{4})")]
    private static partial Regex ExpectMarker();

    [GeneratedRegex(@"^(?<file>.+?)\((?<line>\d+),(?<column>\d+)\): (?<severity>error|warning) (?<id>FSH\d{4}): (?<message>.*?)(?: \[[^\]]*\])?$")]
    private static partial Regex DiagnosticLine();
}
