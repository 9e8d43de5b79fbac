using System.Threading;
using Faustish.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Parsing;

/// <summary>Turns a <c>[Table]</c> class into a <see cref="TableModel"/>, or null when the analyzers will reject it.</summary>
internal static class TableParser
{
    /// <summary>The model of a usable table, a stand-in for one the analyzers reject, or neither (nothing to emit).</summary>
    public static Parsed<TableModel> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return context.TargetSymbol is INamedTypeSymbol type ? Parse(type, context.Attributes[0]) : default;
    }

    /// <summary>Whether <paramref name="type"/> is a [Table] class the generator serves (so its Definition exists).</summary>
    public static bool IsServed(INamedTypeSymbol type) =>
        SymbolNames.FindAttribute(type, SymbolNames.TableAttribute) is { } attribute && Parse(type, attribute).Model is not null;

    private static Parsed<TableModel> Parse(INamedTypeSymbol type, AttributeData attribute)
    {
        if (!SymbolNames.IsGeneratable(type) ||
            (SymbolNames.BaseTypeArguments(type, SymbolNames.WindowedTableBase) ?? SymbolNames.BaseTypeArguments(type, SymbolNames.TableBase)) is not { } types ||
            TopicParser.HasDeclaredConstructor(type))
        {
            return default;
        }

        var name = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;

        // Windowed tables come with their own base class; a plain table ignores Window and Expires.
        var windowed = SymbolNames.BaseTypeArguments(type, SymbolNames.WindowedTableBase) is not null;
        var window = windowed
            ? new WindowModel(TopicParser.NamedString(attribute, "Window"), TopicParser.NamedString(attribute, "Expires"),
                NamedEnum(attribute, "Late") ?? 0, NamedEnum(attribute, "CloseOn") ?? 1, NamedEnum(attribute, "RelativeTo") ?? 0)
            : null;
        var partitions = TopicParser.NamedInt(attribute, "Partitions") ?? 0;
        string? reason = name is null ? "its [Table] attribute has no name"
            : partitions < 0 ? $"it declares {partitions} partitions"
            : null;
        var codecs = default(EquatableArray<Serialization.JsonCodecModel>);
        if (reason is null && !RecordTypes.TryCodecs(types.Key, types.Value, out codecs, out var unsupported))
        {
            reason = unsupported;
        }

        var shard = windowed
            ? $"global::Faustish.Tables.Windows.WindowedTableShard<{SymbolNames.Qualified(types.Key)}, {SymbolNames.Qualified(types.Value)}>"
            : $"global::Faustish.Tables.TableShard<{SymbolNames.Qualified(types.Key)}, {SymbolNames.Qualified(types.Value)}>";
        return reason is null
            ? new(new TableModel(SymbolNames.Target(type), name!, partitions, RecordTypes.Describe(types.Key), RecordTypes.Describe(types.Value), codecs, window,
                IsGlobal: SymbolNames.BaseTypeArguments(type, SymbolNames.GlobalTableBase) is not null), null)
            : new(null, new StandInModel(SymbolNames.Target(type), shard, "unused", reason));
    }

    /// <summary>An enum-typed named argument's underlying value.</summary>
    private static int? NamedEnum(AttributeData attribute, string name)
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
}
