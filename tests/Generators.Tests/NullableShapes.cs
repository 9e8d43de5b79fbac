using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using Faustish.Analyzers.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Faustish.Generators.Tests;

/// <summary>
/// Generated code compiles warning-free for every nullable shape of key and value. The matrix is exactly: key and
/// value each one of <c>string</c>, a record class, a record struct and <c>long</c>, each with and without
/// <c>?</c> (8 x 8 pairs); a topic of every pair; agents of every topic whose processing method takes each type
/// as declared and, for reference types, with the other annotation (<c>Topic&lt;string, string&gt;</c> read by
/// <c>Process(string? key, string post)</c>); a table and a windowed table of every pair whose key is not nullable
/// (table keys never are: FSH rule). The compilation treats warnings as errors and runs Faustish's analyzers too.
/// </summary>
public sealed class NullableShapes
{
    /// <summary>string, record class, record struct, long: each non-nullable and nullable.</summary>
    public static readonly string[] Types = ["string", "string?", "Post", "Post?", "Point", "Point?", "long", "long?"];

    private const string Declarations = """
        using System;
        using System.Collections.Generic;
        using Faustish;

        namespace Shapes;

        public sealed record Post(string Id, string? Note);

        public readonly record struct Point(long X, long Y);

        // Faustish's keyless topic (Faust's app.topic('posts', value_type=str)): a nullable key that is always null.
        [Topic("keyless-posts", Partitions = 4)]
        public sealed partial class KeylessPosts : Topic<string?, string>;

        [Agent(typeof(KeylessPosts))]
        public sealed partial class ForwardPosts(KeylessPosts posts)
        {
            public void Process(string? key, string post)
            {
                if (key is null && post.Length < 10)
                {
                    posts.Send(null, post + "!");
                }
            }
        }

        """;

    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers =
    [
        .. typeof(DeclarationAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!),
    ];

    [Fact]
    public void Every_nullable_shape_of_key_and_value_compiles_without_warnings_for_topics_tables_and_agents()
    {
        var (topics, agents, tables) = CompileWarningFree(Types);
        Assert.Equal(64, topics);
        Assert.Equal(144, agents); // (4 reference types x 2 annotations + 4 value types x 1)^2
        Assert.Equal(64, tables); // 4 non-nullable keys x 8 values, plain and windowed
    }

    /// <summary>Shapes beyond the matrix that earlier reports named: collections with nullable items, nullable enums.</summary>
    [Fact]
    public void Collections_and_enums_with_nullable_annotations_compile_without_warnings()
    {
        CompileWarningFree(["List<string?>", "List<Post?>?", "Color", "Color?"]);
    }

    /// <summary>
    /// Event times read from the value (<c>[Topic(Timestamp = ...)]</c>): a DateTimeOffset, DateTime or long member of a
    /// record class or struct, or a method of the topic, for keys and values with and without <c>?</c>, read by agents
    /// that take each annotation: the inline reads and the definitions' delegates compile warning-free.
    /// </summary>
    [Fact]
    public void Event_times_from_members_and_methods_compile_without_warnings_for_every_nullable_shape()
    {
        var source = new StringBuilder(Declarations).AppendLine("""
            public sealed record Stamped(string Id, DateTimeOffset At, DateTime Utc, long Ms);

            public readonly record struct Moment(long X, DateTimeOffset At);
            """);
        int topics = 0, agents = 0;
        foreach (var key in new[] { "string", "string?", "long", "long?" })
        {
            foreach (var value in new[] { "Stamped", "Stamped?", "Moment", "Moment?" })
            {
                var members = value.StartsWith("Stamped", StringComparison.Ordinal) ? new[] { "At", "Utc", "Ms" } : ["At"];
                var timestamps = members.Select(m => (Name: m, Method: "")).ToList();
                foreach (var methodKey in Annotations(key).Where(k => k.EndsWith('?') || !key.EndsWith('?')))
                {
                    foreach (var methodValue in Annotations(value))
                    {
                        foreach (var returns in new[] { "long", "DateTimeOffset" })
                        {
                            var body = (methodValue.EndsWith('?'), returns) switch
                            {
                                (true, "long") => "value?.At.ToUnixTimeMilliseconds() ?? recordTimestampMs",
                                (true, _) => "value?.At ?? DateTimeOffset.FromUnixTimeMilliseconds(recordTimestampMs)",
                                (false, "long") => "value.At.ToUnixTimeMilliseconds()",
                                _ => "value.At",
                            };

                            timestamps.Add(("EventTime", $"internal static {returns} EventTime({methodKey} key, {methodValue} value, long recordTimestampMs) => {body};"));
                        }
                    }
                }

                foreach (var (member, method) in timestamps)
                {
                    var name = $"Timed{topics++}";
                    source.AppendLine(CultureInfo.InvariantCulture,
                        $"[Topic(\"{name.ToLowerInvariant()}\", Timestamp = \"{member}\")] public sealed partial class {name} : Topic<{key}, {value}> {{ {method} }}");
                    foreach (var keyParameter in Annotations(key))
                    {
                        foreach (var valueParameter in Annotations(value))
                        {
                            agents++;
                            source.AppendLine(CultureInfo.InvariantCulture,
                                $"[Agent(typeof({name}))] public sealed partial class Read{name}As{Name(keyParameter)}{Name(valueParameter)} {{ public void Process({keyParameter} key, {valueParameter} value) {{ }} }}");
                        }
                    }
                }
            }
        }

        var files = AssertWarningFree(source.ToString());
        Assert.Equal(topics, files.Count(f => f.Key.StartsWith("Shapes.Timed", StringComparison.Ordinal) && f.Key.EndsWith(".Topic.g.cs", StringComparison.Ordinal) &&
            f.Value.Contains("Timestamp = static", StringComparison.Ordinal)));
        Assert.Equal(agents, files.Count(f => f.Key.StartsWith("Shapes.ReadTimed", StringComparison.Ordinal) &&
            f.Value.Contains("context.Begin(in record, timestampMs);", StringComparison.Ordinal)));
        Assert.Equal(92, topics);
    }

