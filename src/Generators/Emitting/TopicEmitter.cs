using Faustish.Generators.Model;

namespace Faustish.Generators.Emitting;

/// <summary>Emits a topic's definition (name, partitions, codecs) and its constructor.</summary>
internal static class TopicEmitter
{
    public static string Emit(TopicModel topic)
    {
        var key = topic.Key.FullyQualifiedName;
        var value = topic.Value.FullyQualifiedName;
        var writer = EmitHelpers.StartFile(topic.Target);
        using (writer.Block($"partial class {topic.Target.ClassName}"))
        {
            writer.Line($"/// <summary>Topic <c>{EmitHelpers.XmlText(topic.TopicName)}</c>: {topic.Partitions} partition(s), its codecs.</summary>");
            writer.Line(EmitHelpers.GeneratedCodeAttribute);
            writer.Line($"public static global::Faustish.Topics.TopicDefinition<{key}, {value}> Definition {{ get; }} = new(");
            writer.Indent();
            writer.Line($"{EmitHelpers.Literal(topic.TopicName)},");
            writer.Line($"{topic.Partitions},");
            writer.Line($"{topic.Key.CodecExpression},");
            writer.Line($"{topic.Value.CodecExpression});");
            writer.Unindent();
            writer.Line();
            writer.Line("/// <summary>A handle that sends to this topic through <paramref name=\"sender\"/>.</summary>");
            writer.Line(EmitHelpers.GeneratedCodeAttribute);
            writer.Line($"public {topic.Target.ClassName}(global::Faustish.RecordSender sender)");
            writer.Line("    : base(Definition, sender)");
            writer.Line("{");
            writer.Line("}");
        }

        return writer.ToString();
    }
}
