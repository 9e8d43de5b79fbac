using System;
using System.Collections.Immutable;
using System.Linq;
using Faustish.Generators.Emitting;
using Faustish.Generators.Model;
using Faustish.Generators.Parsing;
using Faustish.Generators.Rules;
using Faustish.Generators.Serialization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Faustish.Generators;

/// <summary>
/// Finds <c>[Topic]</c>, <c>[Table]</c> and <c>[Agent]</c> classes and emits their definitions, the agents'
/// consumer loops, and one app model per assembly. What it can serve is decided by the rules in <c>Shared/</c>,
/// which the analyzers report from: a target they reject is skipped (or given a stand-in constructor), so users read
/// the analyzer's message rather than a compiler error in generated code.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class FaustishGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsedTopics = context.SyntaxProvider.ForAttributeWithMetadataName(TargetRules.TopicAttribute, IsClass, TopicParser.Parse);
        var topics = parsedTopics
            .Where(static parsed => parsed.Model is not null)
            .Select(static (parsed, _) => parsed.Model!)
            .WithTrackingName(TrackingNames.Topics);

        var parsedTables = context.SyntaxProvider.ForAttributeWithMetadataName(TargetRules.TableAttribute, IsClass, TableParser.Parse);
        var tables = parsedTables
            .Where(static parsed => parsed.Model is not null)
            .Select(static (parsed, _) => parsed.Model!)
            .WithTrackingName(TrackingNames.Tables);

        // Classes the analyzers reject still get a constructor, so the build shows the analyzer's error, not CS7036.
        var standIns = parsedTopics.Where(static parsed => parsed.StandIn is not null).Select(static (parsed, _) => parsed.StandIn!)
            .Collect()
            .Combine(parsedTables.Where(static parsed => parsed.StandIn is not null).Select(static (parsed, _) => parsed.StandIn!).Collect())
            .SelectMany(static (all, _) => all.Left.AddRange(all.Right))
            .WithTrackingName(TrackingNames.StandIns);

        var agents = context.SyntaxProvider
            .ForAttributeWithMetadataName(TargetRules.AgentAttribute, IsClassOrRecordClass, AgentParser.Parse)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Agents);

        // File names are settled over every class that gets one, so two classes whose names differ only in case
        // (which Roslyn and case-insensitive file systems cannot tell apart) get different files.
        var hintNames = topics.Select(static (topic, _) => topic.Target.HintKey).Collect()
            .Combine(tables.Select(static (table, _) => table.Target.HintKey).Collect())
            .Combine(standIns.Select(static (standIn, _) => standIn.Target.HintKey).Collect())
            .Combine(agents.Select(static (agent, _) => agent.Target.HintKey).Collect())
            .Select(static (all, _) => HintNameTable.Create(all.Left.Left.Left.Concat(all.Left.Left.Right).Concat(all.Left.Right).Concat(all.Right)))
            .WithTrackingName(TrackingNames.HintNames);

        context.RegisterSourceOutput(standIns.Combine(hintNames), static (output, item) =>
            output.AddSource(item.Right.HintName(item.Left.Target.HintKey, "StandIn"), StandInEmitter.Emit(item.Left)));

        // Every JSON codec the keys and values need, once each. Codec class names are settled over the whole set
        // (two types may share a simple name), so topics and tables are emitted against it.
        var codecs = topics.Select(static (topic, _) => topic.Codecs).Collect()
            .Combine(tables.Select(static (table, _) => table.Codecs).Collect())
            .Select(static (all, _) => all.Left.Concat(all.Right).SelectMany(static models => models)
                .GroupBy(static model => model.TypeName, StringComparer.Ordinal)
                .Select(static group => group.First())
                .OrderBy(static model => model.TypeName, StringComparer.Ordinal)
                .ToEquatableArray())
            .WithTrackingName(TrackingNames.Codecs);

        context.RegisterSourceOutput(codecs, static (output, models) =>
        {
            foreach (var file in JsonCodecEmitter.Emit(models))
            {
                output.AddSource(file.HintName, file.Source);
            }
        });
        context.RegisterSourceOutput(topics.Combine(codecs).Combine(hintNames), static (output, item) =>
            output.AddSource(item.Right.HintName(item.Left.Left.Target.HintKey, "Topic"), TopicEmitter.Emit(item.Left.Left, JsonCodecNameTable.Create(item.Left.Right))));
        context.RegisterSourceOutput(tables.Combine(codecs).Combine(hintNames), static (output, item) =>
            output.AddSource(item.Right.HintName(item.Left.Left.Target.HintKey, "Table"), TableEmitter.Emit(item.Left.Left, JsonCodecNameTable.Create(item.Left.Right))));
        context.RegisterSourceOutput(agents.Combine(hintNames), static (output, item) =>
            output.AddSource(item.Right.HintName(item.Left.Target.HintKey, "Agent"), AgentEmitter.Emit(item.Left)));

        var registry = topics.Collect().Select(static (items, _) => Sorted(items, static t => t.Target.FullyQualifiedName))
            .Combine(tables.Collect().Select(static (items, _) => Sorted(items, static t => t.Target.FullyQualifiedName)))
            .Combine(agents.Collect().Select(static (items, _) => Sorted(items, static a => a.Target.FullyQualifiedName)))
            .Select(static (all, _) => new RegistryModel(all.Left.Left, all.Left.Right, all.Right))
            .WithTrackingName(TrackingNames.Registry);

        context.RegisterSourceOutput(registry, static (output, model) =>
        {
            if (model.Topics.Count + model.Tables.Count + model.Agents.Count > 0)
            {
                output.AddSource(RegistryEmitter.HintName, RegistryEmitter.Emit(
                    model.Topics.AsImmutableArray(), model.Tables.AsImmutableArray(), model.Agents.AsImmutableArray()));
            }
        });
    }

    private static bool IsClass(SyntaxNode node, System.Threading.CancellationToken _) => node is ClassDeclarationSyntax;

    // Agents may be record classes too (topics and tables cannot: a record cannot derive from Topic or Table).
    private static bool IsClassOrRecordClass(SyntaxNode node, System.Threading.CancellationToken _) =>
        node is ClassDeclarationSyntax or RecordDeclarationSyntax { ClassOrStructKeyword.RawKind: not (int)Microsoft.CodeAnalysis.CSharp.SyntaxKind.StructKeyword };

    // Sorted ordinally, so the output does not depend on the order files are seen in.
    private static EquatableArray<T> Sorted<T>(ImmutableArray<T> items, Func<T, string> key) where T : IEquatable<T> =>
        items.OrderBy(key, StringComparer.Ordinal).ToEquatableArray();

    private sealed record RegistryModel(EquatableArray<TopicModel> Topics, EquatableArray<TableModel> Tables, EquatableArray<AgentModel> Agents);
}

/// <summary>Names of the pipeline's steps, for incremental-caching tests.</summary>
public static class TrackingNames
{
    public const string Topics = nameof(Topics);
    public const string Tables = nameof(Tables);
    public const string Agents = nameof(Agents);
    public const string Codecs = nameof(Codecs);
    public const string StandIns = nameof(StandIns);
    public const string HintNames = nameof(HintNames);
    public const string Registry = nameof(Registry);
}
