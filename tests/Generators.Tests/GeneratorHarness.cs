using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Faustish.Generators.Tests;

/// <summary>Compiles sources against .NET 10 and Faustish, runs the generator, and reports what it produced.</summary>
internal static class GeneratorHarness
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>
    /// .NET 10's reference assemblies, except where the test's output folder has a newer copy: the runtime builds
    /// against packages newer than the framework's (System.Text.Json 11 through Microsoft.Extensions.Hosting).
    /// </summary>
    public static readonly ImmutableArray<MetadataReference> References =
    [
        .. Net100.References.All.Select(r =>
        {
            var local = Path.Combine(AppContext.BaseDirectory, Path.GetFileName(r.FilePath ?? r.Display ?? ""));
            return File.Exists(local) ? MetadataReference.CreateFromFile(local) : (MetadataReference)r;
        }),
        MetadataReference.CreateFromFile(typeof(Faustish.TopicAttribute).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location),
    ];

    public static CSharpCompilation Compile(params string[] sources) => CSharpCompilation.Create(
        "GeneratorInput",
        sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Input{i}.cs")),
        References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver(bool trackSteps = true) => CSharpGeneratorDriver.Create(
        [new FaustishGenerator().AsSourceGenerator()],
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator; returns the generated files by hint name and the compilation with them added.</summary>
    public static (IReadOnlyDictionary<string, string> Files, Compilation Output, ImmutableArray<Diagnostic> Diagnostics) Run(params string[] sources)
    {
        var input = Compile(sources);
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out var output, out var diagnostics);
        var files = driver.GetRunResult().Results.SelectMany(r => r.GeneratedSources)
            .ToDictionary(s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal);
        return (files, output, diagnostics);
    }

    /// <summary>Errors and warnings of the compilation, generated code included.</summary>
    public static IReadOnlyList<Diagnostic> Problems(Compilation compilation) =>
        [.. compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning)];

    /// <summary>The folder of this source file, so golden files are found and rewritten in the repository, not in bin/.</summary>
    public static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
