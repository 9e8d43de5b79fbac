// Temporary wiring for codecs; replaced by the full pipeline.
// Besides the codecs it emits a stand-in constructor for each [Topic]/[Table] class that declares none, because
// Topic<,> and Table<,> have no parameterless constructor and the test project must compile until the full
// pipeline (which emits the real constructors) lands.
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Faustish.Generators.Serialization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Faustish.Generators;

/// <summary>
/// Emits a JSON codec for every record type used as a key or value of a <c>[Topic]</c> or <c>[Table]</c> class.
/// Types the serializer cannot handle get no codec (the analyzers say why).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class FaustishGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for incremental tests.</summary>
    public static class TrackingNames
    {
        public const string TopicCodecs = nameof(TopicCodecs);
        public const string TableCodecs = nameof(TableCodecs);
        public const string AllCodecs = nameof(AllCodecs);
        public const string Constructors = nameof(Constructors);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var topics = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "Faustish.TopicAttribute",
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => BuildModels(ctx.TargetSymbol, "Topic", ct))
            .WithTrackingName(TrackingNames.TopicCodecs);

        var tables = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "Faustish.TableAttribute",
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => BuildModels(ctx.TargetSymbol, "Table", ct))
            .WithTrackingName(TrackingNames.TableCodecs);

        var all = topics.Collect()
            .Combine(tables.Collect())
            .Select(static (pair, _) => pair.Left.Concat(pair.Right)
                .SelectMany(models => models)
                .GroupBy(m => m.TypeName, System.StringComparer.Ordinal)
                .Select(g => g.First())
                .OrderBy(m => m.TypeName, System.StringComparer.Ordinal)
                .ToEquatableArray())
            .WithTrackingName(TrackingNames.AllCodecs);

        var constructors = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "Faustish.TopicAttribute",
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, _) => StandInConstructor(ctx.TargetSymbol, "Topic"))
            .Collect()
            .Combine(context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    "Faustish.TableAttribute",
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (ctx, _) => StandInConstructor(ctx.TargetSymbol, "Table"))
                .Collect())
            .Select(static (pair, _) => pair.Left.Concat(pair.Right).Where(c => c is not null).Select(c => c!).ToEquatableArray())
            .WithTrackingName(TrackingNames.Constructors);

        context.RegisterSourceOutput(constructors, static (spc, items) =>
        {
            foreach (var item in items)
            {
                spc.AddSource($"Temporary.{item.HintName}.g.cs", item.Source);
            }
        });

        context.RegisterSourceOutput(all, static (spc, models) =>
        {
            foreach (var file in JsonCodecEmitter.Emit(models))
            {
                spc.AddSource(file.HintName, file.Source);
            }
        });
    }

    /// <summary>The codec models of the key and value types of a topic or table class (nothing for unsupported types).</summary>
    private static EquatableArray<JsonCodecModel> BuildModels(ISymbol target, string baseTypeName, CancellationToken cancellationToken)
    {
        if (target is not INamedTypeSymbol type)
        {
            return default;
        }

        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (current is { Name: var name, Arity: 2, ContainingNamespace: { Name: "Faustish", ContainingNamespace.IsGlobalNamespace: true } }
                && name == baseTypeName)
            {
                var models = new List<JsonCodecModel>();
                foreach (var argument in current.TypeArguments)
                {
                    if (JsonCodecModelBuilder.TryBuild(argument, out var built, out _))
                    {
                        models.AddRange(built);
                    }
                }

                return models.ToEquatableArray();
            }
        }

        return default;
    }

    private sealed record StandIn(string HintName, string Source);

    private static StandIn? StandInConstructor(ISymbol target, string baseTypeName)
    {
        if (target is not INamedTypeSymbol { ContainingType: null } type
            || type.InstanceConstructors.Any(c => !c.IsImplicitlyDeclared)
            || !type.DeclaringSyntaxReferences.All(r => r.GetSyntax() is ClassDeclarationSyntax c && c.Modifiers.Any(m => m.Text == "partial")))
        {
            return null;
        }

        var baseType = type.BaseType;
        if (baseType is not { Arity: 2, ContainingNamespace: { Name: "Faustish", ContainingNamespace.IsGlobalNamespace: true } } || baseType.Name != baseTypeName)
        {
            return null;
        }

        var format = SymbolDisplayFormat.FullyQualifiedFormat;
        var key = baseType.TypeArguments[0].ToDisplayString(format);
        var value = baseType.TypeArguments[1].ToDisplayString(format);
        var (parameters, arguments) = baseTypeName == "Topic"
            ? ($"global::Faustish.Topics.TopicDefinition<{key}, {value}> definition, global::Faustish.RecordSender sender", "definition, sender")
            : ($"global::Faustish.Tables.TableShard<{key}, {value}> shard", "shard");

        var writer = new Text.SourceWriter();
        writer.WriteLine("// <auto-generated/>");
        writer.WriteLine("// Temporary stand-in constructor; the full pipeline emits the real one.");
        writer.WriteLine("#nullable enable");
        writer.WriteLine();
        var ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
        using (ns is null ? default(Text.SourceWriter.BlockScope?) : writer.Block($"namespace {ns}"))
        {
            using (writer.Block($"partial class {type.Name}"))
            {
                writer.WriteLine("[global::System.CodeDom.Compiler.GeneratedCode(\"Faustish.Generators\", \"0.1.0\")]");
                using (writer.Block($"public {type.Name}({parameters})\n    : base({arguments})"))
                {
                }
            }
        }

        return new StandIn(type.ToDisplayString(), writer.ToString());
    }
}
