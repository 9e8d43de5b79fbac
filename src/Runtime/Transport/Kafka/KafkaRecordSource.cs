using System;
using Confluent.Kafka;
using Faustish.Hosting;
using Faustish.Transport.Kafka.InPlace;
using Microsoft.Extensions.Logging;

namespace Faustish.Transport.Kafka;

/// <summary>
/// Where a Kafka consumer's records come from, one at a time: Confluent.Kafka's <c>Consume</c>
/// (<see cref="ClientRecordSource"/>) or librdkafka's messages read in place (<see cref="InPlaceRecordSource"/>).
/// Both poll the same librdkafka consumer queue with <c>rd_kafka_consumer_poll</c>, so rebalance callbacks, pauses,
/// seeks and errors behave the same; they differ in what a record costs. After <see cref="Poll"/> returns true the
/// current record's fields are set and <see cref="AddTo"/> copies it; it stays valid until the next <see cref="Poll"/>.
/// </summary>
internal abstract class KafkaRecordSource : IDisposable
{
    /// <summary>Topic of the current record.</summary>
    public string Topic { get; protected set; } = "";

    public int Partition { get; protected set; }

    public long Offset { get; protected set; }

    /// <summary>The current "record" is librdkafka's end-of-partition event, not a record.</summary>
    public bool IsPartitionEof { get; protected set; }

    public static KafkaRecordSource Create(KafkaFetchPath path, IConsumer<int, int> consumer, RecordCapture capture, KafkaTransport transport,
        string name, string? singleTopic) => path switch
    {
        KafkaFetchPath.InPlace => new InPlaceRecordSource(consumer, transport, name, singleTopic),
        _ => new ClientRecordSource(consumer, capture, transport, name, singleTopic),
    };

    /// <summary>
    /// Waits up to <paramref name="millisecondsTimeout"/> for a record (or end-of-partition event); rebalance callbacks
    /// run in here. Fetch errors librdkafka recovers from are logged and return false; fatal ones throw.
    /// </summary>
    public abstract bool Poll(int millisecondsTimeout);

    /// <summary>Appends the current record to <paramref name="batch"/> (one copy of key, value and headers).</summary>
    public abstract void AddTo(RecordBatch batch);

    /// <summary>Lets go of the current record (before the consumer closes).</summary>
    public virtual void Release()
    {
    }

    public virtual void Dispose() => Release();

    protected static void LogFetchError(KafkaTransport transport, string name, ErrorCode code, string reason) =>
        transport.Health.Log(code, LogLevel.Warning, name, $"fetching failed: {reason}", "librdkafka retries");
}

/// <summary>
/// Records through Confluent.Kafka's <c>Consume</c>: key and value are copied by the <see cref="RecordCapture"/>
/// deserializers into reused arrays (no key or value array is allocated), but each record still costs Confluent.Kafka's
/// ConsumeResult, Message, Headers and TopicPartitionOffset objects.
/// </summary>
internal sealed class ClientRecordSource(IConsumer<int, int> consumer, RecordCapture capture, KafkaTransport transport, string name, string? singleTopic)
    : KafkaRecordSource
{
    private ConsumeResult<int, int>? _current;

    public override bool Poll(int millisecondsTimeout)
    {
        try
        {
            _current = consumer.Consume(millisecondsTimeout);
        }
        catch (ConsumeException e) when (!e.Error.IsFatal && e.Error.Code is not ErrorCode.Local_KeyDeserialization and not ErrorCode.Local_ValueDeserialization)
        {
            LogFetchError(transport, name, e.Error.Code, e.Error.Reason);
            _current = null;
        }

        if (_current is null)
        {
            return false;
        }

        Topic = singleTopic ?? _current.Topic;
        Partition = _current.Partition.Value;
        Offset = _current.Offset.Value;
        IsPartitionEof = _current.IsPartitionEOF;
        return true;
    }

    public override void AddTo(RecordBatch batch) => capture.AddTo(batch, _current!);

    public override void Release() => _current = null;
}
