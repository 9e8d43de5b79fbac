using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace Faustish.EndToEnd.Tests.Packaging;

/// <summary>
/// The Faustish package and the template package, packed once from the build these tests run in into a temporary
/// feed, for the tests that use them as a user would (the getting-started walk-through and the template). Both carry
/// a version of their own, so NuGet's global cache cannot hand back an older copy; the copies it takes are removed
/// again in <see cref="Dispose"/>, with the feed.
/// </summary>
public sealed class PackedPackages : IDisposable
{
    public const string Collection = "packed packages";

    public static readonly string RepoRoot = FindRepoRoot();

    private readonly Lazy<string> _templates;

    public PackedPackages()
    {
        Directory.CreateDirectory(Root);
        Cli = new DotnetCli(Root);
        Version = "0.1.0-packaging." + Guid.NewGuid().ToString("N")[..12];
        Faustish = Pack(Path.Combine(RepoRoot, "src", "Runtime", "Faustish.csproj"), "Faustish");
        _templates = new(() => Pack(Path.Combine(RepoRoot, "templates", "Faustish.Templates", "Faustish.Templates.csproj"), "Faustish.Templates"));
    }

    /// <summary>A temporary folder for the packages and the tests' projects; deleted in <see cref="Dispose"/>.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "faustish-packaging-" + Guid.NewGuid().ToString("N")[..12]);

    public string Feed => Path.Combine(Root, "feed");

    public string Version { get; }

    /// <summary>The packing commands and their times.</summary>
    public DotnetCli Cli { get; }

    /// <summary>The Faustish package's file.</summary>
    public string Faustish { get; }

    /// <summary>The template package's file, packed on first use.</summary>
    public string Templates => _templates.Value;

    /// <summary>NuGet's global packages folder, where restores extract the packages they use.</summary>
    public static string GlobalPackagesFolder =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>
    /// A nuget.config for <paramref name="directory"/> whose sources are the feed and packages already on this machine
    /// (NuGet's global packages folder, and /opt/nuget/packages where it exists) and nothing else: a restore that works
    /// with it works offline.
    /// </summary>
    public void WriteOfflineNuGetConfig(string directory)
    {
        var sources = new List<string> { $"""<add key="faustish-local" value="{Feed}" />""", $"""<add key="global-packages" value="{GlobalPackagesFolder}" />""" };
        if (Directory.Exists("/opt/nuget/packages"))
        {
            sources.Add("""<add key="machine-packages" value="/opt/nuget/packages" />""");
        }

        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                {string.Join("\n    ", sources)}
              </packageSources>
            </configuration>
            """);
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }

        foreach (var id in new[] { "faustish", "faustish.templates" })
        {
            var copy = Path.Combine(GlobalPackagesFolder, id, Version);
            if (Directory.Exists(copy))
            {
                Directory.Delete(copy, recursive: true);
            }
        }
    }

    /// <summary>Packs <paramref name="project"/> from the build outputs these tests were built with (no rebuild).</summary>
    private string Pack(string project, string id)
    {
        Cli.Run(RepoRoot, TimeSpan.FromMinutes(3), "pack", project, "--no-build", "-c", Configuration(), "-o", Feed, "-p:PackageVersion=" + Version);
        var file = Path.Combine(Feed, $"{id}.{Version}.nupkg");
        Assert.True(File.Exists(file), $"dotnet pack {project} made no {file}");
        return file;
    }

    /// <summary>The configuration these tests were built in: the packages are packed from the same build outputs.</summary>
    private static string Configuration() =>
        typeof(PackedPackages).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

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
}

/// <summary>The tests that share <see cref="PackedPackages"/>: they run one after the other, on one pack.</summary>
[CollectionDefinition(PackedPackages.Collection)]
public sealed class PackagingTests : ICollectionFixture<PackedPackages>;
