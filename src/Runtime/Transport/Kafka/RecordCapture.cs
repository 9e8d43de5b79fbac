using System;
using System.Buffers.Binary;
using System.Text;
using Confluent.Kafka;

namespace Faustish.Transport.Kafka;

/// <summary>
/// A Confluent.Kafka deserializer that copies the bytes it is shown (a span over librdkafka's own buffer) into a
/// reusable array and returns their length (-1 for null), so that consuming a record allocates no key or value
/// arrays: the consumer is an <c>IConsumer&lt;int, int&gt;</c> whose "key" and "value" are lengths, and the bytes are
/// read from here right after <c>Consume</c> returns.
/// </summary>
internal sealed class SpanCapture : IDeserializer<int>
{
    private byte[] _buffer = new byte[256];

    /// <summary>Length of the last bytes seen, or -1 when they were null.</summary>
    public int Length { get; private set; } = -1;

    public bool IsNull => Length < 0;

    /// <summary>The last bytes seen (empty when null); valid until the next <c>Consume</c>.</summary>
    public ReadOnlySpan<byte> Span => Length <= 0 ? default : new ReadOnlySpan<byte>(_buffer, 0, Length);

    public int Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            Length = -1;
            return -1;
        }

        if (data.Length > _buffer.Length)
        {
            _buffer = new byte[Math.Max(data.Length, _buffer.Length * 2)];
        }

        data.CopyTo(_buffer);
        Length = data.Length;
        return Length;
    }
}

/// <summary>The key and value captures of one consumer, and the copy of a consumed record into a <see cref="RecordBatch"/>.</summary>
internal sealed class RecordCapture
{
    private byte[] _headers = new byte[256];

    public SpanCapture Key { get; } = new();

    public SpanCapture Value { get; } = new();

    /// <summary>Appends the record just consumed (its key and value are in the captures) to <paramref name="batch"/>.</summary>
    public void AddTo(RecordBatch batch, ConsumeResult<int, int> result)
    {
        var message = result.Message;
        var offset = result.Offset.Value;
        var headers = Encode(message.Headers);
        batch.Add(offset, offset + 1, message.Timestamp.UnixTimestampMs,
            Key.Span, Key.IsNull, Value.Span, Value.IsNull, headers);
    }

    /// <summary>Kafka headers in <see cref="RecordHeaderEncoding"/>'s form (a null header value becomes empty).</summary>
    private ReadOnlySpan<byte> Encode(Headers? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return default;
        }

        var list = headers.BackingList;
        var size = 4;
        for (var i = 0; i < list.Count; i++)
        {
            size += 8 + Encoding.UTF8.GetByteCount(list[i].Key) + (list[i].GetValueBytes()?.Length ?? 0);
        }

        if (size > _headers.Length)
        {
            _headers = new byte[Math.Max(size, _headers.Length * 2)];
        }

        var destination = _headers.AsSpan(0, size);
        BinaryPrimitives.WriteInt32BigEndian(destination, list.Count);
        var at = 4;
        for (var i = 0; i < list.Count; i++)
        {
            var nameLength = Encoding.UTF8.GetBytes(list[i].Key, destination[(at + 4)..]);
            BinaryPrimitives.WriteInt32BigEndian(destination[at..], nameLength);
            at += 4 + nameLength;
            var value = list[i].GetValueBytes() ?? [];
            BinaryPrimitives.WriteInt32BigEndian(destination[at..], value.Length);
            value.CopyTo(destination[(at + 4)..]);
            at += 4 + value.Length;
        }

        return destination;
    }
}
