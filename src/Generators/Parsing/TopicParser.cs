using System.Threading;
using Faustish.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Parsing;

/// <summary>Turns a <c>[Topic]</c> class into a <see cref="TopicModel"/>, or null when the analyzers will reject it.</summary>
internal static class TopicParser
{
    public static TopicModel? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (context.TargetSymbol is not INamedTypeSymbol type || !SymbolNames.IsGeneratable(type) ||
            SymbolNames.BaseTypeArguments(type, SymbolNames.TopicBase) is not { } types ||
            HasDeclaredConstructor(type))
        {
            return null;
        }

        var attribute = context.Attributes[0];
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string name)
        {
            return null;
        }

        var partitions = NamedInt(attribute, "Partitions") ?? 1;
        return partitions < 1 || !RecordTypes.TryCodecs(types.Key, types.Value, out var codecs)
            ? null
            : new TopicModel(SymbolNames.Target(type), name, partitions, RecordTypes.Describe(types.Key), RecordTypes.Describe(types.Value), codecs);
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
