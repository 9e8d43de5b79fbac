using Faustish.Generators.Model;
using Faustish.Generators.Serialization;

namespace Faustish.Generators.Emitting;

/// <summary>Emits a topic's definition (name, partitions, codecs, retention, where event times come from) and its constructor.</summary>
internal static class TopicEmitter
{
    public static string Emit(TopicModel topic, JsonCodecNameTable codecs)
    {
        var key = topic.Key.FullyQualifiedName;
        var value = topic.Value.FullyQualifiedName;
        var writer = EmitHelpers.StartFile(topic.Target);
        using (EmitHelpers.OpenClass(writer, topic.Target))
        {
            writer.WriteLine($"/// <summary>Topic <c>{EmitHelpers.XmlText(topic.TopicName)}</c>: {topic.Partitions} partition(s), its codecs.</summary>");
            writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
            writer.WriteLine($"{EmitHelpers.DefinitionModifiers(topic.Target)} global::Faustish.Topics.TopicDefinition<{key}, {value}> Definition {{ get; }} = new(");
            writer.Indent();
            writer.WriteLine($"{EmitHelpers.Literal(topic.TopicName)},");
            writer.WriteLine($"{topic.Partitions},");
            writer.WriteLine($"{Codecs.Expression(codecs, topic.Key)},");
            if (topic.Retention is null && topic.RetentionBytes == 0 && topic.Timestamp is null)
            {
                writer.WriteLine($"{Codecs.Expression(codecs, topic.Value)});");
            }
            else
            {
                // The definition checks the retention when it is built, so a bad one fails at start, naming the topic.
                writer.WriteLine($"{Codecs.Expression(codecs, topic.Value)})");
                writer.WriteLine("{");
                writer.Indent();
                if (topic.Retention is not null)
                {
                    writer.WriteLine($"Retention = {EmitHelpers.Literal(topic.Retention)},");
                }

                if (topic.RetentionBytes != 0)
                {
                    writer.WriteLine($"RetentionBytes = {topic.RetentionBytes.ToString(global::System.Globalization.CultureInfo.InvariantCulture)}L,");
                }

                if (topic.Timestamp is { } timestamp)
                {
                    // For the runtime's own readers (stream agents); the agents' generated loops read the time inline.
                    var read = EventTimeCode.Read(timestamp, "key", "value", "recordTimestampMs",
                        keyMayBeNull: false, valueMayBeNull: topic.Value.IsReferenceType || timestamp.ValueIsNullableStruct);
                    writer.WriteLine($"Timestamp = static (key, value, recordTimestampMs) => {read},");
                    writer.WriteLine($"TimestampSource = {EmitHelpers.Literal(timestamp.Source)},");
                }

                writer.Unindent();
                writer.WriteLine("};");
            }

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

/// <summary>Codec expressions for key and value types as the definitions take them.</summary>
internal static class Codecs
{
    /// <summary>
    /// The codec of <paramref name="type"/>. A codec is written for the type without its nullable annotations, so
    /// for <c>Order?</c> or <c>List&lt;string?&gt;</c> the expression carries <c>!</c> (the codecs read and write
    /// null wherever JSON has it).
    /// </summary>
    public static string Expression(JsonCodecNameTable codecs, RecordTypeRef type) =>
        codecs.CodecExpression(type.Codec) + (type.FullyQualifiedName == type.Codec.TypeName ? "" : "!");
}
