using System;
using System.ComponentModel;
using Faustish.Topics;

namespace Faustish.Testing;

/// <summary>A topic an agent sends to, with its class: lets <c>test.Sent&lt;TTopic&gt;()</c> find and decode its records.</summary>
// Public for generated code in users' assemblies, which derives from or calls it; not for users to call.
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TestTopic
{
    private TestTopic(Type type, TopicDefinition definition)
    {
        Type = type;
        Definition = definition;
    }

    /// <summary>The user's <c>[Topic]</c> class.</summary>
    public Type Type { get; }

    public TopicDefinition Definition { get; }

    /// <summary>The topic class <paramref name="type"/> and its definition.</summary>
    public static TestTopic Of<TKey, TValue>(Type type, TopicDefinition<TKey, TValue> definition) => Of(type, (TopicDefinition)definition);

    internal static TestTopic Of(Type type, TopicDefinition definition) =>
        new(type ?? throw new ArgumentNullException(nameof(type)), definition ?? throw new ArgumentNullException(nameof(definition)));

    /// <summary>A record produced to this topic, decoded with its codecs.</summary>
    internal SentRecord Decode(RecordBytes record)
    {
        var (key, value) = Definition.Decode(record.Key, record.KeyIsNull, record.Value, record.ValueIsNull);
        return new SentRecord(key, value, record.Partition, DateTimeOffset.FromUnixTimeMilliseconds(record.TimestampMs), record.Headers);
    }
}
