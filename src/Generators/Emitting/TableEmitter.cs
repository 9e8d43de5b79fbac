using Faustish.Generators.Model;
using Faustish.Generators.Serialization;

namespace Faustish.Generators.Emitting;

/// <summary>Emits a table's definition (name, codecs, store and class factories) and its constructor.</summary>
internal static class TableEmitter
{
    public static string Emit(TableModel table, JsonCodecNameTable codecs) =>
        table.Window is { } window ? EmitWindowed(table, window, codecs) : EmitPlain(table, codecs);

    private static string EmitPlain(TableModel table, JsonCodecNameTable codecs)
    {
        var key = table.Key.FullyQualifiedName;
        var value = table.Value.FullyQualifiedName;
        var writer = EmitHelpers.StartFile(table.Target);
        using (EmitHelpers.OpenClass(writer, table.Target))
        {
            writer.WriteLine(table.IsGlobal
                ? $"/// <summary>Global table <c>{EmitHelpers.XmlText(table.TableName)}</c>, held whole by every worker: its codecs and store.</summary>"
                : $"/// <summary>Table <c>{EmitHelpers.XmlText(table.TableName)}</c>: its codecs and how its partitions are stored.</summary>");
            writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
            writer.WriteLine($"{EmitHelpers.DefinitionModifiers(table.Target)} global::Faustish.Tables.TableDefinition<{key}, {value}> Definition {{ get; }} = new(");
            writer.Indent();
            writer.WriteLine($"{EmitHelpers.Literal(table.TableName)},");
            writer.WriteLine($"{table.Partitions},");
            writer.WriteLine($"{Codecs.Expression(codecs, table.Key)},");
            writer.WriteLine($"{Codecs.Expression(codecs, table.Value)},");
            // Keys and values without references live in FASTER as they are; others are stored encoded.
            writer.WriteLine(table.Key.IsUnmanaged && table.Value.IsUnmanaged
                ? $"static options => new global::Faustish.Tables.Faster.FasterBlittableStore<{key}, {value}>(options),"
                : $"static options => new global::Faustish.Tables.Faster.FasterEncodedStore<{key}, {value}>(options, {Codecs.Expression(codecs, table.Key)}, {Codecs.Expression(codecs, table.Value)}),");
            var initializers = new System.Collections.Generic.List<string>();
            if (table.IsGlobal)
            {
                initializers.Add("IsGlobal = true");
            }

            if (table.Source is { } source)
            {
                // Fed by a topic: the topic is the table's changelog, and agents only read the table.
                initializers.Add($"Source = {source}.Definition");
            }

            writer.WriteLine(initializers.Count == 0
                ? $"static shard => new {table.Target.FullyQualifiedName}(shard));"
                : $"static shard => new {table.Target.FullyQualifiedName}(shard)) {{ {string.Join(", ", initializers)} }};");
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

    private static string EmitWindowed(TableModel table, WindowModel window, JsonCodecNameTable codecs)
    {
        var key = table.Key.FullyQualifiedName;
        var value = table.Value.FullyQualifiedName;
        var writer = EmitHelpers.StartFile(table.Target);
        using (EmitHelpers.OpenClass(writer, table.Target))
        {
            writer.WriteLine($"/// <summary>Windowed table <c>{EmitHelpers.XmlText(table.TableName)}</c>: its window, codecs and how its partitions are stored.</summary>");
            writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
            writer.WriteLine($"{EmitHelpers.DefinitionModifiers(table.Target)} global::Faustish.Tables.Windows.WindowedTableDefinition<{key}, {value}> Definition {{ get; }} = new(");
            writer.Indent();
            writer.WriteLine($"{EmitHelpers.Literal(table.TableName)},");
            writer.WriteLine($"{table.Partitions},");
            writer.WriteLine($"new global::Faustish.Tables.Windows.WindowOptions({Text(window.Spec)}, {Text(window.Expires)}, " +
                $"{EnumValue("LateEvents", window.Late, "Drop", "DeadLetter")}, {CloseOn(window.CloseOn)}, {EnumValue("WindowTime", window.RelativeTo, "Stream", "Now")}),");
            writer.WriteLine($"{Codecs.Expression(codecs, table.Key)},");
            writer.WriteLine($"{Codecs.Expression(codecs, table.Value)},");
            // Windowed tables open their own store (values and window index in one FASTER store): no factory.
            writer.WriteLine($"static shard => new {table.Target.FullyQualifiedName}(shard));");
            writer.Unindent();
            writer.WriteLine();
            writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
            writer.WriteLine($"private {table.Target.ClassName}(global::Faustish.Tables.Windows.WindowedTableShard<{key}, {value}> shard)");
            writer.WriteLine("    : base(shard)");
            writer.WriteLine("{");
            writer.WriteLine("}");
            WindowedCollectionEmitter.Emit(writer, table);
        }

        return writer.ToString();
    }

    private static string Text(string? text) => text is null ? "null" : EmitHelpers.Literal(text);

    // The parser serves only values TableRules allows (others get a stand-in and FSH0507), but a cast stays valid C#
    // for any value: a negative one in parentheses.
    private static string EnumValue(string type, int value, params string[] names) =>
        value >= 0 && value < names.Length ? $"global::Faustish.{type}.{names[value]}" : $"(global::Faustish.{type})({value.ToString(System.Globalization.CultureInfo.InvariantCulture)})";

    private static string CloseOn(int flags) => flags switch
    {
        1 => "global::Faustish.WindowClose.StreamTime",
        2 => "global::Faustish.WindowClose.WallClock",
        3 => "global::Faustish.WindowClose.StreamTime | global::Faustish.WindowClose.WallClock",
        _ => $"(global::Faustish.WindowClose)({flags.ToString(System.Globalization.CultureInfo.InvariantCulture)})",
    };
}