    private static (int Topics, int Agents, int Tables) CompileWarningFree(string[] types)
    {
        var source = new StringBuilder(Declarations).AppendLine("public enum Color { Red, Green }");
        int topics = 0, agents = 0, tables = 0;
        foreach (var key in types)
        {
            foreach (var value in types)
            {
                var name = $"{Name(key)}To{Name(value)}";
                topics++;
                source.AppendLine(CultureInfo.InvariantCulture, $"[Topic(\"{name.ToLowerInvariant()}\")] public sealed partial class {name}Topic : Topic<{key}, {value}>;");
                foreach (var keyParameter in Annotations(key))
                {
                    foreach (var valueParameter in Annotations(value))
                    {
                        agents++;
                        source.AppendLine(CultureInfo.InvariantCulture,
                            $"[Agent(typeof({name}Topic))] public sealed partial class Read{name}As{Name(keyParameter)}{Name(valueParameter)} {{ public void Process({keyParameter} key, {valueParameter} value) {{ }} }}");
                    }
                }

                if (!key.EndsWith('?'))
                {
                    tables += 2;
                    source.AppendLine(CultureInfo.InvariantCulture, $"[Table(\"{name.ToLowerInvariant()}-table\")] public sealed partial class {name}Table : Table<{key}, {value}>;");
                    source.AppendLine(CultureInfo.InvariantCulture,
                        $"[Table(\"{name.ToLowerInvariant()}-windows\", Window = \"tumbling 1m\", Expires = \"1h\")] public sealed partial class {name}Windows : WindowedTable<{key}, {value}>;");
                }
            }
        }

        var files = AssertWarningFree(source.ToString());
        Assert.Equal(topics + 1, files.Keys.Count(k => k.EndsWith(".Topic.g.cs", StringComparison.Ordinal)));
        return (topics, agents, tables);
    }

    /// <summary>Runs the generator on <paramref name="source"/> and compiles the result with warnings as errors and Faustish's analyzers.</summary>
    private static IReadOnlyDictionary<string, string> AssertWarningFree(string source)
    {
        var (files, output, generatorDiagnostics) = GeneratorHarness.Run(source);
        Assert.Empty(generatorDiagnostics);

        // Warnings as errors, as a user's build with TreatWarningsAsErrors: compiler and Faustish analyzers alike.
        var strict = output.WithOptions(output.Options.WithGeneralDiagnosticOption(ReportDiagnostic.Error));
        var analyzerFailures = new ConcurrentQueue<string>();
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]),
            (exception, analyzer, _) => analyzerFailures.Enqueue($"{analyzer.GetType().Name} threw {exception.Message}"),
            concurrentAnalysis: false, logAnalyzerExecutionTime: false);
        var problems = strict.WithAnalyzers(Analyzers, options).GetAllDiagnosticsAsync().GetAwaiter().GetResult()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .Concat(analyzerFailures)
            .ToList();
        Assert.True(problems.Count == 0, $"{problems.Count} problem(s):\n" + string.Join("\n", problems.Take(20)));
        return files;
    }

    /// <summary>The type as declared and, for a reference type, with the other annotation (a processing method may differ so).</summary>
    private static IEnumerable<string> Annotations(string type)
    {
        yield return type;
        var bare = type.TrimEnd('?');
        if (bare is "string" or "Post" or "Stamped" || bare.StartsWith("List<", StringComparison.Ordinal))
        {
            yield return type.EndsWith('?') ? bare : type + "?";
        }
    }

    private static string Name(string type) =>
        type.Replace("List<", "ListOf", StringComparison.Ordinal).Replace(">", "", StringComparison.Ordinal)
            .Replace("?", "Null", StringComparison.Ordinal).Replace("string", "Text", StringComparison.Ordinal)
            .Replace("long", "Long", StringComparison.Ordinal);
}
