using System;
using System.Diagnostics;
using System.Threading;
using Faustish.Agents;
using Faustish.Serialization;
using Faustish.Tables;
using Faustish.Topics;
using Faustish.Transport;
using Microsoft.Extensions.Logging;

namespace Faustish.Joins;

/// <summary>
/// An input of an agent's partition besides its own topic: partition n of another, co-partitioned topic (a join's
/// right side, a table's source topic), read by the worker itself and applied in time order with the agent's records
/// (Kafka Streams' stream-time synchronisation of a task's partitions). Its position is kept with the state it feeds.
/// </summary>
internal abstract class TimedInput : IDisposable
{
    private static readonly long LagCheckTicks = Stopwatch.Frequency / 20; // watermarks asked at most every 50 ms
    private readonly IPartitionReader _reader;
    private readonly ITransport _transport;
    private readonly RecordBatch _batch = new(256, 64 * 1024);
    private int _next;
    private long _highWatermark = -1;
    private long _highCheckedTicks;

    protected TimedInput(TopicPartition source, IPartitionReader reader, ITransport transport)
    {
        Source = source;
        _reader = reader;
        _transport = transport;
    }

    public TopicPartition Source { get; }

    /// <summary>When the input was first found with nothing to give (Stopwatch ticks), or 0 while it has records.</summary>
    public long IdleSinceTicks { get; set; }

    /// <summary>The offset of the next record to apply.</summary>
    public long Position => _next < _batch.Count ? _batch[_next].Offset : _reader.Position;

    /// <summary>
    /// The time of the next record to apply, fetching more (waiting up to <paramref name="wait"/>) when everything
    /// fetched is applied; false when there is none yet.
    /// </summary>
    public bool TryPeek(out long timestampMs, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (_next >= _batch.Count)
        {
            _next = 0;
            if (!_reader.Fetch(_batch, 256, wait, cancellationToken))
            {
                _batch.Reset(Source.Topic, Source.Partition);
                timestampMs = 0;
                return false;
            }
        }

        timestampMs = TimestampOf(_batch, in _batch[_next]);
        return true;
    }

    /// <summary>Applies the record <see cref="TryPeek"/> found.</summary>
    public void ApplyNext(AgentPartitionContext context)
    {
        ref readonly var record = ref _batch[_next];
        _next++;
        Apply(context, _batch, in record, TimestampOf(_batch, in record));
    }

    /// <summary>
    /// Whether the topic partition holds records the input has not fetched yet, by its high watermark (asked of the
    /// transport at most every 50 ms while it seems to hold none).
    /// </summary>
    public bool HasLag()
    {
        var position = Position;
        if (_highWatermark > position)
        {
            return true;
        }

        var now = Stopwatch.GetTimestamp();
        if (now - _highCheckedTicks >= LagCheckTicks)
        {
            _highCheckedTicks = now;
            _highWatermark = _transport.GetWatermarks(Source).High;
        }

        return _highWatermark > position;
    }

    protected abstract void Apply(AgentPartitionContext context, RecordBatch batch, in BatchRecord record, long timestampMs);

    /// <summary>The time a record counts at: its own timestamp, or what its topic takes from its value.</summary>
    protected virtual long TimestampOf(RecordBatch batch, in BatchRecord record) => Topic.EventTimeOf(batch, in record);

    /// <summary>The topic the input reads.</summary>
    protected abstract TopicDefinition Topic { get; }

    /// <summary>Whether disposing the input disposes its reader (not when the reader belongs to the table state manager).</summary>
    protected virtual bool OwnsReader => true;

    public void Dispose()
    {
        if (OwnsReader)
        {
            _reader.Dispose();
        }
    }
}

/// <summary>The right side of a join: each record goes to the join in time order with the agent's own.</summary>
internal sealed class JoinRightInput<TKey, TLeft, TRight>(JoinTask<TKey, TLeft, TRight> join, TopicDefinition<TKey, TRight> topic, TopicPartition source,
    IPartitionReader reader, ITransport transport, AgentPartitionContext context)
    : TimedInput(source, reader, transport) where TKey : notnull
{
    protected override TopicDefinition Topic => topic;

    protected override void Apply(AgentPartitionContext _, RecordBatch batch, in BatchRecord record, long timestampMs)
    {
        TKey key;
        TRight? value;
        try
        {
            key = record.KeyIsNull
                ? throw new RecordDecodeException($"The record has no key; a join matches records by key, so every record of '{topic.Name}' needs one.")
                : topic.KeyCodec.Read(batch.KeyOf(in record));
            value = record.ValueIsNull ? default : topic.ValueCodec.Read(batch.ValueOf(in record));
        }
        catch (RecordDecodeException exception)
        {
            context.SideDecodeFailed(batch, in record, exception);
            join.RightProcessed(record.NextOffset);
            return;
        }

        if (value is not null && !topic.TryGetEventTime(key, value, record.TimestampMs, out timestampMs, out var unusable))
        {
            context.SideTimestampFailed(batch, in record, unusable);
            join.RightProcessed(record.NextOffset);
            return;
        }

        context.BeginSide(batch, in record, timestampMs);
        try
        {
            join.Right(key, value, batch.ValueOf(in record), timestampMs);
        }
        catch (Exception exception) when (exception is not AgentFailedException)
        {
            context.SideProcessingFailed(batch, in record, exception);
        }

        join.RightProcessed(record.NextOffset);
    }
}

/// <summary>
/// A table fed by a topic, co-partitioned with its agent: the topic's records are applied in time order with the
/// agent's, so an event sees the table as of its own time (Kafka Streams' stream–table join).
/// </summary>
internal sealed class SourceTableInput(ITableShard shard, TopicPartition source, IPartitionReader reader, ITransport transport, ILogger logger)
    : TimedInput(source, reader, transport)
{
    private readonly RecordBatch _one = new(1, 1024);

    // The table state manager owns the follower (it checkpoints the table at this input's position).
    protected override bool OwnsReader => false;

    protected override TopicDefinition Topic => shard.Definition.Source!;
    private long _undecodableLogged = shard.UndecodableRecords;

    protected override void Apply(AgentPartitionContext context, RecordBatch batch, in BatchRecord record, long timestampMs)
    {
        _one.Reset(batch.Topic, batch.Partition);
        _one.Add(record.Offset, record.NextOffset, record.TimestampMs, batch.KeyOf(in record), record.KeyIsNull, batch.ValueOf(in record), record.ValueIsNull,
            batch.EncodedHeadersOf(in record));
        shard.Apply(_one);
        if (shard.UndecodableRecords != _undecodableLogged)
        {
            logger.LogError("Table '{Table}'[{Partition}] left out {Count} record(s) of its source topic that do not decode (last: {Last}); their keys keep their previous values. Fix what produces them.",
                shard.Definition.Name, shard.Partition, shard.UndecodableRecords - _undecodableLogged, shard.LastUndecodable);
            _undecodableLogged = shard.UndecodableRecords;
        }
    }
}
