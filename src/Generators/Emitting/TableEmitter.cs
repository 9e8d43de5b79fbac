using Faustish.Generators.Model;

namespace Faustish.Generators.Emitting;

/// <summary>Emits a table's definition (name, codecs, store and class factories) and its constructor.</summary>
internal static class TableEmitter
{
    public static string Emit(TableModel table)
    {
        var key = table.Key.FullyQualifiedName;
        var value = table.Value.FullyQualifiedName;
        var writer = EmitHelpers.StartFile(table.Target);
        using (writer.Block($"partial class {table.Target.ClassName}"))
        {
            writer.Line($"/// <summary>Table <c>{EmitHelpers.XmlText(table.TableName)}</c>: its codecs and how its partitions are stored.</summary>");
            writer.Line(EmitHelpers.GeneratedCodeAttribute);
            writer.Line($"public static global::Faustish.Tables.TableDefinition<{key}, {value}> Definition {{ get; }} = new(");
            writer.Indent();
            writer.Line($"{EmitHelpers.Literal(table.TableName)},");
            writer.Line($"{table.Partitions},");
            writer.Line($"{table.Key.CodecExpression},");
            writer.Line($"{table.Value.CodecExpression},");
            // Keys and values without references live in FASTER as they are; others are stored encoded.
            writer.Line(table.Key.IsUnmanaged && table.Value.IsUnmanaged
                ? $"static options => new global::Faustish.Tables.Faster.FasterBlittableStore<{key}, {value}>(options),"
                : $"static options => new global::Faustish.Tables.Faster.FasterEncodedStore<{key}, {value}>(options, {table.Key.CodecExpression}, {table.Value.CodecExpression}),");
            writer.Line($"static shard => new {table.Target.ClassName}(shard));");
            writer.Unindent();
            writer.Line();
            writer.Line(EmitHelpers.GeneratedCodeAttribute);
            writer.Line($"private {table.Target.ClassName}(global::Faustish.Tables.TableShard<{key}, {value}> shard)");
            writer.Line("    : base(shard)");
            writer.Line("{");
            writer.Line("}");
        }

        return writer.ToString();
    }
}
