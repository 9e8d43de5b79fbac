using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using Faustish.Serialization;
using Faustish.Tables;
using Faustish.Topics;
using Faustish.Transport;

namespace Faustish.Joins;

/// <summary>
/// The table behind a join agent's join: <c>{agent}-join</c>, changelog <c>{app}-{agent}-join-changelog</c>, one
/// partition per partition of the joined topics. Not declared by users; the runtime adds it to the agent's tables.
/// </summary>
/// <remarks>
/// A foreign-key join keeps only its left side here (its right side lives with the subscriptions, see
/// <see cref="ForeignKeySubscriptionState{TKey, TForeignKey}"/>), and its "right position" is the response topic's.
/// </remarks>
internal sealed class JoinStateDefinition<TKey, TLeft, TRight>(string name, JoinDefinition join, TopicDefinition<TKey, TLeft> left, IRecordCodec<TRight> rightValues)
    : TableDefinition(name, 0) where TKey : notnull
{
    public JoinDefinition Join { get; } = join;

    public TopicDefinition<TKey, TLeft> LeftTopic { get; } = left;

    public IRecordCodec<TRight> RightValues { get; } = rightValues;

    public override Type KeyType => typeof(TKey);

    public override Type ValueType => typeof(JoinState<TKey, TLeft, TRight>);

    public override ITableShard OpenShard(int partition, StoreKind kind, StoreOptions options) => new JoinState<TKey, TLeft, TRight>(this, partition);

    public override byte[] EncodeKeyText(string text) => LeftTopic.EncodeKeyText(text);
}

/// <summary>A record a join keeps: its time, its value (and its bytes, for the changelog), and whether it found a partner.</summary>
internal sealed class JoinEntry<T>(long timestampMs, long sequence, T value, byte[] encoded)
{
    public long TimestampMs { get; } = timestampMs;

    /// <summary>Its number in its partition's join, in arrival order: ties between equal times go by it.</summary>
    public long Sequence { get; } = sequence;

    public T Value { get; } = value;

    public byte[] Encoded { get; } = encoded;

    /// <summary>It joined a partner, or its unmatched result was given: it gives no unmatched result (any more).</summary>
    public bool Matched { get; set; }
}

/// <summary>One side of a join partition: its records per key (a stream side's within the window; a table side's latest).</summary>
internal sealed class JoinSide<TKey, T>(byte tag, IRecordCodec<T> codec) where TKey : notnull
{
    public byte Tag { get; } = tag;

    public IRecordCodec<T> Codec { get; } = codec;

    public Dictionary<TKey, List<JoinEntry<T>>> Entries { get; } = [];

    /// <summary>Keys changed since the last changelog flush.</summary>
    public HashSet<TKey> Dirty { get; } = [];

    public int Count { get; private set; }

    public List<JoinEntry<T>> For(TKey key)
    {
        if (!Entries.TryGetValue(key, out var list))
        {
            list = [];
            Entries.Add(key, list);
        }

        return list;
    }

    /// <summary>A table side's value of the key: its latest record, or null.</summary>
    public JoinEntry<T>? Latest(TKey key) => Entries.TryGetValue(key, out var list) && list.Count > 0 ? list[^1] : null;

    /// <summary>A table side's key now holds <paramref name="entry"/> alone, or nothing (a delete).</summary>
    public void Replace(TKey key, JoinEntry<T>? entry)
    {
        if (Entries.TryGetValue(key, out var list))
        {
            var count = list.Count;
            list.Clear();
            Removed(key, list, count);
        }

        if (entry is not null)
        {
            For(key).Add(entry);
            Added(key);
        }
    }

    public void Added(TKey key)
    {
        Count++;
        Dirty.Add(key);
    }

    public void Removed(TKey key, List<JoinEntry<T>> list, int count)
    {
        Count -= count;
        Dirty.Add(key);
        if (list.Count == 0)
        {
            Entries.Remove(key);
        }
    }

    public void Restore(TKey key, List<JoinEntry<T>>? list)
    {
        if (Entries.Remove(key, out var old))
        {
            Count -= old.Count;
        }

        if (list is { Count: > 0 })
        {
            Entries.Add(key, list);
            Count += list.Count;
        }
    }
}

