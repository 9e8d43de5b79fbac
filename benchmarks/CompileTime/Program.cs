using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

// Times the Faustish analyzers and generator on an in-memory project of N agents, N tables and N topics.
// Usage: dotnet run -c Release --project benchmarks/CompileTime [-- <count> <iterations>]
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
var iterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 9;

var sources = SampleProject.Create(count);
var parse = new CSharpParseOptions(LanguageVersion.Preview);
var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, s.Path)).ToArray();
var references = Net100.References.All.Cast<MetadataReference>()
    .Append(MetadataReference.CreateFromFile(typeof(Faustish.TopicAttribute).Assembly.Location))
    .ToArray();
var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);
CSharpCompilation NewCompilation() => CSharpCompilation.Create("Sample", trees, references, options);

var analyzers = typeof(Faustish.Analyzers.Analyzers.DeclarationAnalyzer).Assembly.GetTypes()
    .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
    .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
    .ToImmutableArray();
var generatorAssembly = AppDomain.CurrentDomain.Load("Faustish.Generators");
var generators = generatorAssembly.GetTypes()
    .Where(t => !t.IsAbstract && t.GetCustomAttributes(typeof(GeneratorAttribute), false).Length > 0)
    .Select(t => Activator.CreateInstance(t) switch
    {
        IIncrementalGenerator incremental => incremental.AsSourceGenerator(),
        ISourceGenerator classic => classic,
        _ => null,
    })
    .OfType<ISourceGenerator>()
    .ToImmutableArray();

Console.WriteLine($"Project: {count} topics, {count} tables, {count} agents, {sources.Count} files, {sources.Sum(s => s.Text.Length) / 1024} KiB");
Console.WriteLine($"Analyzers: {analyzers.Length} ({string.Join(", ", analyzers.Select(a => a.GetType().Name))})");
Console.WriteLine($"Generators: {generators.Length} ({string.Join(", ", generators.Select(g => g.GetGeneratorType().Name))})");
Console.WriteLine($"Iterations: {iterations} measured after 2 warm-up runs; medians shown.");
Console.WriteLine();

// Baseline: the compiler's own binding and diagnostics, which analyzers share.
var compile = Measure(iterations, () => NewCompilation().GetDiagnostics().Length);

// Analyzers: wall time of GetAnalyzerDiagnosticsAsync on a fresh compilation (includes binding), and the
// analyzers' own execution time as the driver measures it.
var analyzerWall = new List<double>();
var analyzerOwn = new List<double>();
var perAnalyzer = analyzers.ToDictionary(a => a.GetType().Name, _ => new List<double>());
var diagnosticCount = 0;
for (var i = 0; i < iterations + 2; i++)
{
    var withAnalyzers = NewCompilation().WithAnalyzers(analyzers,
        new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: true));
    var watch = Stopwatch.StartNew();
    var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None);
    watch.Stop();
    diagnosticCount = diagnostics.Length;
    if (i < 2)
    {
        continue;
    }

    analyzerWall.Add(watch.Elapsed.TotalMilliseconds);
    var own = 0.0;
    foreach (var analyzer in analyzers)
    {
        var info = await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None);
        perAnalyzer[analyzer.GetType().Name].Add(info.ExecutionTime.TotalMilliseconds);
        own += info.ExecutionTime.TotalMilliseconds;
    }

    analyzerOwn.Add(own);
}

// Generator: a fresh driver each run (a cold build), and a second run after an unrelated edit (IDE typing).
var generatorCold = Measure(iterations, () =>
{
    var driver = CSharpGeneratorDriver.Create(generators, parseOptions: parse);
    return driver.RunGenerators(NewCompilation()).GetRunResult().GeneratedTrees.Length;
});
var generatedFiles = CSharpGeneratorDriver.Create(generators, parseOptions: parse).RunGenerators(NewCompilation()).GetRunResult().GeneratedTrees.Length;
var baseCompilation = NewCompilation();
var warmDriver = (GeneratorDriver)CSharpGeneratorDriver.Create(generators, parseOptions: parse);
warmDriver = warmDriver.RunGenerators(baseCompilation);
var edit = 0;
var generatorIncremental = Measure(iterations, () =>
{
    var tree = CSharpSyntaxTree.ParseText($"namespace Sample; internal static class Edit{edit++} {{ }}", parse, "Edit.cs");
    warmDriver = warmDriver.RunGenerators(baseCompilation.AddSyntaxTrees(tree));
    return 0;
});

