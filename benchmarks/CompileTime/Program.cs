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
var generators = GeneratorsIn(AppDomain.CurrentDomain.Load("Faustish.Generators"));

// A baseline generator to time in the same run, e.g. main's build: "-- 200 9 --baseline path/Faustish.Generators.dll".
var baselineAt = Array.IndexOf(args, "--baseline");
var baseline = baselineAt >= 0 ? GeneratorsIn(new BaselineContext(args[baselineAt + 1]).LoadFromAssemblyPath(Path.GetFullPath(args[baselineAt + 1]))) : [];

static ImmutableArray<ISourceGenerator> GeneratorsIn(System.Reflection.Assembly assembly) => assembly.GetTypes()
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
Console.WriteLine($"Generators: {generators.Length} ({string.Join(", ", generators.Select(g => g.GetGeneratorType().Name))})" +
    (baseline.IsEmpty ? "" : $"; baseline {args[baselineAt + 1]}"));
Console.WriteLine($"Iterations: {iterations} measured after 2 warm-up runs; medians shown. {LoadAverage()}");
Console.WriteLine();

// Baseline: the compiler's own binding and diagnostics, which analyzers share.
var compile = Measure(iterations, () => NewCompilation().GetDiagnostics().Length);

// Analyzers: wall time of GetAnalyzerDiagnosticsAsync on a fresh compilation (includes binding), and the
// analyzers' own execution time as the driver measures it (which includes binding the compiler does lazily inside
// their callbacks: WithAnalyzers works on a copy of the compilation, so binding it first does not help).
var (analyzerWall, analyzerOwn, perAnalyzer, diagnosticCount) = await MeasureAnalyzers();

