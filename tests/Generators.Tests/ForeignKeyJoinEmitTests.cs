using System;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Tests;

/// <summary>
/// A foreign-key join agent's generated definition and loop: the foreign key read from a member of the left value (a
/// nullable value type here) or from a static method of the agent, for left topics whose values may or may not be null,
/// compiling warning-free with nullable analysis on.
/// </summary>
public sealed class ForeignKeyJoinEmitTests
{
    private const string App = """
        using Faustish;

        namespace Shop;

        public sealed record Line(string Id, long? Sku, string Note);
        public sealed record Product(string Name);

        [Topic("lines", Partitions = 4)]
        public sealed partial class Lines : Topic<string, Line>;

        [Topic("maybe-lines", Partitions = 4)]
        public sealed partial class MaybeLines : Topic<string, Line?>;

        [Topic("products", Partitions = 3)]
        public sealed partial class Products : Topic<long, Product?>;

        [Agent(typeof(Lines))]
        [Join(typeof(Products), ForeignKey = nameof(Line.Sku))]
        public sealed partial class PricedLines
        {
            public void Process(string id, Line? line, Product? product) { }
        }

        [Agent(typeof(MaybeLines))]
        [Join(typeof(Products), ForeignKey = nameof(SkuOf), Kind = JoinKind.Left)]
        public sealed partial class NotedLines
        {
            internal static long SkuOf(Line line) => long.Parse(line.Note, System.Globalization.CultureInfo.InvariantCulture);

            public void Process(string id, Line? line, Product? product) { }
        }
        """;

    [Fact]
    public void A_foreign_key_join_reads_its_key_from_a_member_or_a_method_and_compiles_warning_free()
    {
        var (files, output, diagnostics) = GeneratorHarness.Run(App);

        Assert.Empty(diagnostics);
        var priced = files.Single(f => f.Key.EndsWith("PricedLines.Agent.g.cs", StringComparison.Ordinal)).Value;
        Assert.Contains("Join = new global::Faustish.Joins.ForeignKeyJoinDefinition<string, global::Shop.Line, long, global::Shop.Product?>(", priced, StringComparison.Ordinal);
        Assert.Contains("if (value.Sku is { } found)", priced, StringComparison.Ordinal);
        Assert.Contains("_join = context.ForeignKeyJoin<string, global::Shop.Line, long, global::Shop.Product?>(this);", priced, StringComparison.Ordinal);
        var noted = files.Single(f => f.Key.EndsWith("NotedLines.Agent.g.cs", StringComparison.Ordinal)).Value;
        Assert.Contains("global::Faustish.JoinKind.Left, \"NotedLines.SkuOf(value)\",", noted, StringComparison.Ordinal);
        Assert.Contains("if (value is not null && global::Shop.NotedLines.SkuOf(value) is { } found)", noted, StringComparison.Ordinal);
        var problems = GeneratorHarness.Problems(output.WithOptions(output.Options.WithGeneralDiagnosticOption(ReportDiagnostic.Error)));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
