using Faustish.Generators.Model;
using Faustish.Generators.Serialization;

namespace Faustish.Generators.Emitting;

/// <summary>Emits a table's definition (name, codecs, store and class factories) and its constructor.</summary>
internal static class TableEmitter
{
    public static string Emit(TableModel table, JsonCodecNameTable codecs)
    {
        var key = table.Key.FullyQualifiedName;
        var value = table.Value.FullyQualifiedName;
        var writer = EmitHelpers.StartFile(table.Target);
        using (writer.Block($"partial class {table.Target.ClassName}"))
        {
            writer.WriteLine($"/// <summary>Table <c>{EmitHelpers.XmlText(table.TableName)}</c>: its codecs and how its partitions are stored.</summary>");
            writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
            writer.WriteLine($"public static global::Faustish.Tables.TableDefinition<{key}, {value}> Definition {{ get; }} = new(");
            writer.Indent();
            writer.WriteLine($"{EmitHelpers.Literal(table.TableName)},");
            writer.WriteLine($"{table.Partitions},");
            writer.WriteLine($"{codecs.CodecExpression(table.Key.Codec)},");
            writer.WriteLine($"{codecs.CodecExpression(table.Value.Codec)},");
            // Keys and values without references live in FASTER as they are; others are stored encoded.
            writer.WriteLine(table.Key.IsUnmanaged && table.Value.IsUnmanaged
                ? $"static options => new global::Faustish.Tables.Faster.FasterBlittableStore<{key}, {value}>(options),"
                : $"static options => new global::Faustish.Tables.Faster.FasterEncodedStore<{key}, {value}>(options, {codecs.CodecExpression(table.Key.Codec)}, {codecs.CodecExpression(table.Value.Codec)}),");
            writer.WriteLine($"static shard => new {table.Target.ClassName}(shard));");
            writer.Unindent();
            writer.WriteLine();
            writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
            writer.WriteLine($"private {table.Target.ClassName}(global::Faustish.Tables.TableShard<{key}, {value}> shard)");
            writer.WriteLine("    : base(shard)");
            writer.WriteLine("{");
            writer.WriteLine("}");
        }

        return writer.ToString();
    }
}
