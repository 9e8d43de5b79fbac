using System;
using System.Collections.Immutable;
using System.Linq;
using Basic.Reference.Assemblies;
using Faustish.Generators.Serialization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Faustish.Generators.Tests.Serialization;

/// <summary>The codec generator driven in-process: what it emits, what it refuses, and how it caches.</summary>
public sealed class SerializerGeneratorTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json.Serialization;
        using Faustish;

        namespace App;

        """;

    // The runtime builds against packages newer than the framework's assemblies (System.Text.Json 11 through
    // Microsoft.Extensions.Hosting): where the test's output folder has its own copy, reference that one.
    private static readonly MetadataReference[] References =
    [
        .. Net100.References.All.Select(r =>
        {
            var local = System.IO.Path.Combine(AppContext.BaseDirectory, System.IO.Path.GetFileName(r.FilePath ?? r.Display ?? ""));
            return System.IO.File.Exists(local) ? MetadataReference.CreateFromFile(local) : (MetadataReference)r;
        }),
        MetadataReference.CreateFromFile(typeof(TopicAttribute).Assembly.Location),
    ];

    private static CSharpCompilation Compile(string source) => CSharpCompilation.Create(
        "App",
        [CSharpSyntaxTree.ParseText(Usings + source, new CSharpParseOptions(LanguageVersion.Latest), path: "App.cs")],
        References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    private static (GeneratorDriver Driver, Compilation Output) Run(CSharpCompilation compilation, GeneratorDriver? driver = null)
    {
        driver ??= CSharpGeneratorDriver.Create(
            [new FaustishGenerator().AsSourceGenerator()],
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        Assert.Empty(diagnostics);
        return (driver, output);
    }

    private static string[] CodecHintNames(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().GeneratedSources
            .Select(s => s.HintName)
            .Where(h => h.StartsWith("Codecs.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();

    private static ITypeSymbol TypeOf(Compilation compilation, string name) =>
        compilation.GetTypeByMetadataName("App." + name) ?? throw new InvalidOperationException($"no type {name}");

    [Fact]
    public void Generated_codecs_compile_without_warnings_under_nullable()
    {
        var compilation = Compile("""
            public sealed record Line(string Sku, int Quantity, decimal Price);
            public enum State { Open, Closed }
            [JsonConverter(typeof(JsonStringEnumConverter))] public enum Channel { Web, Store }
            public readonly record struct Point(double X, double Y);
            public sealed class Order
            {
                public required string Id { get; init; }
                public string? Note { get; set; }
                public List<Line> Lines { get; init; } = new();
                public IReadOnlyList<string?> Tags { get; init; } = [];
                public Dictionary<string, Line?>? ByKey { get; set; }
                public IReadOnlyDictionary<string, int[]> Counts { get; init; } = new Dictionary<string, int[]>();
                public IEnumerable<Point?> Points { get; init; } = [];
                public State State { get; set; }
                public Channel? Channel { get; init; }
                public byte[]? Blob { get; set; }
                public Point? Where { get; init; }
                public DateTimeOffset At { get; init; }
                public TimeSpan? Took { get; init; }
                public char Initial { get; init; }
                [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public Point Origin { get; set; }
            }
            public record struct Counter { public long Value { get; set; } }

            [Topic("orders")] public sealed partial class Orders : Topic<Guid, Order>;
            [Topic("counters")] public sealed partial class Counters : Topic<Point, Counter>;
            [Table("states")] public sealed partial class States : Table<string, State>;
            [Table("lists")] public sealed partial class Lists : Table<string, List<Line>>;
            """);

        var (driver, output) = Run(compilation);

        Assert.Equal(
            ["Codecs.Channel.g.cs", "Codecs.Counter.g.cs", "Codecs.Guid.g.cs", "Codecs.Line.g.cs", "Codecs.ListOfLine.g.cs", "Codecs.Order.g.cs", "Codecs.Point.g.cs", "Codecs.State.g.cs"],
            CodecHintNames(driver));
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));

        foreach (var source in driver.GetRunResult().Results.Single().GeneratedSources.Where(s => s.HintName.StartsWith("Codecs.", StringComparison.Ordinal)))
        {
            var text = source.SourceText.ToString();
            Assert.StartsWith("// <auto-generated/>\n#nullable enable\n", text, StringComparison.Ordinal);
            Assert.Contains("[global::System.CodeDom.Compiler.GeneratedCode(\"Faustish.Generators\", \"0.1.0\")]", text, StringComparison.Ordinal);
            Assert.Contains("internal sealed class ", text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("public sealed record Bad(string Name, object Payload);", "'Bad.Payload' has type 'object'")]
    [InlineData("public interface IShape { } public sealed record Bad(IShape Shape);", "'Bad.Shape' has type 'IShape', which cannot be serialized to JSON: interfaces are not supported")]
    [InlineData("public sealed record Bad(string Name, Func<int> Callback);", "'Bad.Callback' has type 'Func<int>'")]
    [InlineData("public sealed record Bad(Dictionary<int, string> ById);", "'Bad.ById' has type 'Dictionary<int, string>', which cannot be serialized to JSON: dictionaries must have string keys")]
    [InlineData("public sealed record Bad(string Name, List<Bad> Children);", "'Bad.Children' has type 'Bad', which cannot be serialized to JSON: 'Bad' contains itself")]
    [InlineData("public sealed record Inner(Outer Back); public sealed record Bad(Inner Inner); public sealed record Outer(Bad Bad);", "contains itself")]
    [InlineData("public sealed record Bad(int[,] Grid);", "'Bad.Grid' has type 'int[,]', which cannot be serialized to JSON: multi-dimensional arrays are not supported")]
    [InlineData("public abstract record Shape; public sealed record Bad(Shape Shape);", "'Bad.Shape' has type 'Shape', which cannot be serialized to JSON: abstract types are not supported")]
    [InlineData("public sealed record Bad([property: JsonConverter(typeof(MyConverter))] string Name); public sealed class MyConverter : JsonConverter<string> { public override string Read(ref System.Text.Json.Utf8JsonReader r, Type t, System.Text.Json.JsonSerializerOptions o) => \"\"; public override void Write(System.Text.Json.Utf8JsonWriter w, string v, System.Text.Json.JsonSerializerOptions o) { } }", "custom [JsonConverter]s are not supported")]
    [InlineData("public sealed record Bad(Uri Link);", "'Bad.Link' has type 'Uri', which cannot be serialized to JSON: this framework type is not supported")]
    [InlineData("public sealed class Bad { public Bad(int a) { } public Bad(string b) { } }", "'Bad' cannot be serialized to JSON: it has several public constructors")]
    [InlineData("public sealed class Bad { public Bad(int count) { } public int Total { get; set; } }", "'Bad(count)' cannot be serialized to JSON: each constructor parameter must match a public property")]
    [InlineData("public sealed class Bad { public string Name { get; set; } = \"\"; [JsonPropertyName(\"name\")] public string Other { get; set; } = \"\"; }", "'Bad.Other' cannot be serialized to JSON: its JSON name 'name' clashes with that of 'Name'")]
    [InlineData("public sealed record Bad(string Name) { [JsonExtensionData] public Dictionary<string, object>? Extra { get; set; } }", "'Bad.Extra' cannot be serialized to JSON: [JsonExtensionData] is not supported")]
    [InlineData("public sealed class Holder { private sealed record Hidden(int X); public sealed record Bad(int Y); } public sealed record Bad(Holder.Bad Value, System.Collections.Generic.List<object> Items);", "'Bad.Items' has type 'object'")]
    public void Unsupported_member_types_get_no_codec_and_a_reason_naming_the_member(string declarations, string reason)
    {
        var compilation = Compile(declarations + "\n[Topic(\"bad\")] public sealed partial class BadTopic : Topic<string, Bad>;");

        Assert.False(JsonCodecModelBuilder.TryBuild(TypeOf(compilation, "Bad"), out var models, out var unsupportedReason));
        Assert.Empty(models);
        Assert.NotNull(unsupportedReason);
        Assert.Contains(reason, unsupportedReason, StringComparison.Ordinal);

        // The generator skips the type and the build stays clean: no broken code for the analyzer to hide behind.
        var (driver, output) = Run(compilation);
        Assert.DoesNotContain(CodecHintNames(driver), h => h.Contains("Bad", StringComparison.Ordinal));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void Open_generic_types_are_unsupported()
    {
        var compilation = Compile("public sealed record Envelope<T>(T Payload);");
        var open = compilation.GetTypeByMetadataName("App.Envelope`1")!;
        Assert.False(JsonCodecModelBuilder.TryBuild(open, out _, out var reason));
        Assert.Contains("open generic", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Private_types_are_unsupported()
    {
        var compilation = Compile("public sealed class Holder { private sealed record Hidden(int X); }");
        var hidden = compilation.GetTypeByMetadataName("App.Holder+Hidden")!;
        Assert.False(JsonCodecModelBuilder.TryBuild(hidden, out _, out var reason));
        Assert.Contains("must be public or internal", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Codec_expressions_for_primitives_and_records()
    {
        var compilation = Compile("public sealed record PageView(string Page);");
        string Expression(ITypeSymbol type) => JsonCodecModelBuilder.CodecExpression(type);

        Assert.Equal("global::Faustish.Serialization.PrimitiveCodecs.Utf8String", Expression(compilation.GetSpecialType(SpecialType.System_String)));
        Assert.Equal("global::Faustish.Serialization.PrimitiveCodecs.Int32BigEndian", Expression(compilation.GetSpecialType(SpecialType.System_Int32)));
        Assert.Equal("global::Faustish.Serialization.PrimitiveCodecs.Int64BigEndian", Expression(compilation.GetSpecialType(SpecialType.System_Int64)));
        Assert.Equal("global::Faustish.Serialization.PrimitiveCodecs.DoubleBigEndian", Expression(compilation.GetSpecialType(SpecialType.System_Double)));
        Assert.Equal("global::Faustish.Generated.Codecs.PageViewJsonCodec.Instance", Expression(TypeOf(compilation, "PageView")));
        Assert.True(JsonCodecModelBuilder.TryBuild(compilation.GetSpecialType(SpecialType.System_String), out var none, out _));
        Assert.Empty(none);
    }

    [Fact]
    public void Types_sharing_a_simple_name_get_qualified_codec_names_deterministically()
    {
        var compilation = CSharpCompilation.Create(
            "App",
            [CSharpSyntaxTree.ParseText("""
                namespace A { public sealed record Item(int X); }
                namespace B { public sealed record Item(string Y); }
                namespace App { public sealed record Other(int Z); }
                """)],
            Net100.References.All);
        var a = compilation.GetTypeByMetadataName("A.Item")!;
        var b = compilation.GetTypeByMetadataName("B.Item")!;
        var other = compilation.GetTypeByMetadataName("App.Other")!;
        Assert.True(JsonCodecModelBuilder.TryBuild(a, out var aModels, out _));
        Assert.True(JsonCodecModelBuilder.TryBuild(b, out var bModels, out _));
        Assert.True(JsonCodecModelBuilder.TryBuild(other, out var otherModels, out _));

        var forward = JsonCodecNameTable.Create([.. aModels, .. bModels, .. otherModels]);
        var backward = JsonCodecNameTable.Create([.. otherModels, .. bModels, .. aModels]);
        foreach (var table in new[] { forward, backward })
        {
            Assert.Equal("global::Faustish.Generated.Codecs.A_ItemJsonCodec.Instance", table.CodecExpression(JsonCodecModelBuilder.GetReference(a)));
            Assert.Equal("global::Faustish.Generated.Codecs.B_ItemJsonCodec.Instance", table.CodecExpression(JsonCodecModelBuilder.GetReference(b)));
            Assert.Equal("global::Faustish.Generated.Codecs.OtherJsonCodec.Instance", table.CodecExpression(JsonCodecModelBuilder.GetReference(other)));
        }
    }

    [Fact]
    public void Equivalent_sources_give_equal_models_without_symbols()
    {
        const string source = "public sealed record Line(string Sku, int Quantity); public sealed record Order(List<Line> Lines, Line? First);";
        Assert.True(JsonCodecModelBuilder.TryBuild(TypeOf(Compile(source), "Order"), out var first, out _));
        Assert.True(JsonCodecModelBuilder.TryBuild(TypeOf(Compile(source), "Order"), out var second, out _));
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.Equal(["global::App.Order", "global::App.Line"], first.Select(m => m.TypeName));

        // Models hold only values: strings, numbers, enums, other models.
        static void NoSymbols(Type type, System.Collections.Generic.HashSet<Type> seen)
        {
            if (!seen.Add(type) || type.IsPrimitive || type.IsEnum || type == typeof(string))
            {
                return;
            }

            Assert.False(typeof(ISymbol).IsAssignableFrom(type) || typeof(SyntaxNode).IsAssignableFrom(type)
                || typeof(Location).IsAssignableFrom(type) || typeof(Compilation).IsAssignableFrom(type), $"{type} in model");
            foreach (var property in type.GetProperties())
            {
                NoSymbols(property.PropertyType, seen);
            }

            foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : [])
            {
                NoSymbols(argument, seen);
            }
        }

        NoSymbols(typeof(JsonCodecModel), []);
    }

    [Fact]
    public void An_unrelated_edit_leaves_the_codecs_cached()
    {
        var compilation = Compile("""
            public sealed record PageView(string Page, DateTimeOffset At);
            [Topic("views")] public sealed partial class Views : Topic<string, PageView>;
            """);
        var (driver, _) = Run(compilation);

        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace App; public static class Unrelated { public static int X => 1; }", new CSharpParseOptions(LanguageVersion.Latest)));
        (driver, _) = Run(edited, driver);

        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        Assert.All(steps[TrackingNames.Topics].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, $"Topics: {o.Reason}"));
        Assert.All(steps[TrackingNames.Codecs].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, $"Codecs: {o.Reason}"));
    }
}