/// <summary>
/// The state of one partition of a join: both sides' records and where the right side's topic is read up to, kept in
/// memory and made durable by the changelog like any table (restored by replaying it). Changelog keys are a side's
/// tag and the record key ('L' or 'R' + key: that key's records on that side, a tombstone once it has none), and 'P'
/// for the right side's position, the stream time and the next sequence number.
/// </summary>
internal sealed class JoinState<TKey, TLeft, TRight> : ITableShard where TKey : notnull
{
    private const byte PositionTag = (byte)'P';
    private readonly JoinStateDefinition<TKey, TLeft, TRight> _definition;
    private readonly IRecordCodec<TKey> _keyCodec;
    private readonly ArrayBufferWriter<byte> _keyBuffer = new(128);
    private readonly ArrayBufferWriter<byte> _valueBuffer = new(1024);
    private bool _positionDirty;

    public JoinState(JoinStateDefinition<TKey, TLeft, TRight> definition, int partition)
    {
        _definition = definition;
        Partition = partition;
        _keyCodec = definition.LeftTopic.KeyCodec;
        Left = new JoinSide<TKey, TLeft>((byte)'L', definition.LeftTopic.ValueCodec);
        Right = new JoinSide<TKey, TRight>((byte)'R', definition.RightValues);
    }

    public TableDefinition Definition => _definition;

    public JoinDefinition Join => _definition.Join;

    public int Partition { get; }

    public object Table => this;

    public JoinSide<TKey, TLeft> Left { get; }

    public JoinSide<TKey, TRight> Right { get; }

    /// <summary>The offset of the next record of the right side's topic partition to process.</summary>
    public long RightPosition { get; private set; } = Offsets.Beginning;

    /// <summary>The largest record time either side has processed (Unix ms), or -1 before the first.</summary>
    public long StreamTimeMs { get; private set; } = -1;

    /// <summary>The sequence number the next record kept gets.</summary>
    public long NextSequence { get; private set; }

    /// <summary>Records of a stream–stream join that came after their window closed: not joined, counted here.</summary>
    public long LateRecords { get; set; }

    /// <summary>Records a stream–stream join cannot join (a null value): logged and counted here.</summary>
    public long SkippedRecords { get; set; }

    /// <summary>A foreign-key join's responses that answered a value since replaced or deleted: dropped, counted here.</summary>
    public long StaleResponses { get; set; }

    public int PendingWrites => Left.Dirty.Count + Right.Dirty.Count + (_positionDirty ? 1 : 0);

    public long TakeSequence()
    {
        _positionDirty = true;
        return NextSequence++;
    }

    public void AdvanceStreamTime(long timestampMs)
    {
        if (timestampMs > StreamTimeMs)
        {
            StreamTimeMs = timestampMs;
            _positionDirty = true;
        }
    }

    public void RightProcessed(long nextOffset)
    {
        RightPosition = nextOffset;
        _positionDirty = true;
    }

    public long Apply(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var record = ref batch[i];
            var key = batch.KeyOf(in record);
            if (key.IsEmpty)
            {
                throw new RecordDecodeException($"Join changelog record {batch.Topic}[{batch.Partition}]@{record.Offset} has no key: it was not written by a Faustish join.");
            }

            if (key[0] == PositionTag)
            {
                var value = batch.ValueOf(in record);
                if (!record.ValueIsNull && value.Length >= 24)
                {
                    RightPosition = BinaryPrimitives.ReadInt64BigEndian(value);
                    StreamTimeMs = BinaryPrimitives.ReadInt64BigEndian(value[8..]);
                    NextSequence = BinaryPrimitives.ReadInt64BigEndian(value[16..]);
                }

                continue;
            }

            var recordKey = _keyCodec.Read(key[1..]);
            if (key[0] == Left.Tag)
            {
                Left.Restore(recordKey, record.ValueIsNull ? null : DecodeList(Left.Codec, batch.ValueOf(in record)));
            }
            else if (key[0] == Right.Tag)
            {
                Right.Restore(recordKey, record.ValueIsNull ? null : DecodeList(Right.Codec, batch.ValueOf(in record)));
            }
            else
            {
                throw new RecordDecodeException($"Join changelog record {batch.Topic}[{batch.Partition}]@{record.Offset} has an unknown side tag {key[0]}.");
            }
        }

