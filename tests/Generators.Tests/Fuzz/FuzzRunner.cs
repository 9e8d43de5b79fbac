using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Faustish.Analyzers.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Faustish.Generators.Tests.Fuzz;

/// <summary>What running one fuzz input found.</summary>
internal sealed record FuzzOutcome(FuzzCase Case, IReadOnlyList<string> Failures, IReadOnlyList<string> ReportedIds, int ProbeChecks, bool Probed);

/// <summary>
/// Runs one fuzz input as a user's build would: compiled in memory against .NET 10 and Faustish, with the generator and
/// every Faustish analyzer (nullable on, warning level 10 as the SDK sets it for net10.0). Then checks the promises:
/// no generator or analyzer exception; no error or warning located in a generated file; a valid input compiles with
/// no diagnostic at all and every topic, table and agent is in the app model; an invalid one gets the Faustish
/// diagnostic it expects, on the user's own code; and whatever the generator leaves out of the app model, an error
/// explains. A valid input with JSON codecs is emitted, loaded and probed against JsonSerializer.
/// </summary>
internal static class FuzzRunner
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        warningLevel: 10,
        concurrentBuild: false);

    private static readonly string[] ReferencedAssemblies =
    [
        "netstandard", "System.Runtime", "System.Collections", "System.Collections.Concurrent", "System.ComponentModel", "System.Console",
        "System.Diagnostics.DiagnosticSource", "System.IO.Pipelines", "System.Linq", "System.Memory", "System.Numerics.Vectors", "System.ObjectModel",
        "System.Private.Uri", "System.Reflection.Emit.ILGeneration", "System.Reflection.Emit.Lightweight", "System.Reflection.Primitives",
        "System.Runtime.InteropServices", "System.Runtime.Intrinsics", "System.Runtime.Loader", "System.Runtime.Numerics", "System.Text.Encodings.Web",
        "System.Text.Json", "System.Threading", "System.Threading.Tasks", "System.Threading.Thread", "Faustish", "Microsoft.Extensions.DependencyInjection.Abstractions",
    ];

    /// <summary>
    /// The assemblies a Faustish app compiles against — .NET 10's reference assemblies that the inputs and the generated
    /// code use, Faustish and dependency injection — rather than all 170 of the framework: binding a compilation
    /// against fewer assemblies is what keeps several hundred inputs within the time of a normal test run.
    /// </summary>
    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. GeneratorHarness.References.Where(r => Array.IndexOf(ReferencedAssemblies, AssemblyName(r)) >= 0),
    ];

    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers =
    [
        .. typeof(DeclarationAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!),
    ];

    private static readonly string ProbeHelper = ReadResource("Fuzz.CodecAgreement.cs");

    private static readonly ConcurrentDictionary<string, long> PhaseTicks = new(StringComparer.Ordinal);

    /// <summary>Time spent in each phase over all inputs run so far, summed over threads.</summary>
    public static string Phases() => string.Join(", ", PhaseTicks.OrderBy(p => p.Key, StringComparer.Ordinal)
        .Select(p => $"{p.Key} {TimeSpan.FromTicks(p.Value).TotalSeconds:F1} s"));

    private static T Timed<T>(string phase, Func<T> work)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return work();
        }
        finally
        {
            PhaseTicks.AddOrUpdate(phase, System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks, (_, total) => total + System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks);
        }
    }

    /// <summary>The analyzers run over every input (all of Faustish.Analyzers).</summary>
    public static int AnalyzerCount => Analyzers.Length;

    public static FuzzOutcome Run(FuzzCase input)
    {
        var failures = new List<string>();
        var trees = input.Files.Select(f => CSharpSyntaxTree.ParseText(f.Text, ParseOptions, path: f.Path)).ToList();
        var probeTrees = input.Probe is null
            ? []
            : new[] { CSharpSyntaxTree.ParseText(input.Probe, ParseOptions, path: "Probe.cs"), CSharpSyntaxTree.ParseText(ProbeHelper, ParseOptions, path: "CodecAgreement.cs") };
        var compilation = Timed("compile", () => CSharpCompilation.Create($"FuzzInput{input.Seed}_{input.Index}", trees.Concat(probeTrees), References, CompilationOptions));

        Compilation output = compilation;
        ImmutableArray<Diagnostic> generatorDiagnostics = [];
        var driver = Timed("generate", () => CSharpGeneratorDriver.Create([new FaustishGenerator().AsSourceGenerator()], parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out output, out generatorDiagnostics));
        var run = driver.GetRunResult();
        foreach (var result in run.Results.Where(r => r.Exception is not null))
        {
            failures.Add($"the generator threw {result.Exception!.GetType().Name}: {result.Exception.Message}");
        }

        foreach (var diagnostic in generatorDiagnostics)
        {
            failures.Add($"the generator reported {diagnostic}");
        }

        var analyzerExceptions = new ConcurrentQueue<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            (exception, analyzer, _) => analyzerExceptions.Enqueue($"{analyzer.GetType().Name} threw {exception.GetType().Name}: {exception.Message}"),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        var diagnostics = Timed("diagnose", () => output.WithAnalyzers(Analyzers, options).GetAllDiagnosticsAsync().GetAwaiter().GetResult())
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .ToList();
        failures.AddRange(analyzerExceptions);
        failures.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => $"an analyzer failed: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));

        var generated = run.GeneratedTrees.ToHashSet();
        var user = trees.ToHashSet();
        foreach (var diagnostic in diagnostics.Where(d => d.Location.SourceTree is { } tree && generated.Contains(tree)))
        {
            failures.Add($"{Describe(diagnostic)} is in generated code:\n{Excerpt(diagnostic)}");
        }

        var reported = diagnostics.Where(d => d.Id.StartsWith("FSH", StringComparison.Ordinal)).ToList();
        var reportedIds = reported.Select(d => d.Id).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var (declared, registered) = AppModel(output, run);
        var missing = declared.Where(t => !registered.Contains(t)).Select(t => t.ToDisplayString()).Order(StringComparer.Ordinal).ToList();

        if (input.IsValid)
        {
            foreach (var diagnostic in diagnostics.Where(d => d.Location.SourceTree is not { } tree || !generated.Contains(tree)))
            {
                failures.Add($"a valid input got {Describe(diagnostic)}");
            }

            if (missing.Count > 0)
            {
                failures.Add($"not in the app model: {string.Join(", ", missing)}");
            }
        }
        else
        {
            if (!reported.Any(d => d.Location.SourceTree is { } tree && user.Contains(tree)))
            {
                failures.Add("no Faustish diagnostic on the user's code; got: " + string.Join("; ", diagnostics.Select(Describe)));
            }

            foreach (var id in input.ExpectedIds.Where(id => !reportedIds.Contains(id)))
            {
                failures.Add($"expected {id}; got: " + string.Join("; ", diagnostics.Select(Describe)));
            }
        }

        // Whatever the generator leaves out, an error explains: nothing is dropped silently.
        if (missing.Count > 0 && !reported.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            failures.Add($"left out of the app model without a Faustish error: {string.Join(", ", missing)}");
        }

        var probeChecks = 0;
        var probed = false;
        if (input.Probe is not null && failures.Count == 0)
        {
            probed = true;
            probeChecks = input.Probe.Split("CodecAgreement.Check(", StringSplitOptions.None).Length - 1;
            failures.AddRange(Timed("probe", () => Probe(output)));
        }

        return new FuzzOutcome(input, failures, reportedIds, probeChecks, probed);
    }

    /// <summary>The input's topic, table and agent classes, and those the generated app model lists.</summary>
    private static (List<INamedTypeSymbol> Declared, HashSet<INamedTypeSymbol> Registered) AppModel(Compilation output, GeneratorDriverRunResult run)
    {
        var declared = output.GetSymbolsWithName(_ => true, SymbolFilter.Type)
            .OfType<INamedTypeSymbol>()
            .Where(t => t.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() is "Faustish.TopicAttribute" or "Faustish.TableAttribute" or "Faustish.AgentAttribute"))
            .ToList();
        var registered = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        var registry = run.Results.SelectMany(r => r.GeneratedSources).Where(s => s.HintName == "Faustish.AppModel.g.cs").Select(s => s.SyntaxTree).FirstOrDefault();
        if (registry is not null)
        {
            var model = output.GetSemanticModel(output.SyntaxTrees.First(t => t.FilePath == registry.FilePath));
            foreach (var access in model.SyntaxTree.GetRoot().DescendantNodes().OfType<MemberAccessExpressionSyntax>().Where(m => m.Name.Identifier.ValueText == "Definition"))
            {
                if (model.GetSymbolInfo(access.Expression).Symbol is INamedTypeSymbol type)
                {
                    registered.Add(type);
                }
            }
        }

        return (declared, registered);
    }

    /// <summary>
    /// Emits the input, loads it and runs its probe. The app model is left out (its module initializer would register
    /// the input in this process), and so are the agents' loops, which the probe does not run (they compiled clean above).
    /// </summary>
    private static List<string> Probe(Compilation output)
    {
        var unused = output.SyntaxTrees.Where(t => t.FilePath.EndsWith("Faustish.AppModel.g.cs", StringComparison.Ordinal) || t.FilePath.EndsWith(".Agent.g.cs", StringComparison.Ordinal));
        var compilation = output.RemoveSyntaxTrees(unused);
        using var image = new MemoryStream();
        var emitted = Timed("probe: emit", () => compilation.Emit(image));
        if (!emitted.Success)
        {
            return ["the probe did not compile: " + string.Join("; ", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(Describe))];
        }

        image.Position = 0;
        var context = new AssemblyLoadContext(compilation.AssemblyName, isCollectible: true);
        try
        {
            var assembly = context.LoadFromStream(image);
            var probe = assembly.GetType("FuzzProbe.Probe", throwOnError: true)!.GetMethod("Run")!;
            try
            {
                return [.. (string[])probe.Invoke(null, null)!];
            }
            catch (TargetInvocationException exception) when (exception.InnerException is { } inner)
            {
                return [$"the probe threw {inner.GetType().Name}: {inner.Message}\n{inner.StackTrace}"];
            }
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>The assembly name of a reference: <c>System.Runtime (net100)</c> or <c>/path/System.Text.Json.dll</c> gives the file's name.</summary>
    private static string AssemblyName(MetadataReference reference)
    {
        var display = Path.GetFileName((reference.Display ?? "").Split(' ')[0]);
        return display.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? display[..^4] : display;
    }

    private static string Describe(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetLineSpan();
        return $"{diagnostic.Id} at {Path.GetFileName(span.Path)}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    private static string Excerpt(Diagnostic diagnostic)
    {
        if (diagnostic.Location.SourceTree is not { } tree)
        {
            return "";
        }

        var lines = tree.GetText().Lines;
        var line = diagnostic.Location.GetLineSpan().StartLinePosition.Line;
        return string.Join("\n", Enumerable.Range(Math.Max(0, line - 2), Math.Min(5, lines.Count - Math.Max(0, line - 2))).Select(i => $"    {i + 1}: {lines[i]}"));
    }

    private static string ReadResource(string name)
    {
        using var stream = typeof(FuzzRunner).Assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"no resource {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
