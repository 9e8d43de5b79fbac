using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.IO;
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
Console.WriteLine($"Iterations: {iterations} measured after 2 warm-up runs; medians shown. {LoadAverage()}");
Console.WriteLine();

// Baseline: the compiler's own binding and diagnostics, which analyzers share.
var compile = Measure(iterations, () => NewCompilation().GetDiagnostics().Length);

// Analyzers: wall time of GetAnalyzerDiagnosticsAsync on a fresh compilation (includes binding), and the
// analyzers' own execution time as the driver measures it. Their own time includes whatever binding the compiler
// does lazily inside their callbacks; the second measure lets the compiler bind the compilation first (its
// GetDiagnostics, as a build does anyway), so what remains is the analyzers' own work.
var (analyzerWall, analyzerOwn, perAnalyzer, diagnosticCount) = await MeasureAnalyzers(bindFirst: false);
var (_, analyzerOwnBound, perAnalyzerBound, _) = await MeasureAnalyzers(bindFirst: true);

async Task<(List<double> Wall, List<double> Own, Dictionary<string, List<double>> PerAnalyzer, int Diagnostics)> MeasureAnalyzers(bool bindFirst)
{
    var wall = new List<double>();
    var ownTimes = new List<double>();
    var each = analyzers.ToDictionary(a => a.GetType().Name, _ => new List<double>());
    var count = 0;
    for (var i = 0; i < iterations + 2; i++)
    {
        var compilation = NewCompilation();
        if (bindFirst)
        {
            compilation.GetDiagnostics();
        }

        var withAnalyzers = compilation.WithAnalyzers(analyzers,
            new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: true));
        var watch = Stopwatch.StartNew();
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        watch.Stop();
        count = diagnostics.Length;
        if (i < 2)
        {
            continue;
        }

        wall.Add(watch.Elapsed.TotalMilliseconds);
        var own = 0.0;
        foreach (var analyzer in analyzers)
        {
            var info = await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None);
            each[analyzer.GetType().Name].Add(info.ExecutionTime.TotalMilliseconds);
            own += info.ExecutionTime.TotalMilliseconds;
        }

        ownTimes.Add(own);
    }

    return (wall, ownTimes, each, count);
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

// Typing: each edit changes the previous compilation's text the way an editor does (an incremental reparse of one
// file). A method-body edit in an agent: the generator's rerun, then the analyzers on the edited file as the IDE
// runs them after a keystroke (syntax and semantic diagnostics of that document, on the compilation with the
// generated files, own execution time as the analyzer driver logs it, compilation-start actions included).
var editedPath = $"Pipeline{count / 2}.cs";
var typingDriver = (GeneratorDriver)CSharpGeneratorDriver.Create(generators, parseOptions: parse);
var typing = (Compilation)NewCompilation();
typingDriver = typingDriver.RunGenerators(typing);
var bodyGenerator = new List<double>();
var bodyAnalyzersOwn = new List<double>();
var bodyAnalyzersWall = new List<double>();
var bodyCompiler = new List<double>();
var bodyTogether = new List<double>();
var bodyDiagnostics = 0;
var bodyPerAnalyzer = analyzers.ToDictionary(a => a.GetType().Name, _ => new List<double>());
for (var i = 0; i < iterations + 2; i++)
{
    var tree = typing.SyntaxTrees.Single(t => t.FilePath == editedPath);
    var text = tree.GetText();
    var at = text.ToString().IndexOf("seen > ", StringComparison.Ordinal) + "seen > ".Length;
    var end = at;
    while (char.IsDigit(text[end]))
    {
        end++;
    }

    var edited = tree.WithChangedText(text.WithChanges(new Microsoft.CodeAnalysis.Text.TextChange(
        new Microsoft.CodeAnalysis.Text.TextSpan(at, end - at), (11 + i).ToString(CultureInfo.InvariantCulture))));
    typing = typing.ReplaceSyntaxTree(tree, edited);

    var watch = Stopwatch.StartNew();
    typingDriver = typingDriver.RunGenerators(typing);
    watch.Stop();
    var generatorTime = watch.Elapsed.TotalMilliseconds;

    // The compiler's own diagnostics of the file, which the IDE computes on every keystroke whatever the analyzers:
    // binding the file and building the new compilation's declarations. Timed apart, so the analyzers' own time is theirs.
    var withGenerated = typing.AddSyntaxTrees(typingDriver.GetRunResult().GeneratedTrees);
    watch.Restart();
    withGenerated.GetSemanticModel(edited).GetDiagnostics();
    watch.Stop();
    var compilerTime = watch.Elapsed.TotalMilliseconds;
    var document = withGenerated.WithAnalyzers(analyzers,
        new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: true));
    watch.Restart();
    var found = await document.GetAnalyzerSyntaxDiagnosticsAsync(edited, CancellationToken.None);
    found = found.AddRange(await document.GetAnalyzerSemanticDiagnosticsAsync(withGenerated.GetSemanticModel(edited), filterSpan: null, CancellationToken.None));
    watch.Stop();
    bodyDiagnostics = found.Length;
    if (i < 2)
    {
        continue;
    }

    var own = 0.0;
    foreach (var analyzer in analyzers)
    {
        var time = (await document.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None)).ExecutionTime.TotalMilliseconds;
        bodyPerAnalyzer[analyzer.GetType().Name].Add(time);
        own += time;
    }

    bodyGenerator.Add(generatorTime);
    bodyAnalyzersOwn.Add(own);
    bodyAnalyzersWall.Add(watch.Elapsed.TotalMilliseconds);
    bodyCompiler.Add(compilerTime);
    bodyTogether.Add(generatorTime + own);
}