async Task<(List<double> Wall, List<double> Own, Dictionary<string, List<double>> PerAnalyzer, int Diagnostics)> MeasureAnalyzers()
{
    var wall = new List<double>();
    var ownTimes = new List<double>();
    var each = analyzers.ToDictionary(a => a.GetType().Name, _ => new List<double>());
    var count = 0;
    for (var i = 0; i < iterations + 2; i++)
    {
        var withAnalyzers = NewCompilation().WithAnalyzers(analyzers,
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

// Generator, cold: a fresh driver each run (a build); the baseline, when given, takes its turn in each round.
var generatorCold = new List<double>();
var baselineCold = new List<double>();
for (var i = 0; i < iterations + 2; i++)
{
    if (!baseline.IsEmpty)
    {
        var baselineTime = Time(() => CSharpGeneratorDriver.Create(baseline, parseOptions: parse).RunGenerators(NewCompilation()));
        if (i >= 2)
        {
            baselineCold.Add(baselineTime);
        }
    }

    var time = Time(() => CSharpGeneratorDriver.Create(generators, parseOptions: parse).RunGenerators(NewCompilation()));
    if (i >= 2)
    {
        generatorCold.Add(time);
    }
}

static double Time(Action action)
{
    var watch = Stopwatch.StartNew();
    action();
    return watch.Elapsed.TotalMilliseconds;
}

var generatedFiles = CSharpGeneratorDriver.Create(generators, parseOptions: parse).RunGenerators(NewCompilation()).GetRunResult().GeneratedTrees.Length;

// Typing: each edit changes the previous compilation's text the way an editor does (an incremental reparse of one
// file), and the generator reruns on its warm driver: a method-body edit in an agent, a new file with a new type, a
// record type gaining a property. The baseline, when given, takes its turn in each round, so both see the same load.
// After the method-body edit, the analyzers run on the edited file as the IDE runs them after a keystroke (syntax and
// semantic diagnostics of that document, on the compilation with the generated files, own execution time as the
// analyzer driver logs it, compilation-start actions included).
var editedPath = $"Pipeline{count / 2}.cs";
var current = new Typing(generators, NewCompilation(), parse, editedPath);
var before = baseline.IsEmpty ? null : new Typing(baseline, NewCompilation(), parse, editedPath);
var bodyAnalyzersOwn = new List<double>();
var bodyAnalyzersWall = new List<double>();
var bodyCompiler = new List<double>();
var bodyTogether = new List<double>();
var bodyDiagnostics = 0;
var bodyPerAnalyzer = analyzers.ToDictionary(a => a.GetType().Name, _ => new List<double>());
for (var i = 0; i < iterations + 2; i++)
{
    var measured = i >= 2;
    before?.EditBody(i, measured);
    var generatorTime = current.EditBody(i, measured);

    // The compiler's own diagnostics of the file, which the IDE computes on every keystroke whatever the analyzers. It
    // merges the new compilation's declarations (shared with the copy the analyzers run on): timed apart, so that
    // work is not counted in the first analyzer that happens to look up a type.
    var withGenerated = current.Compilation.AddSyntaxTrees(current.Driver.GetRunResult().GeneratedTrees);
    var edited = current.Compilation.SyntaxTrees.Single(t => t.FilePath == editedPath);
    var watch = Stopwatch.StartNew();
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

    before?.AddType(i, measured);
    current.AddType(i, measured);
    before?.EditRecord(i, measured);
    current.EditRecord(i, measured);
    if (!measured)
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

    bodyAnalyzersOwn.Add(own);
    bodyAnalyzersWall.Add(watch.Elapsed.TotalMilliseconds);
    bodyCompiler.Add(compilerTime);
    bodyTogether.Add(generatorTime + own);
}

Console.WriteLine($"Compiler GetDiagnostics (baseline, binding)  median {Median(compile),8:F1} ms");
Console.WriteLine($"All analyzers, wall (incl. binding)          median {Median(analyzerWall),8:F1} ms   ({diagnosticCount} diagnostics)");
Console.WriteLine($"All analyzers, own execution time (sum)      median {Median(analyzerOwn),8:F1} ms");
foreach (var (name, times) in perAnalyzer.OrderByDescending(p => Median(p.Value)))
{
    Console.WriteLine($"    {name,-28}                 median {Median(times),8:F1} ms");
}

Console.WriteLine();
Console.WriteLine(baseline.IsEmpty ? "Generator" : "Generator                                    this build    baseline   ratio");
Row("cold run", generatorCold, baselineCold);
Row("rerun after a new file with a new type", current.NewType, before?.NewType ?? []);
Row("rerun after a record type gains a property", current.RecordEdit, before?.RecordEdit ?? []);
Row("rerun after a method-body edit (<= 50 ms)", current.BodyEdit, before?.BodyEdit ?? []);
Console.WriteLine($"  ({generatedFiles} files; method-body rerun min {current.BodyEdit.Min():F1}, max {current.BodyEdit.Max():F1} ms)");

void Row(string what, List<double> mine, List<double> theirs) => Console.WriteLine(theirs.Count == 0
    ? $"  {what,-43} median {Median(mine),8:F1} ms"
    : $"  {what,-43} {Median(mine),8:F1} ms {Median(theirs),8:F1} ms   {Median(mine) / Median(theirs),5:F2}x");

Console.WriteLine();
Console.WriteLine($"A method-body edit in {editedPath}, generator and analyzers (target <= 100 ms):");
Console.WriteLine($"  Generator rerun                            median {Median(current.BodyEdit),8:F1} ms");
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

/// <summary>A generator on a warm driver, rerun after edits the way an editor makes them.</summary>
internal sealed class Typing
{
    private readonly CSharpParseOptions _parse;
    private readonly string _editedPath;
    private readonly Compilation _start;
    private GeneratorDriver _newTypeDriver;
    private GeneratorDriver _recordDriver;
    private Compilation _records;

    public Typing(ImmutableArray<ISourceGenerator> generators, Compilation compilation, CSharpParseOptions parse, string editedPath)
    {
        _parse = parse;
        _editedPath = editedPath;
        _start = compilation;
        Compilation = compilation;
        _records = compilation;
        Driver = CSharpGeneratorDriver.Create(generators, parseOptions: parse).RunGenerators(compilation);
        _newTypeDriver = CSharpGeneratorDriver.Create(generators, parseOptions: parse).RunGenerators(compilation);
        _recordDriver = CSharpGeneratorDriver.Create(generators, parseOptions: parse).RunGenerators(compilation);
    }

    public Compilation Compilation { get; private set; }

    public GeneratorDriver Driver { get; private set; }

    public List<double> BodyEdit { get; } = [];

    public List<double> NewType { get; } = [];

    public List<double> RecordEdit { get; } = [];

    /// <summary>Changes the number in <c>seen > 10</c> inside an agent's method body; returns the generator's time.</summary>
    public double EditBody(int round, bool measured)
    {
        var tree = Compilation.SyntaxTrees.Single(t => t.FilePath == _editedPath);
        var text = tree.GetText();
        var at = text.ToString().IndexOf("seen > ", StringComparison.Ordinal) + "seen > ".Length;
        var end = at;
        while (char.IsDigit(text[end]))
        {
            end++;
        }

        Compilation = Compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(text.WithChanges(new Microsoft.CodeAnalysis.Text.TextChange(
            new Microsoft.CodeAnalysis.Text.TextSpan(at, end - at), (11 + round).ToString(CultureInfo.InvariantCulture)))));
        var watch = Stopwatch.StartNew();
        Driver = Driver.RunGenerators(Compilation);
        watch.Stop();
        return Record(BodyEdit, watch, measured);
    }

    /// <summary>Adds a file declaring a type no Faustish class uses.</summary>
    public void AddType(int round, bool measured)
    {
        var tree = CSharpSyntaxTree.ParseText($"namespace Sample; internal static class Edit{round} {{ }}", _parse, "Edit.cs");
        var watch = Stopwatch.StartNew();
        _newTypeDriver = _newTypeDriver.RunGenerators(_start.AddSyntaxTrees(tree));
        watch.Stop();
        Record(NewType, watch, measured);
    }

    /// <summary>Gives the record <c>Line3</c> one more constructor parameter.</summary>
    public void EditRecord(int round, bool measured)
    {
        var tree = _records.SyntaxTrees.Single(t => t.FilePath == "Model.cs");
        var text = tree.GetText();
        var at = text.ToString().IndexOf("public sealed record Line3(", StringComparison.Ordinal) + "public sealed record Line3(".Length;
        _records = _records.ReplaceSyntaxTree(tree, tree.WithChangedText(text.WithChanges(new Microsoft.CodeAnalysis.Text.TextChange(
            new Microsoft.CodeAnalysis.Text.TextSpan(at, 0), $"int Extra{round}, "))));
        var watch = Stopwatch.StartNew();
        _recordDriver = _recordDriver.RunGenerators(_records);
        watch.Stop();
        Record(RecordEdit, watch, measured);
    }

    private static double Record(List<double> times, Stopwatch watch, bool measured)
    {
        if (measured)
        {
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        return watch.Elapsed.TotalMilliseconds;
    }
}

/// <summary>Loads a baseline generator assembly beside this one; the compiler's assemblies come from this process.</summary>
internal sealed class BaselineContext(string path) : System.Runtime.Loader.AssemblyLoadContext("baseline")
{
    protected override System.Reflection.Assembly? Load(System.Reflection.AssemblyName name)
    {
        var simple = name.Name ?? "";
        var file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, simple + ".dll");
        var shared = simple.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) || simple.StartsWith("System.", StringComparison.Ordinal) || simple == "netstandard";
        return !shared && File.Exists(file) ? LoadFromAssemblyPath(file) : null;
    }
}
