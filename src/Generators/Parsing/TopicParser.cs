using System.Threading;
using Faustish.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Parsing;

/// <summary>Turns a <c>[Topic]</c> class into a <see cref="TopicModel"/>, or null when the analyzers will reject it.</summary>
internal static class TopicParser
{
    /// <summary>The model of a usable topic, a stand-in for one the analyzers reject, or neither (nothing to emit).</summary>
    public static Parsed<TopicModel> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return context.TargetSymbol is INamedTypeSymbol type ? Parse(type, context.Attributes[0]) : default;
    }

    /// <summary>Whether <paramref name="type"/> is a [Topic] class the generator serves (so its constructor and Definition exist).</summary>
    public static bool IsServed(INamedTypeSymbol type) =>
        SymbolNames.FindAttribute(type, SymbolNames.TopicAttribute) is { } attribute && Parse(type, attribute).Model is not null;

    private static Parsed<TopicModel> Parse(INamedTypeSymbol type, AttributeData attribute)
    {
        if (!SymbolNames.IsGeneratable(type) ||
            SymbolNames.BaseTypeArguments(type, SymbolNames.TopicBase) is not { } types ||
            HasDeclaredConstructor(type))
        {
            return default;
        }

        var name = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
        var partitions = NamedInt(attribute, "Partitions") ?? 1;
        string? reason = name is null ? "its [Topic] attribute has no name"
            : partitions < 1 ? $"it declares {partitions} partitions; a topic has at least 1"
            : null;
        var codecs = default(EquatableArray<Serialization.JsonCodecModel>);
        if (reason is null && !RecordTypes.TryCodecs(types.Key, types.Value, out codecs, out var unsupported))
        {
            reason = unsupported;
        }

        return reason is null
            ? new(new TopicModel(SymbolNames.Target(type), name!, partitions, RecordTypes.Describe(types.Key), RecordTypes.Describe(types.Value), codecs), null)
            : new(null, new StandInModel(SymbolNames.Target(type), "global::Faustish.RecordSender", "null!, unused", reason));
    }

    internal static int? NamedInt(AttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is int value)
            {
                return value;
            }
        }

        return null;
    }

    internal static string? NamedString(AttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is string value)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The generator writes the constructor; a user-declared one would clash.</summary>
    internal static bool HasDeclaredConstructor(INamedTypeSymbol type)
    {
        foreach (var constructor in type.InstanceConstructors)
        {
            if (!constructor.IsImplicitlyDeclared)
            {
                return true;
            }
        }

        return false;
    }
}
