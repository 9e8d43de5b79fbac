using System;
using System.ComponentModel;
using Faustish.Topics;

namespace Faustish.Testing;

/// <summary>A topic an agent can send to, with its class: lets <c>test.Sent&lt;TTopic&gt;()</c> find and decode its records.</summary>
// Public for generated code in users' assemblies, which derives from or calls it; not for users to call.
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TestTopic
{
    private TestTopic(Type type, TopicDefinition definition, Func<TopicDefinition, RecordBytes, SentRecord> decode)
    {
        Type = type;
        Definition = definition;
        Decode = decode;
    }

    /// <summary>The user's <c>[Topic]</c> class.</summary>
    public Type Type { get; }

    public TopicDefinition Definition { get; }

    internal Func<TopicDefinition, RecordBytes, SentRecord> Decode { get; }

    /// <summary>The topic class <paramref name="type"/> and its definition.</summary>
    public static TestTopic Of<TKey, TValue>(Type type, TopicDefinition<TKey, TValue> definition)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(definition);
        return new(type, definition, static (topic, record) =>
        {
            var typed = (TopicDefinition<TKey, TValue>)topic;
            var key = record.KeyIsNull ? default : typed.KeyCodec.Read(record.Key);
            var value = record.ValueIsNull ? default : typed.ValueCodec.Read(record.Value);
            return new SentRecord(key, value, record.Partition, DateTimeOffset.FromUnixTimeMilliseconds(record.TimestampMs), record.Headers);
        });
    }
}