        return batch.Count;
    }

    public void FlushChangelog(IRecordProducer producer, TopicPartition changelog)
    {
        var timestampMs = Math.Max(StreamTimeMs, 0);
        Flush(Left, producer, changelog, timestampMs);
        Flush(Right, producer, changelog, timestampMs);
        if (_positionDirty)
        {
            Span<byte> position = stackalloc byte[24];
            BinaryPrimitives.WriteInt64BigEndian(position, RightPosition);
            BinaryPrimitives.WriteInt64BigEndian(position[8..], StreamTimeMs);
            BinaryPrimitives.WriteInt64BigEndian(position[16..], NextSequence);
            ReadOnlySpan<byte> key = [PositionTag];
            producer.Produce(changelog, key, false, position, false, timestampMs);
            _positionDirty = false;
        }
    }

    private void Flush<T>(JoinSide<TKey, T> side, IRecordProducer producer, TopicPartition changelog, long timestampMs)
    {
        foreach (var key in side.Dirty)
        {
            _keyBuffer.ResetWrittenCount();
            _keyBuffer.GetSpan(1)[0] = side.Tag;
            _keyBuffer.Advance(1);
            _keyCodec.Write(_keyBuffer, key);
            if (side.Entries.TryGetValue(key, out var list) && list.Count > 0)
            {
                EncodeList(list, _valueBuffer);
                producer.Produce(changelog, _keyBuffer.WrittenSpan, false, _valueBuffer.WrittenSpan, false, timestampMs);
            }
            else
            {
                producer.Produce(changelog, _keyBuffer.WrittenSpan, false, default, true, timestampMs);
            }
        }

        side.Dirty.Clear();
    }

    private static void EncodeList<T>(List<JoinEntry<T>> list, ArrayBufferWriter<byte> output)
    {
        output.ResetWrittenCount();
        var header = output.GetSpan(4);
        BinaryPrimitives.WriteInt32BigEndian(header, list.Count);
        output.Advance(4);
        foreach (var entry in list)
        {
            var span = output.GetSpan(21 + entry.Encoded.Length);
            BinaryPrimitives.WriteInt64BigEndian(span, entry.TimestampMs);
            BinaryPrimitives.WriteInt64BigEndian(span[8..], entry.Sequence);
            span[16] = entry.Matched ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteInt32BigEndian(span[17..], entry.Encoded.Length);
            entry.Encoded.CopyTo(span[21..]);
            output.Advance(21 + entry.Encoded.Length);
        }
    }

    private static List<JoinEntry<T>> DecodeList<T>(IRecordCodec<T> codec, ReadOnlySpan<byte> data)
    {
        var count = BinaryPrimitives.ReadInt32BigEndian(data);
        var list = new List<JoinEntry<T>>(count);
        var at = 4;
        for (var i = 0; i < count; i++)
        {
            var timestampMs = BinaryPrimitives.ReadInt64BigEndian(data[at..]);
            var sequence = BinaryPrimitives.ReadInt64BigEndian(data[(at + 8)..]);
            var matched = data[at + 16] != 0;
            var length = BinaryPrimitives.ReadInt32BigEndian(data[(at + 17)..]);
            var bytes = data.Slice(at + 21, length).ToArray();
            list.Add(new JoinEntry<T>(timestampMs, sequence, codec.Read(bytes), bytes) { Matched = matched });
            at += 21 + length;
        }

        return list;
    }

    public bool TryFormat(ReadOnlySpan<byte> key, out string json)
    {
        var decoded = _keyCodec.Read(key);
        var left = Left.Entries.TryGetValue(decoded, out var l) ? l.Count : 0;
        var right = Right.Entries.TryGetValue(decoded, out var r) ? r.Count : 0;
        json = $"{{\"left\":{left},\"right\":{right}}}";
        return left + right > 0;
    }

    public IEnumerable<(string Key, string Value)> FormatAll()
    {
        foreach (var (key, list) in Left.Entries)
        {
            yield return ($"left {key}", list.Count.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var (key, list) in Right.Entries)
        {
            yield return ($"right {key}", list.Count.ToString(CultureInfo.InvariantCulture));
        }
    }

    public void Advance(long streamTimeMs, long wallClockMs)
    {
        // The join keeps its own time (both sides'); see JoinTask.
    }

    public void Dispose()
    {
    }
}