// A declaration edit: one record type gains a property. Models are rebuilt; only that record's codec file changes.
var recordDriver = (GeneratorDriver)CSharpGeneratorDriver.Create(generators, parseOptions: parse);
var records = (Compilation)NewCompilation();
recordDriver = recordDriver.RunGenerators(records);
var recordEdit = new List<double>();
for (var i = 0; i < iterations + 2; i++)
{
    var tree = records.SyntaxTrees.Single(t => t.FilePath == "Model.cs");
    var text = tree.GetText();
    var at = text.ToString().IndexOf("public sealed record Line3(", StringComparison.Ordinal) + "public sealed record Line3(".Length;
    var edited = tree.WithChangedText(text.WithChanges(new Microsoft.CodeAnalysis.Text.TextChange(
        new Microsoft.CodeAnalysis.Text.TextSpan(at, 0), $"int Extra{i}, ")));
    records = records.ReplaceSyntaxTree(tree, edited);
    var watch = Stopwatch.StartNew();
    recordDriver = recordDriver.RunGenerators(records);
    watch.Stop();
    if (i >= 2)
    {
        recordEdit.Add(watch.Elapsed.TotalMilliseconds);
    }
}

Console.WriteLine($"Compiler GetDiagnostics (baseline, binding)  median {Median(compile),8:F1} ms");
Console.WriteLine($"All analyzers, wall (incl. binding)          median {Median(analyzerWall),8:F1} ms   ({diagnosticCount} diagnostics)");
Console.WriteLine($"All analyzers, own execution time (sum)      median {Median(analyzerOwn),8:F1} ms");
foreach (var (name, times) in perAnalyzer.OrderByDescending(p => Median(p.Value)))
{
    Console.WriteLine($"    {name,-28}                 median {Median(times),8:F1} ms");
}

Console.WriteLine($"All analyzers, own time, compiler bound first median {Median(analyzerOwnBound),7:F1} ms");
foreach (var (name, times) in perAnalyzerBound.OrderByDescending(p => Median(p.Value)))
{
    Console.WriteLine($"    {name,-28}                 median {Median(times),8:F1} ms");
}

Console.WriteLine($"Generator, cold run                          median {Median(generatorCold),8:F1} ms   ({generatedFiles} files)");
Console.WriteLine($"Generator, rerun after a new type (new file) median {Median(generatorIncremental),8:F1} ms");
Console.WriteLine($"Generator, rerun after a record type edit    median {Median(recordEdit),8:F1} ms");
Console.WriteLine();
Console.WriteLine($"A method-body edit in {editedPath} (target: generator <= 50 ms, with analyzers <= 100 ms):");
Console.WriteLine($"  Generator rerun                            median {Median(bodyGenerator),8:F1} ms   (min {bodyGenerator.Min():F1}, max {bodyGenerator.Max():F1})");
Console.WriteLine($"  Compiler's own diagnostics of the file     median {Median(bodyCompiler),8:F1} ms   (not Faustish's: the IDE computes them on each edit)");
Console.WriteLine($"  Analyzers on the edited file, own time     median {Median(bodyAnalyzersOwn),8:F1} ms   (wall {Median(bodyAnalyzersWall):F1} ms, {bodyDiagnostics} diagnostics)");
foreach (var (name, times) in bodyPerAnalyzer.OrderByDescending(p => Median(p.Value)))
{
    Console.WriteLine($"      {name,-28}                 median {Median(times),8:F1} ms");
}

Console.WriteLine($"  Generator + analyzers (per edit)           median {Median(bodyTogether),8:F1} ms   (min {bodyTogether.Min():F1}, max {bodyTogether.Max():F1})");
Console.WriteLine(LoadAverage());
if (diagnosticCount != 0 || bodyDiagnostics != 0)
{
    Console.WriteLine("Note: the sample is meant to be clean; the analyzers reported diagnostics.");
}

return 0;

// The machine is shared: say how busy it was.
static string LoadAverage() => File.Exists("/proc/loadavg")
    ? "Load average (1, 5, 15 min): " + string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3))
    : "";

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
