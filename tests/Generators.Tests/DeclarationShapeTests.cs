using System.Linq;
using Faustish.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Faustish.Generators.Tests;

/// <summary>
/// The guard that lets the generator skip its transforms: two compilations count as equal only when nothing outside
/// member bodies differs. Every way a declaration can change must make them unequal.
/// </summary>
public sealed class DeclarationShapeTests
{
    private const string Source = """
        namespace Shop;

        public sealed record Line(string Sku, int Quantity);

        public sealed class Counter
        {
            public int Total => 1;

            public int Add(int value)
            {
                return value + 1;
            }
        }
        """;

    [Theory]
    [InlineData("return value + 1;", "return value + 2;")]
    [InlineData("public int Total => 1;", "public int Total => 2;")]
    [InlineData("return value + 1;", "var twice = value * 2; return twice;")]
    public void Edits_inside_bodies_keep_the_shape(string from, string to) =>
        Assert.Equal(new DeclarationShape(Compile(Source)), new DeclarationShape(Edit(Source, from, to)));

    [Theory]
    [InlineData("int Quantity)", "int Quantity, string? Note)")]
    [InlineData("public int Add(int value)", "public long Add(int value)")]
    [InlineData("public int Total => 1;", "public int Total => 1;\n    public int Count { get; set; }")]
    [InlineData("namespace Shop;", "#nullable disable\nnamespace Shop;")]
    [InlineData("return value + 1;", "#nullable disable\n        return value + 1;")]
    [InlineData("public sealed class Counter", "[System.Obsolete(\"old\")]\npublic sealed class Counter")]
    public void Edits_to_declarations_or_directives_change_the_shape(string from, string to) =>
        Assert.NotEqual(new DeclarationShape(Compile(Source)), new DeclarationShape(Edit(Source, from, to)));

    [Fact]
    public void Other_references_or_parse_options_change_the_shape()
    {
        var compilation = Compile(Source);
        Assert.NotEqual(new DeclarationShape(compilation), new DeclarationShape(compilation.RemoveReferences(compilation.References.First())));

        var tree = compilation.SyntaxTrees.Single();
        var defined = tree.WithRootAndOptions(tree.GetRoot(), ((CSharpParseOptions)tree.Options).WithPreprocessorSymbols("TRACE"));
        Assert.NotEqual(new DeclarationShape(compilation), new DeclarationShape(compilation.ReplaceSyntaxTree(tree, defined)));
    }

    private static CSharpCompilation Compile(string source) => GeneratorHarness.Compile(source);

    private static CSharpCompilation Edit(string source, string from, string to)
    {
        Assert.Contains(from, source, System.StringComparison.Ordinal);
        return Compile(source.Replace(from, to, System.StringComparison.Ordinal));
    }
}
