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
/// The table behind a foreign-key join's subscription stage: <c>{agent}-fk-subscriptions</c>, changelog
/// <c>{app}-{agent}-fk-subscriptions-changelog</c>, one partition per partition of the right topic. Added by the runtime.
/// </summary>
internal sealed class ForeignKeySubscriptionStateDefinition<TKey, TForeignKey>(string name, JoinDefinition join, IRecordCodec<TKey> leftKeys,
    IRecordCodec<TForeignKey> foreignKeys)
    : TableDefinition(name, 0) where TKey : notnull where TForeignKey : notnull
{
    public JoinDefinition Join { get; } = join;

    public IRecordCodec<TKey> LeftKeys { get; } = leftKeys;

    public IRecordCodec<TForeignKey> ForeignKeys { get; } = foreignKeys;

    public override Type KeyType => typeof(TForeignKey);

    public override Type ValueType => typeof(ForeignKeySubscriptionState<TKey, TForeignKey>);

    public override ITableShard OpenShard(int partition, StoreKind kind, StoreOptions options) => new ForeignKeySubscriptionState<TKey, TForeignKey>(this, partition);

    public override byte[] EncodeKeyText(string text) => CodecText.Encode(ForeignKeys, text);
}

/// <summary>A left key that refers to a foreign key: the hash of its value, the left partition it lives in, and when it subscribed.</summary>
internal sealed record Subscriber(byte[] LeftKey, UInt128 Hash, int LeftPartition, long TimestampMs);

/// <summary>The right topic's latest value of a foreign key, as bytes (only the left side decodes it), and its time.</summary>
internal sealed record RightValue(byte[] Bytes, long TimestampMs);

/// <summary>
/// One partition of a foreign-key join's subscription stage: who refers to each foreign key, and the right topic's
/// latest value of each, in memory, made durable by the changelog (restored by replaying it). Changelog keys: 'S', the
/// foreign key's length (4 bytes), its bytes and the left key's (one subscriber; a tombstone when it unsubscribes);
/// 'R' and the foreign key (its right value); 'P' for the right topic's position and the stage's stream time.
/// </summary>
internal sealed class ForeignKeySubscriptionState<TKey, TForeignKey> : ITableShard where TKey : notnull where TForeignKey : notnull
{
    private const byte SubscriberTag = (byte)'S';
    private const byte RightTag = (byte)'R';
    private const byte PositionTag = (byte)'P';
    private readonly ForeignKeySubscriptionStateDefinition<TKey, TForeignKey> _definition;
    private readonly HashSet<(TForeignKey, TKey)> _dirtySubscribers = [];
    private readonly HashSet<TForeignKey> _dirtyRights = [];
    private readonly ArrayBufferWriter<byte> _key = new(128);
    private readonly ArrayBufferWriter<byte> _value = new(1024);
    private readonly ArrayBufferWriter<byte> _foreignKey = new(64);
    private bool _positionDirty;

    public ForeignKeySubscriptionState(ForeignKeySubscriptionStateDefinition<TKey, TForeignKey> definition, int partition)
    {
        _definition = definition;
        Partition = partition;
    }

    public TableDefinition Definition => _definition;

    public int Partition { get; }

    public object Table => this;

    /// <summary>The left keys that refer to each foreign key.</summary>
    public Dictionary<TForeignKey, Dictionary<TKey, Subscriber>> Subscribers { get; } = [];

    /// <summary>The right topic's latest value of each foreign key.</summary>
    public Dictionary<TForeignKey, RightValue> Rights { get; } = [];

    /// <summary>The offset of the next record of the right topic's partition to apply.</summary>
    public long RightPosition { get; private set; } = Offsets.Beginning;

    /// <summary>The largest record time applied (Unix ms), or -1 before the first.</summary>
    public long StreamTimeMs { get; private set; } = -1;

    public int PendingWrites => _dirtySubscribers.Count + _dirtyRights.Count + (_positionDirty ? 1 : 0);

    public void Subscribe(TForeignKey foreignKey, TKey leftKey, Subscriber subscriber)
    {
        if (!Subscribers.TryGetValue(foreignKey, out var subscribers))
        {
            subscribers = [];
            Subscribers.Add(foreignKey, subscribers);
        }

        subscribers[leftKey] = subscriber;
        _dirtySubscribers.Add((foreignKey, leftKey));
    }

    public void Unsubscribe(TForeignKey foreignKey, TKey leftKey)
    {
        if (Subscribers.TryGetValue(foreignKey, out var subscribers) && subscribers.Remove(leftKey))
        {
            if (subscribers.Count == 0)
            {
                Subscribers.Remove(foreignKey);
            }

            _dirtySubscribers.Add((foreignKey, leftKey));
        }
    }

