using System;
using System.Buffers;
using Faustish.Agents;
using Faustish.Serialization;
using Faustish.Topics;
using Faustish.Transport;

namespace Faustish.Joins;

/// <summary>
/// One partition of a foreign-key join's subscription stage: reads partition n of <c>{app}-{agent}-fk-subscription</c>
/// and, in time order with it, partition n of the right topic (both keyed by the foreign key). Each subscription is
/// answered with the foreign key's right value; each right update is sent to every left key that refers to it. Answers
/// go to <c>{app}-{agent}-fk-response</c>, to the left partition that subscribed. Written by hand: it never runs user code.
/// </summary>
internal sealed class ForeignKeySubscriptionPartition<TKey, TLeft, TForeignKey, TRight> : AgentPartition where TKey : notnull where TForeignKey : notnull
{
    private readonly ForeignKeySubscriptionTask<TKey, TLeft, TForeignKey, TRight> _task;
    private readonly IRecordCodec<TForeignKey> _foreignKeys;
    private readonly IRecordCodec<TKey> _leftKeys;
    private readonly int _leftPartitions;

    public ForeignKeySubscriptionPartition(AgentPartitionContext context, ForeignKeyJoinDefinition<TKey, TLeft, TForeignKey, TRight> join,
        ForeignKeySubscriptionStateDefinition<TKey, TForeignKey> table, string responseTopic)
        : base(context)
    {
        var state = context.GetTable<ForeignKeySubscriptionState<TKey, TForeignKey>>(table);
        _task = new ForeignKeySubscriptionTask<TKey, TLeft, TForeignKey, TRight>(context, join, state, responseTopic);
        context.UseJoin(_task);
        _foreignKeys = join.RightTopic.KeyCodec;
        _leftKeys = join.LeftTopic.KeyCodec;
        _leftPartitions = join.Left.Partitions;
    }

    public override void ProcessBatch(RecordBatch batch)
    {
        var context = Context;
        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var record = ref batch[i];
            TForeignKey foreignKey;
            ForeignKeySubscription subscription;
            TKey leftKey;
            try
            {
                foreignKey = record.KeyIsNull
                    ? throw new RecordDecodeException("A foreign-key subscription has no key (the foreign key); subscription topics are written only by the join's own agent.")
                    : _foreignKeys.Read(batch.KeyOf(in record));
                subscription = record.ValueIsNull
                    ? throw new RecordDecodeException("A foreign-key subscription has no value; subscription topics are written only by the join's own agent.")
                    : ForeignKeySubscription.Codec.Read(batch.ValueOf(in record));
                leftKey = _leftKeys.Read(subscription.LeftKey);
                if ((uint)subscription.LeftPartition >= (uint)_leftPartitions)
                {
                    throw new RecordDecodeException(
                        $"A foreign-key subscription comes from left partition {subscription.LeftPartition}, but '{context.Agent.Declared.Join!.Left.Name}' has {_leftPartitions}: " +
                        "the left topic's partition count changed under the join. Reset the join's internal topics and state after changing partition counts.");
                }
            }
            catch (RecordDecodeException exception)
            {
                context.DecodeFailed(batch, in record, exception);
                continue;
            }

            context.Begin(in record);
            try
            {
                _task.Subscription(foreignKey, leftKey, subscription, record.TimestampMs);
            }
            catch (Exception exception) when (exception is not AgentFailedException)
            {
                context.ProcessingFailed(batch, in record, exception);
                continue;
            }

            context.Complete(in record);
        }
    }
}

