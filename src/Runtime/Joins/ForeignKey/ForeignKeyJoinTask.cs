using System;
using Faustish.Agents;
using Faustish.Serialization;
using Faustish.Topics;
using Faustish.Transport;

namespace Faustish.Joins;

/// <summary>
/// One partition of a foreign-key join agent, the left side: keeps each key's latest value, subscribes it to its foreign
/// key, and gives a result when a response for its current value comes back (see
/// <see cref="ForeignKeyJoinDefinition{TKey, TLeft, TForeignKey, TRight}"/>). The generated loop gives it the agent's own
/// records; responses come from <c>{app}-{agent}-fk-response</c>, applied in time order with them.
/// </summary>
/// <remarks>
/// A key's entry is marked <c>Matched</c> while a result for it is shown (the last one given was not a tombstone), so an
/// inner join gives a tombstone only when a shown result goes away, and never twice.
/// </remarks>
public sealed class ForeignKeyJoinTask<TKey, TLeft, TForeignKey, TRight> : JoinTask where TKey : notnull where TForeignKey : notnull
{
    private readonly AgentPartitionContext _context;
    private readonly ForeignKeyJoinDefinition<TKey, TLeft, TForeignKey, TRight> _join;
    private readonly JoinState<TKey, TLeft, TRight> _state;
    private readonly IJoinTarget<TKey, TLeft, TRight> _target;
    private readonly TopicDefinition<TForeignKey, ForeignKeySubscription> _subscriptions;
    private readonly string _responseTopic;
    private readonly System.Buffers.ArrayBufferWriter<byte> _leftKey = new(128);

    internal ForeignKeyJoinTask(AgentPartitionContext context, ForeignKeyJoinDefinition<TKey, TLeft, TForeignKey, TRight> join, JoinState<TKey, TLeft, TRight> state,
        IJoinTarget<TKey, TLeft, TRight> target)
    {
        _context = context;
        _join = join;
        _state = state;
        _target = target;
        var appId = context.AppId ?? throw new InvalidOperationException($"Agent {context.Agent.TypeName}'s foreign-key join needs its app id to name its topics.");
        _subscriptions = join.SubscriptionTopic(appId, context.Agent.Name);
        _responseTopic = ForeignKeyJoinDefinition<TKey, TLeft, TForeignKey, TRight>.ResponseTopicName(appId, context.Agent.Name);
    }

    /// <summary>The partition's state (tests and tools).</summary>
    internal JoinState<TKey, TLeft, TRight> State => _state;

    /// <summary>
    /// A record of the agent's own topic, between the context's <c>Begin</c> and <c>Complete</c>: the key's new value
    /// (null deletes it), <paramref name="encoded"/> its bytes.
    /// </summary>
    public void Left(TKey key, TLeft? value, ReadOnlySpan<byte> encoded)
    {
        var timestampMs = _context.Event.TimestampMs;
        _state.AdvanceStreamTime(timestampMs);
        var old = _state.Left.Latest(key);
        var shown = old?.Matched ?? false;
        var hadForeignKey = false;
        TForeignKey? oldForeignKey = default;
        if (old is not null)
        {
            hadForeignKey = _join.ForeignKeyOf(old.Value, out oldForeignKey);
        }

        var hasForeignKey = false;
        TForeignKey? foreignKey = default;
        if (value is not null)
        {
            hasForeignKey = _join.ForeignKeyOf(value, out foreignKey);
        }

        if (hadForeignKey && (!hasForeignKey || !System.Collections.Generic.EqualityComparer<TForeignKey>.Default.Equals(oldForeignKey, foreignKey)))
        {
            // The old foreign key's stage forgets this key, so its updates stop coming (any in flight are stale by hash).
            Subscribe(oldForeignKey!, key, SubscriptionInstruction.Unsubscribe, UInt128.Zero);
        }

        if (value is null)
        {
            _state.Left.Replace(key, null);
            if (shown)
            {
                Emit(key, default, default, timestampMs);
            }

            return;
        }

        // Until its response comes, the key's shown result (if any) stands: the new entry inherits it.
        var entry = new JoinEntry<TLeft>(timestampMs, _state.TakeSequence(), value, encoded.ToArray()) { Matched = shown };
        _state.Left.Replace(key, entry);
        if (hasForeignKey)
        {
            // The result comes with the response: the foreign key's right value, joined to this value if it is still the current one.
            Subscribe(foreignKey!, key, SubscriptionInstruction.Subscribe, ForeignKeyHash.Of(encoded));
            return;
        }

        // No foreign key: nothing to join; a left join gives the value alone, an inner join takes a shown result away.
        if (_join.Kind == JoinKind.Left)
        {
            entry.Matched = true;
            Emit(key, value, default, timestampMs);
        }
        else if (shown)
        {
            entry.Matched = false;
            Emit(key, default, default, timestampMs);
        }
    }

