using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Faustish.Generators.Tests;

/// <summary>
/// The generator must be incremental: after an edit that does not touch a Faustish class, every tracked step is
/// served from cache, and no model holds a symbol, syntax node or compilation (which would defeat caching). An edit
/// inside a method body runs no transform; editing a record type changes the outputs that print it and no other.
/// </summary>
public sealed class GeneratorCachingTests
{
    private static readonly string[] TrackedSteps =
    [
        TrackingNames.Targets, TrackingNames.Topics, TrackingNames.Tables, TrackingNames.Agents, TrackingNames.Codecs, TrackingNames.CodecNames,
        TrackingNames.HintNames, TrackingNames.CodecFiles, TrackingNames.TopicFiles, TrackingNames.TableFiles, TrackingNames.AgentFiles, TrackingNames.Registry,
        TrackingNames.ValueReads,
    ];

    [Fact]
    public void An_unrelated_edit_leaves_every_tracked_step_cached_or_unchanged()
    {
        var compilation = GeneratorHarness.Compile(GeneratorGoldenTests.RepresentativeApp, "namespace Other; public static class Helper { public static int Value => 1; }");
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var unrelated = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(unrelated, unrelated.WithChangedText(
            Microsoft.CodeAnalysis.Text.SourceText.From("namespace Other; public static class Helper { public static int Value => 2; }")));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (var step in TrackedSteps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"Step {step} was not tracked.");
            var reasons = result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, reason => Assert.True(
                reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"Step {step} ran with reason {reason} after an unrelated edit."));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"An output step ran with reason {output.Reason}."));
    }

    [Fact]
    public void Editing_one_agent_regenerates_that_agent_only()
    {
        var compilation = GeneratorHarness.Compile(GeneratorGoldenTests.RepresentativeApp);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(
            GeneratorGoldenTests.RepresentativeApp.Replace("Name = \"count-parcels\"", "Name = \"parcel-counter\"", StringComparison.Ordinal))));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var agentReasons = result.TrackedSteps[TrackingNames.Agents].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(1, agentReasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, agentReasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.All(result.TrackedSteps[TrackingNames.Topics].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"A topic step ran with reason {o.Reason}."));
    }

    [Fact]
    public void A_method_body_edit_runs_no_transform_and_changes_no_output()
    {
        var (before, after) = RunEdited(GeneratorGoldenTests.RepresentativeApp.Replace("order.Total > 1000m", "order.Total > 2500m", StringComparison.Ordinal));

        // The compilation is new but declares the same; the models are Cached, not Unchanged: they were not even rebuilt.
        Assert.All(after.TrackedSteps[TrackingNames.Declarations].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Unchanged, o.Reason));
        Assert.All(after.TrackedSteps[TrackingNames.Targets].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Empty(ChangedOutputs(after));
        Assert.Equal(Sources(before), Sources(after));
    }

    [Fact]
    public void Editing_the_body_of_a_topics_timestamp_method_changes_no_output()
    {
        // The loops call the method by name: what it does is its own business.
        var (before, after) = RunEdited(GeneratorGoldenTests.RepresentativeApp.Replace(
            "shipment.ShippedAt == default ? recordTimestampMs", "shipment.Parcels == 0 ? recordTimestampMs", StringComparison.Ordinal));

        Assert.All(after.TrackedSteps[TrackingNames.Targets].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Empty(ChangedOutputs(after));
        Assert.Equal(Sources(before), Sources(after));
    }

    [Fact]
    public void Changing_a_topics_timestamp_rewrites_the_topic_and_its_agents_loop_and_no_other_file()
    {
        var (before, after) = RunEdited(GeneratorGoldenTests.RepresentativeApp.Replace(
            ", Timestamp = nameof(Order.PlacedAt)", "", StringComparison.Ordinal));

        string[] files = ["Shop.Orders.Topic.g.cs", "Shop.TrackOrders.Agent.g.cs"];
        Assert.Equal(files, ChangedSources(before, after));
        Assert.Equal(files, ChangedOutputs(after));
    }

    [Fact]
    public void A_declaration_edit_outside_any_body_rebuilds_the_models()
    {
        // The guard must not be fooled: a new property on a record is a declaration, even next to a body.
        var (_, after) = RunEdited(GeneratorGoldenTests.RepresentativeApp.Replace(
            "public sealed record OrderLine(string Sku, int Quantity, decimal Price);",
            "public sealed record OrderLine(string Sku, int Quantity, decimal Price) { public string? Note { get; init; } }", StringComparison.Ordinal));

        Assert.Contains(after.TrackedSteps[TrackingNames.Targets].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void Editing_one_record_type_changes_only_its_codec()
    {
        var (before, after) = RunEdited(GeneratorGoldenTests.RepresentativeApp.Replace(
            "public sealed record OrderLine(string Sku, int Quantity, decimal Price);",
            "public sealed record OrderLine(string Sku, int Quantity, decimal Price, string? Note);", StringComparison.Ordinal));

        // Order's codec calls OrderLine's by class name, and the Orders topic names Order's codec: neither is rewritten.
        Assert.Equal(new[] { "OrderLine.JsonCodec.g.cs" }, ChangedOutputs(after));
        Assert.Equal(new[] { "OrderLine.JsonCodec.g.cs" }, ChangedSources(before, after));
    }

    [Fact]
    public void Renaming_a_record_type_changes_the_files_that_name_it_and_no_other()
    {
        var (before, after) = RunEdited(GeneratorGoldenTests.RepresentativeApp
            .Replace("record struct Shipment(", "record struct Delivery(", StringComparison.Ordinal)
            .Replace("Topic<long, Shipment>", "Topic<long, Delivery>", StringComparison.Ordinal)
            .Replace("Shipment shipment", "Delivery shipment", StringComparison.Ordinal));

        string[] files = ["Shop.CountParcels.Agent.g.cs", "Shop.Shipments.Topic.g.cs"];
        Assert.Equal(["Delivery.JsonCodec.g.cs", "Shipment.JsonCodec.g.cs", .. files], ChangedSources(before, after));

        // Codec steps are positional in ordinal order of type name: the codecs after Delivery moved up one place and
        // ran again (with equal text). Every other file's step stayed cached.
        Assert.Equal(files, ChangedOutputs(after).Where(hint => !hint.EndsWith(".JsonCodec.g.cs", StringComparison.Ordinal)));
    }

    [Fact]
    public void Models_hold_no_symbols_syntax_or_compilations()
    {
        var compilation = GeneratorHarness.Compile(GeneratorGoldenTests.RepresentativeApp);
        var result = GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();
        foreach (var step in TrackedSteps)
        {
            foreach (var output in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                AssertPlainValues(output.Value, step, []);
            }
        }
    }

    [Fact]
    public void A_body_edit_that_reads_another_member_of_the_value_rewrites_that_agents_file_only()
    {
        const string app = """
            using System;
            using Faustish;

            namespace Shop;

            public sealed record Visit(string Page, string User, DateTimeOffset At, string? Referrer);

            [Topic("visits")]
            public sealed partial class Visits : Topic<string, Visit>;

            [Table("visits-per-page")]
            public sealed partial class VisitsPerPage : Table<string, long>;

            [Table("visits-per-user")]
            public sealed partial class VisitsPerUser : Table<string, long>;

            [Agent(typeof(Visits))]
            public sealed partial class CountPages(VisitsPerPage perPage)
            {
                public void Process(string key, Visit visit) => perPage.Increment(visit.Page);
            }

            [Agent(typeof(Visits))]
            public sealed partial class CountUsers(VisitsPerUser perUser)
            {
                public void Process(string key, Visit visit) => perUser.Increment(visit.User);
            }
            """;
        var (before, after) = RunEdited(app, app.Replace("perPage.Increment(visit.Page)", "perPage.Increment(visit.Page + visit.Referrer)", StringComparison.Ordinal));

        // Still no model rebuilt: only the syntactic look at the method ran again.
        Assert.All(after.TrackedSteps[TrackingNames.Targets].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Equal(["Shop.CountPages.Agent.g.cs"], ChangedOutputs(after));
        Assert.Equal(["Shop.CountPages.Agent.g.cs"], ChangedSources(before, after));
        Assert.Contains("does not read user, at, referrer: the loop leaves them undecoded.", Sources(before)["Shop.CountPages.Agent.g.cs"], StringComparison.Ordinal);
        Assert.Contains("does not read user, at: the loop leaves them undecoded.", Sources(after)["Shop.CountPages.Agent.g.cs"], StringComparison.Ordinal);
    }

    /// <summary>Runs the generator on <see cref="GeneratorGoldenTests.RepresentativeApp"/>, then again after replacing its text with <paramref name="edited"/>.</summary>
    private static (GeneratorRunResult Before, GeneratorRunResult After) RunEdited(string edited) => RunEdited(GeneratorGoldenTests.RepresentativeApp, edited);

    /// <summary>Runs the generator on <paramref name="original"/>, then again after replacing its text with <paramref name="edited"/>.</summary>
    private static (GeneratorRunResult Before, GeneratorRunResult After) RunEdited(string original, string edited)
    {
        Assert.NotEqual(original, edited);
        var compilation = GeneratorHarness.Compile(original);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var before = driver.GetRunResult().Results.Single();
        var tree = compilation.SyntaxTrees.Single();
        var after = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(edited))))
            .GetRunResult().Results.Single();
        return (before, after);
    }

    /// <summary>
    /// The hint names of the files whose output step ran (new, modified or removed input), in ordinal order. Every
    /// file's step takes a tuple whose first item is the file's hint name; the registry's takes its model.
    /// </summary>
    private static string[] ChangedOutputs(GeneratorRunResult result)
    {
        var changed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var step in result.TrackedOutputSteps.SelectMany(s => s.Value))
        {
            if (step.Outputs.All(o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
            {
                continue;
            }

            var (source, index) = Assert.Single(step.Inputs);
            var value = source.Outputs[index].Value;
            changed.Add(value switch
            {
                System.Runtime.CompilerServices.ITuple { Length: > 0 } file when file[0] is string hintName => hintName,
                Model.RegistryModel => "Faustish.AppModel.g.cs",
                _ => throw new InvalidOperationException($"An output step takes a {value.GetType()}, without its file's hint name."),
            });
        }

        return [.. changed];
    }

    private static Dictionary<string, string> Sources(GeneratorRunResult result) =>
        result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal);

    /// <summary>The files that differ between two runs (added, removed or with other text), in ordinal order.</summary>
    private static string[] ChangedSources(GeneratorRunResult before, GeneratorRunResult after)
    {
        var old = Sources(before);
        var now = Sources(after);
        return [.. old.Keys.Union(now.Keys).Where(hint => !old.TryGetValue(hint, out var a) || !now.TryGetValue(hint, out var b) || a != b).OrderBy(h => h, StringComparer.Ordinal)];
    }

    private static void AssertPlainValues(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or Location or SyntaxTree,
            $"{path} holds a {value.GetType().Name}, which keeps the compilation alive and defeats caching.");
        if (value is System.Collections.IEnumerable items)
        {
            foreach (var item in items)
            {
                AssertPlainValues(item, path + "[]", seen);
            }
        }

        foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertPlainValues(field.GetValue(value), path + "." + field.Name, seen);
        }
    }
}