    /// <summary>Sets (or, with null, deletes) the right value of a foreign key.</summary>
    public void SetRight(TForeignKey foreignKey, RightValue? value)
    {
        if (value is null)
        {
            Rights.Remove(foreignKey);
        }
        else
        {
            Rights[foreignKey] = value;
        }

        _dirtyRights.Add(foreignKey);
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
            var value = batch.ValueOf(in record);
            switch (key.IsEmpty ? (byte)0 : key[0])
            {
                case PositionTag when !record.ValueIsNull && value.Length >= 16:
                    RightPosition = BinaryPrimitives.ReadInt64BigEndian(value);
                    StreamTimeMs = BinaryPrimitives.ReadInt64BigEndian(value[8..]);
                    break;
                case RightTag:
                    var foreignKey = _definition.ForeignKeys.Read(key[1..]);
                    if (record.ValueIsNull)
                    {
                        Rights.Remove(foreignKey);
                    }
                    else
                    {
                        Rights[foreignKey] = new RightValue(value[8..].ToArray(), BinaryPrimitives.ReadInt64BigEndian(value));
                    }

                    break;
                case SubscriberTag when key.Length >= 5:
                    var length = BinaryPrimitives.ReadInt32BigEndian(key[1..]);
                    var subscribed = _definition.ForeignKeys.Read(key.Slice(5, length));
                    var leftKeyBytes = key[(5 + length)..];
                    var leftKey = _definition.LeftKeys.Read(leftKeyBytes);
                    if (record.ValueIsNull)
                    {
                        Unsubscribe(subscribed, leftKey);
                    }
                    else
                    {
                        Subscribe(subscribed, leftKey, new Subscriber(leftKeyBytes.ToArray(), BinaryPrimitives.ReadUInt128BigEndian(value),
                            BinaryPrimitives.ReadInt32BigEndian(value[ForeignKeyHash.Length..]), BinaryPrimitives.ReadInt64BigEndian(value[(ForeignKeyHash.Length + 4)..])));
                    }

                    break;
                default:
                    throw new RecordDecodeException(
                        $"Foreign-key subscription changelog record {batch.Topic}[{batch.Partition}]@{record.Offset} is not one a Faustish join writes (key of {key.Length} bytes).");
            }
        }

        // Restoring replays what was flushed: nothing to write back.
        _dirtySubscribers.Clear();
        _dirtyRights.Clear();
        _positionDirty = false;
        return batch.Count;
    }

    public void FlushChangelog(IRecordProducer producer, TopicPartition changelog)
    {
        var timestampMs = Math.Max(StreamTimeMs, 0);
        Span<byte> value = stackalloc byte[ForeignKeyHash.Length + 12];
        foreach (var (foreignKey, leftKey) in _dirtySubscribers)
        {
            if (Subscribers.TryGetValue(foreignKey, out var subscribers) && subscribers.TryGetValue(leftKey, out var subscriber))
            {
                BinaryPrimitives.WriteUInt128BigEndian(value, subscriber.Hash);
                BinaryPrimitives.WriteInt32BigEndian(value[ForeignKeyHash.Length..], subscriber.LeftPartition);
                BinaryPrimitives.WriteInt64BigEndian(value[(ForeignKeyHash.Length + 4)..], subscriber.TimestampMs);
                producer.Produce(changelog, SubscriberKey(foreignKey, subscriber.LeftKey), false, value, false, timestampMs);
            }
            else
            {
                _value.ResetWrittenCount();
                _definition.LeftKeys.Write(_value, leftKey);
                producer.Produce(changelog, SubscriberKey(foreignKey, _value.WrittenSpan), false, default, true, timestampMs);
            }
        }

        _dirtySubscribers.Clear();
        foreach (var foreignKey in _dirtyRights)
        {
            _key.ResetWrittenCount();
            _key.GetSpan(1)[0] = RightTag;
            _key.Advance(1);
            _definition.ForeignKeys.Write(_key, foreignKey);
            if (Rights.TryGetValue(foreignKey, out var right))
            {
                _value.ResetWrittenCount();
                BinaryPrimitives.WriteInt64BigEndian(_value.GetSpan(8), right.TimestampMs);
                _value.Advance(8);
                _value.Write(right.Bytes);
                producer.Produce(changelog, _key.WrittenSpan, false, _value.WrittenSpan, false, timestampMs);
            }
            else
            {
                producer.Produce(changelog, _key.WrittenSpan, false, default, true, timestampMs);
            }
        }

        _dirtyRights.Clear();
        if (_positionDirty)
        {
            Span<byte> position = stackalloc byte[16];
            BinaryPrimitives.WriteInt64BigEndian(position, RightPosition);
            BinaryPrimitives.WriteInt64BigEndian(position[8..], StreamTimeMs);
            ReadOnlySpan<byte> key = [PositionTag];
            producer.Produce(changelog, key, false, position, false, timestampMs);
            _positionDirty = false;
        }
    }

    /// <summary>A subscriber's changelog key: the tag, the foreign key's length and bytes, then the left key's bytes.</summary>
    private ReadOnlySpan<byte> SubscriberKey(TForeignKey foreignKey, ReadOnlySpan<byte> leftKey)
    {
        _foreignKey.ResetWrittenCount();
        _definition.ForeignKeys.Write(_foreignKey, foreignKey);
        var length = 5 + _foreignKey.WrittenCount + leftKey.Length;
        _key.ResetWrittenCount();
        var span = _key.GetSpan(length);
        span[0] = SubscriberTag;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], _foreignKey.WrittenCount);
        _foreignKey.WrittenSpan.CopyTo(span[5..]);
        leftKey.CopyTo(span[(5 + _foreignKey.WrittenCount)..]);
        _key.Advance(length);
        return _key.WrittenSpan;
    }

    public bool TryFormat(ReadOnlySpan<byte> key, out string json)
    {
        var foreignKey = _definition.ForeignKeys.Read(key);
        var subscribers = Subscribers.TryGetValue(foreignKey, out var s) ? s.Count : 0;
        var hasRight = Rights.ContainsKey(foreignKey);
        json = $"{{\"subscribers\":{subscribers},\"right\":{(hasRight ? "true" : "false")}}}";
        return subscribers > 0 || hasRight;
    }

    public IEnumerable<(string Key, string Value)> FormatAll()
    {
        foreach (var (foreignKey, subscribers) in Subscribers)
        {
            yield return ($"subscribers of {foreignKey}", subscribers.Count.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var (foreignKey, right) in Rights)
        {
            yield return ($"right {foreignKey}", $"{right.Bytes.Length} bytes");
        }
    }

    public void Advance(long streamTimeMs, long wallClockMs)
    {
        // Nothing expires: a subscription lasts until its left key unsubscribes.
    }

    public void Dispose()
    {
    }
}
