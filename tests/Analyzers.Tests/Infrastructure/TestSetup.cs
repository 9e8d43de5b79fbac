using System.Collections.Immutable;
using System.IO;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;

namespace Faustish.Analyzers.Tests.Infrastructure;

/// <summary>Compilation setup shared by analyzer and code-fix tests: .NET 10 and Faustish references, offline.</summary>
internal static class TestSetup
{
    /// <summary>
    /// No reference package is resolved at run time (nothing is downloaded): the .NET 10 reference assemblies come
    /// from Basic.Reference.Assemblies.Net100 and Faustish from the runtime project's output.
    /// </summary>
    public static ReferenceAssemblies References { get; } = new ReferenceAssemblies("net10.0");

    public static ImmutableArray<MetadataReference> AdditionalReferences { get; } =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(TopicAttribute).Assembly.Location),
    ];

    /// <summary>Usings and a record type every test source may use.</summary>
    public const string Prelude = """
        global using System;
        global using System.Collections.Generic;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using Faustish;
        global using Faustish.Agents;

        public sealed record PageView(string Page, string User, DateTimeOffset At);

        public sealed class Basket
        {
            public List<string> Items { get; set; } = new();
            public int Count { get; set; }
        }
        """;

    /// <summary>Faustish topic and table classes get their constructors from the generator, which these tests do not run.</summary>
    public const CompilerDiagnostics Compiler = CompilerDiagnostics.None;

    public static LanguageVersion Language => LanguageVersion.Preview;

    public static string RepoRoot()
    {
        foreach (var attribute in typeof(TestSetup).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false))
        {
            if (attribute is System.Reflection.AssemblyMetadataAttribute { Key: "RepoRoot", Value: { } value } && Directory.Exists(value))
            {
                return value;
            }
        }

        // Fallback: walk up from the test assembly to the folder holding Faustish.sln.
        var directory = new DirectoryInfo(Path.GetDirectoryName(typeof(TestSetup).Assembly.Location)!);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Faustish.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("Cannot find the repository root (Faustish.sln).");
    }
}
