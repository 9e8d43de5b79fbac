using System.Linq;
using System.Threading;
using Faustish.Generators.Model;
using Faustish.Generators.Rules;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Parsing;

/// <summary>Turns a <c>[Table]</c> class into a <see cref="TableModel"/>, a stand-in, or nothing (the analyzers say why).</summary>
internal static class TableParser
{
    /// <summary>The model of a usable table, a stand-in for one the analyzers reject, or neither (nothing to emit).</summary>
    public static Parsed<TableModel> Parse(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if ((TargetRules.BaseTypeArguments(type, TargetRules.WindowedTableBase) ?? TargetRules.BaseTypeArguments(type, TargetRules.TableBase)) is not { } types)
        {
            return default;
        }

        var target = SymbolNames.Target(type);
        var windowed = TargetRules.BaseTypeArguments(type, TargetRules.WindowedTableBase) is not null;
        var shard = windowed
            ? $"global::Faustish.Tables.Windows.WindowedTableShard<{SymbolNames.Qualified(types.Key)}, {SymbolNames.Qualified(types.Value)}>"
            : $"global::Faustish.Tables.TableShard<{SymbolNames.Qualified(types.Key)}, {SymbolNames.Qualified(types.Value)}>";
        var problems = TargetRules.Problems(type, cancellationToken);
        if (problems.Count > 0)
        {
            return TargetRules.CanStandIn(type, problems) ? new(null, new StandInModel(target, shard, "unused", "its declaration breaks a rule")) : default;
        }

        var name = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;

        // Windowed tables come with their own base class; a plain table ignores Window and Expires.
        var window = windowed
            ? new WindowModel(TableRules.NamedString(attribute, "Window"), TableRules.NamedString(attribute, "Expires"),
                TableRules.NamedInt(attribute, "Late") ?? 0, TableRules.NamedInt(attribute, "CloseOn") ?? 1, TableRules.NamedInt(attribute, "RelativeTo") ?? 0)
            : null;
        var partitions = TableRules.NamedInt(attribute, "Partitions") ?? 0;
        var setting = TableRules.SettingProblems(attribute).Select(p => $"{p.Setting} = {p.Value} is not {p.Allowed}").FirstOrDefault();
        var source = TableRules.SourceTopic(attribute);
        string? reason = name is null ? "its [Table] attribute has no name"
            : partitions < 0 ? $"it declares {partitions} partitions"
            : TableRules.KeyIsNullable(types.Key) ? "its key type is nullable"
            : source is not null && TableRules.SourceProblem(type, types.Key, types.Value, source) is { } sourceProblem ? sourceProblem
            : setting;
        var codecs = default(EquatableArray<Serialization.JsonCodecModel>);
        if (reason is null && !RecordTypes.TryCodecs(types.Key, types.Value, out codecs, out var unsupported))
        {
            reason = unsupported;
        }

        return reason is null
            ? new(new TableModel(target, name!, partitions, RecordTypes.Describe(types.Key), RecordTypes.Describe(types.Value), codecs, window,
                IsGlobal: TargetRules.BaseTypeArguments(type, TargetRules.GlobalTableBase) is not null,
                Source: source is null ? null : SymbolNames.Qualified(source),
                CollectionValue: windowed && CollectionValues.ElementType(types.Value) is { } element
                    ? new CollectionValueModel(SymbolNames.Qualified(element), types.Value.TypeKind == TypeKind.Interface)
                    : null), null)
            : new(null, new StandInModel(target, shard, "unused", reason));
    }
}
