using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Faustish.Transport.Kafka.InPlace;

/// <summary>
/// Records read where librdkafka put them: <c>rd_kafka_consumer_poll</c> on the handle of a Confluent.Kafka consumer,
/// the <see cref="RdKafkaMessage"/> read through its pointer, and key, value and headers copied once, from librdkafka's
/// buffers into the reused <see cref="RecordBatch"/>. Nothing managed is allocated per record.
/// </summary>
/// <remarks>
/// <para>Same poll as Confluent.Kafka's <c>Consume</c> (which is <c>rd_kafka_consumer_poll</c> plus marshalling), on the
/// same queue: the consumer's group membership, its rebalance callbacks (Confluent.Kafka's, registered with
/// <c>rd_kafka_conf_set_rebalance_cb</c> and served inside this poll, calling the same handlers), commits, pauses and seeks
/// are Confluent.Kafka's, unchanged. What <c>Consume</c> adds after the poll is done here too: a failure the rebalance
/// callback caught is thrown (<see cref="ConfluentConsumerHandle.ThrowCallbackFailure"/>), an error event is logged (or
/// thrown when fatal), end-of-partition events are told apart. One thread polls, as with <c>Consume</c>.</para>
/// <para>Offsets are not stored by librdkafka here either: Faustish fixes <c>enable.auto.offset.store=false</c> and
/// commits explicit positions.</para>
/// </remarks>
internal sealed unsafe class InPlaceRecordSource : KafkaRecordSource
{
    private readonly Librdkafka _native = Librdkafka.Native;
    private readonly ConfluentConsumerHandle _handle;
    private readonly KafkaTransport _transport;
    private readonly string _name;
    private readonly string? _singleTopic;
    private readonly Dictionary<nint, (byte[] Utf8, string Name)> _topics = [];
    private RdKafkaMessage* _message;
    private byte[] _headers = new byte[256];

    public InPlaceRecordSource(IClient consumer, KafkaTransport transport, string name, string? singleTopic)
    {
        _handle = new ConfluentConsumerHandle(consumer);
        _transport = transport;
        _name = name;
        _singleTopic = singleTopic;
    }

    public override bool Poll(int millisecondsTimeout)
    {
        Release();
        var message = _native.ConsumerPoll(_handle.Pointer, millisecondsTimeout);
        _message = message;
        _handle.ThrowCallbackFailure(); // Release (on the next Poll or Dispose) frees the message then, as Consume does
        if (message is null)
        {
            return false;
        }

        Partition = message->Partition;
        Offset = message->Offset;
        IsPartitionEof = message->Err == Librdkafka.ErrPartitionEof;
        if (message->Err != 0 && !IsPartitionEof)
        {
            FailOrLog(message);
            return false;
        }

        Topic = _singleTopic ?? TopicName(message->Rkt);
        return true;
    }

    public override void AddTo(RecordBatch batch)
    {
        var message = _message;
        int timestampType;
        var timestamp = _native.MessageTimestamp(message, &timestampType);
        var key = message->Key == 0 ? default : new ReadOnlySpan<byte>((void*)message->Key, checked((int)message->KeyLen));
        var value = message->Payload == 0 ? default : new ReadOnlySpan<byte>((void*)message->Payload, checked((int)message->Len));
        batch.Add(message->Offset, message->Offset + 1, timestamp, key, message->Key == 0, value, message->Payload == 0, EncodeHeaders(message));
    }

    public override void Release()
    {
        if (_message is not null)
        {
            _native.MessageDestroy(_message);
            _message = null;
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _handle.Dispose();
    }

    private void FailOrLog(RdKafkaMessage* message)
    {
        var code = (ErrorCode)message->Err;
        var reason = _native.ErrorText(message);
        Release();
        if (code == (ErrorCode)Librdkafka.ErrFatal)
        {
            // As Confluent.Kafka's Consume: the error that made the client unusable, read from the client.
            var text = stackalloc byte[512];
            var fatal = _native.FatalError(_handle.Pointer, text, 512);
            throw new KafkaException(new Error((ErrorCode)fatal, Marshal.PtrToStringUTF8((nint)text) ?? reason, isFatal: true));
        }

        LogFetchError(_transport, _name, code, reason);
    }

    /// <summary>The topic's name, cached per <c>rd_kafka_topic_t*</c> and checked against librdkafka's bytes (a pointer can be reused after a topic object is freed).</summary>
    private string TopicName(nint rkt)
    {
        var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(_native.TopicName(rkt));
        if (_topics.TryGetValue(rkt, out var known) && name.SequenceEqual(known.Utf8))
        {
            return known.Name;
        }

        var topic = System.Text.Encoding.UTF8.GetString(name);
        _topics[rkt] = (name.ToArray(), topic);
        return topic;
    }

    /// <summary>The record's headers in <see cref="RecordHeaderEncoding"/>'s form (a null header value becomes empty), in a reused buffer.</summary>
    private ReadOnlySpan<byte> EncodeHeaders(RdKafkaMessage* message)
    {
        nint headers;
        if (_native.MessageHeaders(message, &headers) != 0 || headers == 0)
        {
            return default;
        }

        var count = (int)_native.HeaderCount(headers);
        if (count == 0)
        {
            return default;
        }

        byte* name;
        byte* value;
        nuint size;
        var length = 4;
        for (var i = 0; i < count; i++)
        {
            _native.HeaderGetAll(headers, (nuint)i, &name, &value, &size);
            length += 8 + MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name).Length + (value == null ? 0 : checked((int)size));
        }

        if (length > _headers.Length)
        {
            _headers = new byte[Math.Max(length, _headers.Length * 2)];
        }

        var destination = _headers.AsSpan(0, length);
        BinaryPrimitives.WriteInt32BigEndian(destination, count);
        var at = 4;
        for (var i = 0; i < count; i++)
        {
            _native.HeaderGetAll(headers, (nuint)i, &name, &value, &size);
            var nameBytes = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name);
            BinaryPrimitives.WriteInt32BigEndian(destination[at..], nameBytes.Length);
            nameBytes.CopyTo(destination[(at + 4)..]);
            at += 4 + nameBytes.Length;
            var valueBytes = value == null ? default : new ReadOnlySpan<byte>(value, checked((int)size));
            BinaryPrimitives.WriteInt32BigEndian(destination[at..], valueBytes.Length);
            valueBytes.CopyTo(destination[(at + 4)..]);
            at += 4 + valueBytes.Length;
        }

        return destination;
    }
}