/// <summary>The subscription stage's work on one partition: subscriptions and right records in, responses out.</summary>
internal sealed class ForeignKeySubscriptionTask<TKey, TLeft, TForeignKey, TRight>(AgentPartitionContext context,
    ForeignKeyJoinDefinition<TKey, TLeft, TForeignKey, TRight> join, ForeignKeySubscriptionState<TKey, TForeignKey> state, string responseTopic)
    : JoinTask where TKey : notnull where TForeignKey : notnull
{
    private readonly ArrayBufferWriter<byte> _response = new(1024);

    public ForeignKeySubscriptionState<TKey, TForeignKey> State => state;

    /// <summary>A left key subscribes to (or unsubscribes from) a foreign key; a subscription is answered at once.</summary>
    public void Subscription(TForeignKey foreignKey, TKey leftKey, ForeignKeySubscription subscription, long timestampMs)
    {
        state.AdvanceStreamTime(timestampMs);
        if (subscription.Instruction == SubscriptionInstruction.Unsubscribe)
        {
            state.Unsubscribe(foreignKey, leftKey);
            return;
        }

        var subscriber = new Subscriber(subscription.LeftKey, subscription.Hash, subscription.LeftPartition, timestampMs);
        state.Subscribe(foreignKey, leftKey, subscriber);
        state.Rights.TryGetValue(foreignKey, out var right);
        Respond(subscriber, right, Math.Max(timestampMs, right?.TimestampMs ?? timestampMs));
    }

    /// <summary>The right topic's value of a foreign key changed (null: deleted): every left key that refers to it gets it.</summary>
    public void Right(TForeignKey foreignKey, byte[]? value, long timestampMs)
    {
        state.AdvanceStreamTime(timestampMs);
        var had = state.Rights.ContainsKey(foreignKey);
        var right = value is null ? null : new RightValue(value, timestampMs);
        state.SetRight(foreignKey, right);
        if ((right is null && !had) || !state.Subscribers.TryGetValue(foreignKey, out var subscribers))
        {
            return; // A delete of nothing changes no result; nobody refers to the key.
        }

        foreach (var subscriber in subscribers.Values)
        {
            Respond(subscriber, right, Math.Max(timestampMs, subscriber.TimestampMs));
        }
    }

    public void RightProcessed(long nextOffset) => state.RightProcessed(nextOffset);

    internal override TimedInput OpenRightInput(ITransport transport, int partition)
    {
        var source = new TopicPartition(join.Right.Name, partition);
        return new ForeignKeyRightInput<TKey, TLeft, TForeignKey, TRight>(this, join.RightTopic, source, transport.OpenReader(source, state.RightPosition), transport, context);
    }

    private void Respond(Subscriber subscriber, RightValue? right, long timestampMs)
    {
        _response.ResetWrittenCount();
        ForeignKeyResponse.Write(_response, subscriber.Hash, right is null ? default : right.Bytes, right is null);
        context.Sender.Producer.Produce(new TopicPartition(responseTopic, subscriber.LeftPartition), subscriber.LeftKey, false, _response.WrittenSpan, false, timestampMs,
            Hosting.FaustishTracing.CurrentHeaders());
    }
}

/// <summary>The right topic's partition, applied to the subscription stage in time order with the subscriptions.</summary>
internal sealed class ForeignKeyRightInput<TKey, TLeft, TForeignKey, TRight>(ForeignKeySubscriptionTask<TKey, TLeft, TForeignKey, TRight> task,
    TopicDefinition<TForeignKey, TRight> topic, TopicPartition source, IPartitionReader reader, ITransport transport, AgentPartitionContext context)
    : TimedInput(source, reader, transport) where TKey : notnull where TForeignKey : notnull
{
    protected override TopicDefinition Topic => topic;

    protected override void Apply(AgentPartitionContext _, RecordBatch batch, in BatchRecord record, long timestampMs)
    {
        TForeignKey foreignKey;
        try
        {
            foreignKey = record.KeyIsNull
                ? throw new RecordDecodeException($"The record has no key; a foreign-key join finds right values by key, so every record of '{topic.Name}' needs one.")
                : topic.KeyCodec.Read(batch.KeyOf(in record));
            if (!record.ValueIsNull)
            {
                // Only the left side decodes right values; decoding here too keeps a bad record out of every result.
                topic.ValueCodec.Read(batch.ValueOf(in record));
            }
        }
        catch (RecordDecodeException exception)
        {
            context.SideDecodeFailed(batch, in record, exception);
            task.RightProcessed(record.NextOffset);
            return;
        }

        context.BeginSide(batch, in record, timestampMs);
        try
        {
            task.Right(foreignKey, record.ValueIsNull ? null : batch.ValueOf(in record).ToArray(), timestampMs);
        }
        catch (Exception exception) when (exception is not AgentFailedException)
        {
            context.SideProcessingFailed(batch, in record, exception);
        }

        task.RightProcessed(record.NextOffset);
    }
}
