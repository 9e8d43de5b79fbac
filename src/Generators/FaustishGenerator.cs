using System;
using System.Linq;
using Faustish.Generators.Emitting;
using Faustish.Generators.Model;
using Faustish.Generators.Parsing;
using Faustish.Generators.Serialization;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators;

/// <summary>
/// Finds <c>[Topic]</c>, <c>[Table]</c> and <c>[Agent]</c> classes and emits their definitions, the agents'
/// consumer loops, and one app model per assembly. What it can serve is decided by the rules in <c>Shared/</c>,
/// which the analyzers report from: a target they reject is skipped (or given a stand-in constructor), so users read
/// the analyzer's message rather than a compiler error in generated code.
/// </summary>
/// <remarks>
/// The pipeline is built for typing in an IDE. Models are built only when a declaration changes
/// (<see cref="DeclarationShape"/>): an edit inside a method body runs no transform at all. Every file comes from its
/// own step over its own model and small app-wide tables (hint names, codec names), so a record's new property
/// rewrites its codec file only, and the registry depends on class names alone.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class FaustishGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // What the compilation declares: an edit inside a method body leaves it equal, so nothing below runs.
        var declarations = context.CompilationProvider
            .Select(static (compilation, _) => new DeclarationShape(compilation))
            .WithTrackingName(TrackingNames.Declarations);

        // Only the shape may feed this step: it reads the shape's compilation, which only a new shape is sure to have.
        var targets = declarations
            .Select(static (shape, cancellationToken) => TargetFinder.Find(shape.Compilation, cancellationToken))
            .WithTrackingName(TrackingNames.Targets);

        var topics = targets.SelectMany(static (all, _) => all.Topics).WithTrackingName(TrackingNames.Topics);
        var tables = targets.SelectMany(static (all, _) => all.Tables).WithTrackingName(TrackingNames.Tables);
        var agents = targets.SelectMany(static (all, _) => all.Agents).WithTrackingName(TrackingNames.Agents);

        // Classes the analyzers reject still get a constructor, so the build shows the analyzer's error, not CS7036.
        var standIns = targets.SelectMany(static (all, _) => all.StandIns).WithTrackingName(TrackingNames.StandIns);

        // File names are settled over every class that gets one, so two classes whose names differ only in case
        // (which Roslyn and case-insensitive file systems cannot tell apart) get different files.
        var hintNames = topics.Select(static (topic, _) => topic.Target.HintKey).Collect()
            .Combine(tables.Select(static (table, _) => table.Target.HintKey).Collect())
            .Combine(standIns.Select(static (standIn, _) => standIn.Target.HintKey).Collect())
            .Combine(agents.Select(static (agent, _) => agent.Target.HintKey).Collect())
            .Select(static (all, _) => HintNameTable.Create(all.Left.Left.Left.Concat(all.Left.Left.Right).Concat(all.Left.Right).Concat(all.Right)))
            .WithTrackingName(TrackingNames.HintNames);

        // Each file's step takes its own hint name, not the table: a class added elsewhere leaves it cached.
        var standInFiles = standIns.Combine(hintNames)
            .Select(static (item, _) => (HintName: item.Right.HintName(item.Left.Target.HintKey, "StandIn"), Model: item.Left))
            .WithTrackingName(TrackingNames.StandInFiles);
        context.RegisterSourceOutput(standInFiles, static (output, file) => output.AddSource(file.HintName, StandInEmitter.Emit(file.Model)));

        // Every JSON codec the keys and values need, once each, in ordinal order (a record's edit changes its own
        // entry only). Codec class names are settled over the whole set (two types may share a simple name).
        var codecs = topics.Select(static (topic, _) => topic.Codecs).Collect()
            .Combine(tables.Select(static (table, _) => table.Codecs).Collect())
            .SelectMany(static (all, _) => all.Left.Concat(all.Right).SelectMany(static models => models)
                .GroupBy(static model => model.TypeName, StringComparer.Ordinal)
                .Select(static group => group.First())
                .OrderBy(static model => model.TypeName, StringComparer.Ordinal))
            .WithTrackingName(TrackingNames.Codecs);
        var codecNames = codecs.Collect()
            .Select(static (models, _) => JsonCodecNameTable.Create(models))
            .WithTrackingName(TrackingNames.CodecNames);

        // Each file gets the codec names it prints, no more: a codec added or renamed elsewhere leaves it cached.
        var codecFiles = codecs.Combine(codecNames)
            .Select(static (item, _) => (HintName: item.Right.HintName(item.Left), Model: item.Left, Names: item.Right.For(item.Left)))
            .WithTrackingName(TrackingNames.CodecFiles);
        context.RegisterSourceOutput(codecFiles, static (output, file) => output.AddSource(file.HintName, JsonCodecEmitter.Emit(file.Model, file.Names)));

        // A topic or table file names its codecs but does not depend on what they hold: emitted without them.
        var topicFiles = topics.Combine(codecNames).Combine(hintNames)
            .Select(static (item, _) => (
                HintName: item.Right.HintName(item.Left.Left.Target.HintKey, "Topic"),
                Model: item.Left.Left with { Codecs = default },
                Names: item.Left.Right.For(item.Left.Left.Key.Codec.TypeName, item.Left.Left.Value.Codec.TypeName)))
            .WithTrackingName(TrackingNames.TopicFiles);
        var tableFiles = tables.Combine(codecNames).Combine(hintNames)
            .Select(static (item, _) => (
                HintName: item.Right.HintName(item.Left.Left.Target.HintKey, "Table"),
                Model: item.Left.Left with { Codecs = default },
                Names: item.Left.Right.For(item.Left.Left.Key.Codec.TypeName, item.Left.Left.Value.Codec.TypeName)))
            .WithTrackingName(TrackingNames.TableFiles);
        // What each processing method reads of its value, from its syntax alone: an edit inside a method body reruns this
        // (one walk of that body), and only the file of an agent whose reads changed is rewritten.
        var valueReads = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => ValueReads.IsCandidate(node),
                static (syntax, cancellationToken) => ValueReads.Of((Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax)syntax.Node, cancellationToken))
            .WithTrackingName(TrackingNames.ValueReads)
            .Collect();
        var agentFiles = agents.Combine(hintNames).Combine(valueReads)
            .Select(static (item, _) => (
                HintName: item.Left.Right.HintName(item.Left.Left.Target.HintKey, "Agent"),
                Model: item.Left.Left,
                ValueMembers: AgentEmitter.ValueMembers(item.Left.Left, ValueReads.Find(item.Right, item.Left.Left.Projection?.ClassKey))))
            .WithTrackingName(TrackingNames.AgentFiles);
        context.RegisterSourceOutput(topicFiles, static (output, file) => output.AddSource(file.HintName, TopicEmitter.Emit(file.Model, file.Names)));
        context.RegisterSourceOutput(tableFiles, static (output, file) => output.AddSource(file.HintName, TableEmitter.Emit(file.Model, file.Names)));
        context.RegisterSourceOutput(agentFiles, static (output, file) => output.AddSource(file.HintName, AgentEmitter.Emit(file.Model, file.ValueMembers)));

        // The registry lists class names only (already in ordinal order), so it is rewritten only when one comes or goes.
        var registry = targets
            .Select(static (all, _) => new RegistryModel(
                all.Topics.Select(static t => t.Target.FullyQualifiedName).ToEquatableArray(),
                all.Tables.Select(static t => t.Target.FullyQualifiedName).ToEquatableArray(),
                all.Agents.Select(static a => a.Target.FullyQualifiedName).ToEquatableArray()))
            .WithTrackingName(TrackingNames.Registry);

        context.RegisterSourceOutput(registry, static (output, model) =>
        {
            if (model.Topics.Count + model.Tables.Count + model.Agents.Count > 0)
            {
                output.AddSource(RegistryEmitter.HintName, RegistryEmitter.Emit(model));
            }
        });
    }
}

/// <summary>Names of the pipeline's steps, for incremental-caching tests.</summary>
public static class TrackingNames
{
    /// <summary>What the compilation declares, as of the last change to declarations.</summary>
    public const string Declarations = nameof(Declarations);

    /// <summary>Every target class's model, built in one pass.</summary>
    public const string Targets = nameof(Targets);

    public const string Topics = nameof(Topics);
    public const string Tables = nameof(Tables);
    public const string Agents = nameof(Agents);
    public const string Codecs = nameof(Codecs);
    public const string CodecNames = nameof(CodecNames);
    public const string CodecFiles = nameof(CodecFiles);
    public const string TopicFiles = nameof(TopicFiles);
    public const string TableFiles = nameof(TableFiles);
    public const string AgentFiles = nameof(AgentFiles);

    /// <summary>What each processing method reads of its value, from its syntax.</summary>
    public const string ValueReads = nameof(ValueReads);
    public const string StandInFiles = nameof(StandInFiles);
    public const string StandIns = nameof(StandIns);
    public const string HintNames = nameof(HintNames);
    public const string Registry = nameof(Registry);
}
