using System;
using System.Buffers;
using Faustish.Routing;
using Faustish.Topics;
using Faustish.Transport;

namespace Faustish;

/// <summary>
/// Encodes records and hands them to a producer, routed by Kafka's partitioner. One per worker thread
/// (like its producer): it reuses its buffers, so sending allocates nothing once they have grown.
/// </summary>
public sealed class RecordSender
{
    private readonly IRecordProducer _producer;
    private readonly TimeProvider _clock;
    private readonly ArrayBufferWriter<byte> _key = new(256);
    private readonly ArrayBufferWriter<byte> _value = new(1024);
    private readonly KeylessPartitioner _keyless;

    /// <param name="producer">Where the encoded records go.</param>
    /// <param name="clock">Stamps records sent outside an event; the system clock if null.</param>
    /// <param name="keyless">Spreads records without a key; a rotation from a random start if null.</param>
    public RecordSender(IRecordProducer producer, TimeProvider? clock = null, KeylessPartitioner? keyless = null)
    {
        _producer = producer ?? throw new ArgumentNullException(nameof(producer));
        _clock = clock ?? TimeProvider.System;
        _keyless = keyless ?? new KeylessPartitioner();
    }

    /// <summary>The wall clock that stamps records sent outside an event (and that windows read as "now").</summary>
    public TimeProvider Clock => _clock;

    /// <summary>The producer records go to.</summary>
    public IRecordProducer Producer => _producer;

    /// <summary>
    /// Timestamp (Unix ms) of the event being processed, or null outside an agent. Records sent while it is
    /// set carry it, as Kafka Streams forwards the input's timestamp.
    /// </summary>
    public long? EventTimestampMs { get; set; }

    /// <summary>
    /// Encodes and produces a record; the partition comes from the key bytes, or, for a null key (a keyless topic's
    /// records), from a round-robin over the partitions.
    /// </summary>
    public void Send<TKey, TValue>(TopicDefinition<TKey, TValue> topic, TKey key, TValue value, DateTimeOffset? timestamp = null)
    {
        ArgumentNullException.ThrowIfNull(topic);
        _key.ResetWrittenCount();
        _value.ResetWrittenCount();

        // Not `key is null`: for a value type that boxes the key in code the JIT does not optimize (Debug builds), 24 B a send.
        var keyIsNull = NullCheck<TKey>.IsNull(key);
        if (!keyIsNull)
        {
            topic.KeyCodec.Write(_key, key!);
        }

        var valueIsNull = NullCheck<TValue>.IsNull(value);
        if (!valueIsNull)
        {
            topic.ValueCodec.Write(_value, value!);
        }

        // Records without a key spread round-robin over the partitions (KeylessPartitioner says how).
        var partition = keyIsNull
            ? _keyless.Next(topic.Partitions)
            : KafkaPartitioner.Partition(_key.WrittenSpan, topic.Partitions);
        var timestampMs = timestamp?.ToUnixTimeMilliseconds() ?? EventTimestampMs ?? _clock.GetUtcNow().ToUnixTimeMilliseconds();
        // Under a traced batch the record carries the trace on (W3C traceparent); otherwise no headers, no allocation.
        _producer.Produce(new TopicPartition(topic.Name, partition), _key.WrittenSpan, keyIsNull, _value.WrittenSpan, valueIsNull, timestampMs,
            Hosting.FaustishTracing.CurrentHeaders());
    }
}

/// <summary><c>value is null</c> without boxing a value type, whether or not the JIT optimizes the caller.</summary>
internal static class NullCheck<T>
{
    private static readonly bool s_nullableValueType = Nullable.GetUnderlyingType(typeof(T)) is not null;

    public static bool IsNull(T value) =>
        typeof(T).IsValueType
            ? s_nullableValueType && System.Collections.Generic.EqualityComparer<T>.Default.Equals(value, default!)
            : value is null;
}