    /// <summary>
    /// A response from the foreign key's stage, applied in time order with the agent's records: joined to the key's
    /// current value if the hash says it answers that value, else dropped as stale.
    /// </summary>
    internal void Response(TKey key, UInt128 hash, TRight? right, long timestampMs)
    {
        _state.AdvanceStreamTime(timestampMs);
        var current = _state.Left.Latest(key);
        if (current is null || ForeignKeyHash.Of(current.Encoded) != hash)
        {
            // Answers a value since replaced or deleted: its result would show a foreign key the key no longer has.
            _state.StaleResponses++;
            return;
        }

        if (right is not null)
        {
            Shown(key, current, true);
            Emit(key, current.Value, right, timestampMs);
        }
        else if (_join.Kind == JoinKind.Left)
        {
            Shown(key, current, true);
            Emit(key, current.Value, default, timestampMs);
        }
        else if (current.Matched)
        {
            Shown(key, current, false);
            Emit(key, default, default, timestampMs);
        }
    }

    internal void ResponseProcessed(long nextOffset) => _state.RightProcessed(nextOffset);

    internal override TimedInput OpenRightInput(ITransport transport, int partition)
    {
        var source = new TopicPartition(_responseTopic, partition);
        return new ForeignKeyResponseInput<TKey, TLeft, TForeignKey, TRight>(this, _join, source, transport.OpenReader(source, _state.RightPosition), transport, _context);
    }

    private void Shown(TKey key, JoinEntry<TLeft> entry, bool shown)
    {
        if (entry.Matched != shown)
        {
            entry.Matched = shown;
            _state.Left.Dirty.Add(key);
        }
    }

    private void Subscribe(TForeignKey foreignKey, TKey key, SubscriptionInstruction instruction, UInt128 hash)
    {
        _leftKey.ResetWrittenCount();
        _join.LeftTopic.KeyCodec.Write(_leftKey, key);
        // Keyed by the foreign key with the right topic's encoding, so it lands in the partition of the right topic holding that key.
        _context.Sender.Send(_subscriptions, foreignKey, new ForeignKeySubscription(instruction, hash, _context.Source.Partition, _leftKey.WrittenSpan.ToArray()));
    }

    private void Emit(TKey key, TLeft? left, TRight? right, long timestampMs)
    {
        _context.Sender.EventTimestampMs = timestampMs;
        _target.Joined(key, left, right);
    }
}

/// <summary>The responses to a left partition's subscriptions, applied in time order with the agent's records.</summary>
internal sealed class ForeignKeyResponseInput<TKey, TLeft, TForeignKey, TRight>(ForeignKeyJoinTask<TKey, TLeft, TForeignKey, TRight> task,
    ForeignKeyJoinDefinition<TKey, TLeft, TForeignKey, TRight> join, TopicPartition source, IPartitionReader reader, ITransport transport, AgentPartitionContext context)
    : TimedInput(source, reader, transport) where TKey : notnull where TForeignKey : notnull
{
    // Not read: a response's time is its record's (the later of the left and right records it joins).
    protected override TopicDefinition Topic => join.Left;

    protected override long TimestampOf(RecordBatch batch, in BatchRecord record) => record.TimestampMs;

    protected override void Apply(AgentPartitionContext _, RecordBatch batch, in BatchRecord record, long timestampMs)
    {
        TKey key;
        UInt128 hash;
        TRight? right;
        try
        {
            key = record.KeyIsNull
                ? throw new RecordDecodeException("A foreign-key response has no key (the left key); response topics are written only by the join's subscription stage.")
                : join.LeftTopic.KeyCodec.Read(batch.KeyOf(in record));
            hash = ForeignKeyResponse.Read(batch.ValueOf(in record), out var rightBytes, out var rightIsNull);
            right = rightIsNull ? default : join.RightTopic.ValueCodec.Read(rightBytes);
        }
        catch (RecordDecodeException exception)
        {
            context.SideDecodeFailed(batch, in record, exception);
            task.ResponseProcessed(record.NextOffset);
            return;
        }

        context.BeginSide(batch, in record, timestampMs);
        try
        {
            task.Response(key, hash, right, timestampMs);
        }
        catch (Exception exception) when (exception is not AgentFailedException)
        {
            context.SideProcessingFailed(batch, in record, exception);
        }

        task.ResponseProcessed(record.NextOffset);
    }
}
