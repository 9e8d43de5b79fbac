using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Faustish.Generators.Tests;

/// <summary>
/// The generator must be incremental: after an edit that does not touch a Faustish class, every tracked step is
/// served from cache, and no model holds a symbol, syntax node or compilation (which would defeat caching).
/// </summary>
public sealed class GeneratorCachingTests
{
    private static readonly string[] TrackedSteps = [TrackingNames.Topics, TrackingNames.Tables, TrackingNames.Agents, TrackingNames.Codecs, TrackingNames.HintNames, TrackingNames.Registry];

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
