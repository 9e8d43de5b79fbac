using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Xunit.Abstractions;

namespace Faustish.EndToEnd.Tests.Packaging;

/// <summary>
/// `dotnet new faustish` as a new user runs it: the template package packed from this repository, installed into a
/// template hive of the test's own (the machine's installed templates stay untouched), a project created from it, then
/// `dotnet build` and `dotnet run -- worker --exit-when-idle` against the Faustish package packed with it, offline.
/// </summary>
[Collection(PackedPackages.Collection)]
public sealed class TemplateTests(PackedPackages packages, ITestOutputHelper output)
{
    [Fact]
    public void Dotnet_new_faustish_creates_an_app_that_builds_and_counts_its_sample_visits_offline()
    {
        // One package for users: the runtime with its generator, analyzers and code fixes riding along.
        using (var package = ZipFile.OpenRead(packages.Faustish))
        {
            var analyzers = package.Entries.Where(e => e.FullName.StartsWith("analyzers/dotnet/cs/", StringComparison.Ordinal)).Select(e => Path.GetFileName(e.FullName)).ToList();
            // Cronos.dll: the analyzers read [Crontab] expressions with it, and the compiler loads it from beside them.
            Assert.Equal(["Cronos.dll", "Faustish.Analyzers.CodeFixes.dll", "Faustish.Analyzers.dll", "Faustish.Generators.dll"], analyzers.Order(StringComparer.Ordinal));
        }

        var root = Path.Combine(packages.Root, "template");
        var hive = Path.Combine(root, "hive");
        Directory.CreateDirectory(root);
        var cli = new DotnetCli(packages.Root);
        cli.Run(root, TimeSpan.FromMinutes(1), "new", "install", packages.Templates, "--debug:custom-hive", hive);
        cli.Run(root, TimeSpan.FromMinutes(1), "new", "faustish", "-o", Path.Combine(root, "ClickStream"), "--no-update-check", "--debug:custom-hive", hive);
        var project = Path.Combine(root, "ClickStream");
        var projectFile = File.ReadAllText(Path.Combine(project, "ClickStream.csproj"));
        Assert.Contains($"""<PackageReference Include="Faustish" Version="{packages.Version}" />""", projectFile, StringComparison.Ordinal);

        packages.WriteOfflineNuGetConfig(root);
        var build = cli.Run(project, TimeSpan.FromMinutes(3), "build");
        Assert.Contains(" 0 Warning(s)", build, StringComparison.Ordinal);

        // The sample input (1,000 visits by 5 users) sent at start, counted by the agent, read back from the table.
        var run = cli.Run(project, TimeSpan.FromMinutes(1), "run", "--", "worker", "--exit-when-idle");
        output.WriteLine(run);
        Assert.Contains("Sent 1,000 sample visits to 'visits'.", run, StringComparison.Ordinal);
        Assert.Contains("Processed 1000 record(s)", run, StringComparison.Ordinal);
        Assert.Contains("Table 'visits-per-user': 1,000 visits by 5 users.", run, StringComparison.Ordinal);
        output.WriteLine(string.Join("\n", [.. packages.Cli.Timings, .. cli.Timings]));
    }
}