Console.WriteLine($"Compiler GetDiagnostics (baseline, binding)  median {Median(compile),8:F1} ms");
Console.WriteLine($"All analyzers, wall (incl. binding)          median {Median(analyzerWall),8:F1} ms   ({diagnosticCount} diagnostics)");
Console.WriteLine($"All analyzers, own execution time (sum)      median {Median(analyzerOwn),8:F1} ms");
foreach (var (name, times) in perAnalyzer.OrderByDescending(p => Median(p.Value)))
{
    Console.WriteLine($"    {name,-28}                 median {Median(times),8:F1} ms");
}

Console.WriteLine($"Generator, cold run                          median {Median(generatorCold),8:F1} ms   ({generatedFiles} files)");
Console.WriteLine($"Generator, rerun after an unrelated edit     median {Median(generatorIncremental),8:F1} ms");
if (diagnosticCount != 0)
{
    Console.WriteLine("Note: the sample is meant to be clean; the analyzers reported diagnostics.");
}

return 0;

static List<double> Measure(int iterations, Func<int> action)
{
    var times = new List<double>();
    for (var i = 0; i < iterations + 2; i++)
    {
        var watch = Stopwatch.StartNew();
        action();
        watch.Stop();
        if (i >= 2)
        {
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
    }

    return times;
}

static double Median(List<double> values)
{
    if (values.Count == 0)
    {
        return 0;
    }

    var sorted = values.OrderBy(v => v).ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

/// <summary>A clean Faustish project: value types, topics, tables and agents that write tables and send to topics.</summary>
internal static class SampleProject
{
    public static List<(string Path, string Text)> Create(int count)
    {
        var files = new List<(string, string)>();
        var model = new StringBuilder("""
            global using System;
            global using System.Collections.Generic;
            global using System.Threading.Tasks;
            global using Faustish;
            global using Faustish.Agents;

            namespace Sample;

            public enum Kind { View, Click, Buy }

            """);
        for (var v = 0; v < 10; v++)
        {
            model.Append(CultureInfo.InvariantCulture, $$"""
                public sealed record Line{{v}}(string Sku, int Quantity, decimal Price, IReadOnlyList<string> Tags);
                public sealed record Event{{v}}(string Id, Kind Kind, DateTimeOffset At, Guid Session, List<Line{{v}}> Lines, Dictionary<string, double> Metrics, byte[]? Raw);

                """);
        }

        files.Add(("Model.cs", model.ToString()));
        for (var i = 0; i < count; i++)
        {
            var next = (i + 1) % count;
            var partitions = 1 << (i % 4);
            files.Add(($"Pipeline{i}.cs", $$"""
                namespace Sample;

                [Topic("events-{{i}}", Partitions = {{partitions}})]
                public sealed partial class Events{{i}} : Topic<string, Event{{i % 10}}>;

                [Table("counts-{{i}}")]
                public sealed partial class Counts{{i}} : Table<string, long>;

                [Agent(typeof(Events{{i}}), Concurrency = 2)]
                public sealed partial class Count{{i}}(Counts{{i}} counts, Events{{next}} forward)
                {
                    public async ValueTask ProcessAsync(string key, Event{{i % 10}} value, EventContext context)
                    {
                        counts[key] += value.Lines.Count;
                        counts.Increment(value.Id);
                        if (counts.TryGetValue(key, out var seen) && seen > 10)
                        {
                            counts.Remove(key);
                        }

                        await Task.Yield();
                    }
                }

                """));
        }

        return files;
    }
}
