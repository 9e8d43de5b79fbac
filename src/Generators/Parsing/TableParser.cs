using System.Threading;
using Faustish.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Parsing;

/// <summary>Turns a <c>[Table]</c> class into a <see cref="TableModel"/>, or null when the analyzers will reject it.</summary>
internal static class TableParser
{
    public static TableModel? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (context.TargetSymbol is not INamedTypeSymbol type || !SymbolNames.IsGeneratable(type) ||
            SymbolNames.BaseTypeArguments(type, SymbolNames.TableBase) is not { } types ||
            TopicParser.HasDeclaredConstructor(type))
        {
            return null;
        }

        var attribute = context.Attributes[0];
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string name)
        {
            return null;
        }

        // Windowed tables come with their own base class; a plain table ignores Window and Expires.
        var partitions = TopicParser.NamedInt(attribute, "Partitions") ?? 0;
        return partitions < 0 || !RecordTypes.TryCodecs(types.Key, types.Value, out var codecs)
            ? null
            : new TableModel(SymbolNames.Target(type), name, partitions, RecordTypes.Describe(types.Key), RecordTypes.Describe(types.Value), codecs);
    }
}
