using Faustish.Generators.Model;
using Faustish.Generators.Serialization;

namespace Faustish.Generators.Emitting;

/// <summary>Emits a topic's definition (name, partitions, codecs) and its constructor.</summary>
internal static class TopicEmitter
{
    public static string Emit(TopicModel topic, JsonCodecNameTable codecs)
    {
        var key = topic.Key.FullyQualifiedName;
        var value = topic.Value.FullyQualifiedName;
        var writer = EmitHelpers.StartFile(topic.Target);
        using (writer.Block($"partial class {topic.Target.ClassName}"))
        {
            writer.WriteLine($"/// <summary>Topic <c>{EmitHelpers.XmlText(topic.TopicName)}</c>: {topic.Partitions} partition(s), its codecs.</summary>");
            writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
            writer.WriteLine($"public static global::Faustish.Topics.TopicDefinition<{key}, {value}> Definition {{ get; }} = new(");
            writer.Indent();
            writer.WriteLine($"{EmitHelpers.Literal(topic.TopicName)},");
            writer.WriteLine($"{topic.Partitions},");
            writer.WriteLine($"{codecs.CodecExpression(topic.Key.Codec)},");
            writer.WriteLine($"{codecs.CodecExpression(topic.Value.Codec)});");
            writer.Unindent();
            writer.WriteLine();
            writer.WriteLine("/// <summary>A handle that sends to this topic through <paramref name=\"sender\"/>.</summary>");
            writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
            writer.WriteLine($"public {topic.Target.ClassName}(global::Faustish.RecordSender sender)");
            writer.WriteLine("    : base(Definition, sender)");
            writer.WriteLine("{");
            writer.WriteLine("}");
        }

        return writer.ToString();
    }
}
