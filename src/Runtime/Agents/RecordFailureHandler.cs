using System;
using System.Collections.Generic;
using System.Globalization;
using Faustish.Hosting;
using Faustish.Tables.Windows;
using Faustish.Transport;
using Microsoft.Extensions.Logging;

namespace Faustish.Agents;

/// <summary>
/// Sends failed records to the dead-letter topic, unchanged, with why and where in their headers — or, for an
/// agent's exception or a record without a usable event time under <see cref="ErrorPolicy.Stop"/>, stops the agent
/// naming the record. A bad record never
/// stalls its partition silently and never takes the records around it down with it.
/// </summary>
public sealed class RecordFailureHandler(ErrorPolicy policy, string deadLetterTopic, IRecordProducer producer, FaustishMetrics metrics, ILogger logger,
    TimeProvider? clock = null)
    : IRecordFailureHandler
{
    private readonly LateEventWarnings _lateWarnings = new(logger, clock ?? TimeProvider.System);

    /// <summary>Header names on dead-lettered records.</summary>
    public static class Headers
    {
        public const string Topic = "faustish.error.topic";
        public const string Partition = "faustish.error.partition";
        public const string Offset = "faustish.error.offset";
        public const string Timestamp = "faustish.error.timestamp";
        public const string Agent = "faustish.error.agent";
        public const string Stage = "faustish.error.stage";
        public const string Reason = "faustish.error.reason";
        public const string ExceptionType = "faustish.error.exception";
        public const string Table = "faustish.error.table";
        public const string Window = "faustish.error.window";
    }

    public void OnDecodeFailed(AgentPartitionContext context, RecordBatch batch, in BatchRecord record, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(context);
        DeadLetter(context, batch, in record, "decode", exception);
    }

    public void OnProcessingFailed(AgentPartitionContext context, RecordBatch batch, in BatchRecord record, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(exception);
        if (policy == ErrorPolicy.Stop)
        {
            throw new AgentFailedException(
                $"Agent {context.Agent.TypeName} threw on record {context.Source}@{record.Offset}: {exception.GetType().Name}: {exception.Message} " +
                "Processing stopped there; positions before it are committed, so a restart resumes at this record. " +
                "Fix the agent, or set Faustish:ErrorPolicy=DeadLetter to move such records to the dead-letter topic and go on.",
                exception);
        }

        DeadLetter(context, batch, in record, "process", exception);
    }

    public void OnTimestampFailed(AgentPartitionContext context, RecordBatch batch, in BatchRecord record, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(exception);
        if (policy == ErrorPolicy.Stop)
        {
            throw new AgentFailedException(
                $"Record {context.Source}@{record.Offset} of agent {context.Agent.TypeName} has no usable event time: {exception.Message} " +
                "Processing stopped there; positions before it are committed, so a restart resumes at this record. " +
                "Fix the record's producer or the topic's Timestamp, or set Faustish:ErrorPolicy=DeadLetter to move such records to the dead-letter topic and go on.",
                exception);
        }

        DeadLetter(context, batch, in record, "timestamp", exception);
    }

    public void OnLateEvent(AgentPartitionContext context, in LateEvent late)
    {
        ArgumentNullException.ThrowIfNull(context);
        metrics.CountLateEvent(late.Table);
        _lateWarnings.Observe(context.Agent.Name, context.Source.Partition, context.Event.Offset, in late);
        logger.LogDebug("Event {Source}@{Offset} at {EventTime} came after window {Window} of table {Table} closed (table time {TableTime}); {Outcome}",
            context.Source, context.Event.Offset, late.EventTimeMs, late.Window, late.Table, late.TableTimeMs,
            late.Applied ? "it updated its open windows only" : late.Policy == LateEvents.DeadLetter ? "dead-lettered" : "dropped");
        if (late.Applied || late.Policy != LateEvents.DeadLetter || context.Batch is not { } batch)
        {
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var record = ref batch[i];
            if (record.Offset != context.Event.Offset)
            {
                continue;
            }

            var reason = $"The event at {late.EventTimeMs} came after window {late.Window} of table '{late.Table}' closed (grace passed; table time {late.TableTimeMs}).";
            Produce(context, batch, in record, "late", reason, typeof(LateEvent).FullName!,
                [RecordHeader.Utf8(Headers.Table, late.Table), RecordHeader.Utf8(Headers.Window, $"{late.Window.StartMs}-{late.Window.EndMs}")]);
            return;
        }
    }

    public void OnJoinRecordSkipped(AgentPartitionContext context, string topic, long offset, long timestampMs, string why)
    {
        ArgumentNullException.ThrowIfNull(context);
        metrics.CountJoinSkipped(context.Agent.Name);
        logger.LogWarning("Agent {Agent} skipped record {Topic}[{Partition}]@{Offset} (time {Timestamp}) of its join: {Why}",
            context.Agent.Name, topic, context.Source.Partition, offset, timestampMs, why);
    }

    private void DeadLetter(AgentPartitionContext context, RecordBatch batch, in BatchRecord record, string stage, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Produce(context, batch, in record, stage, exception.Message, exception.GetType().FullName ?? exception.GetType().Name, []);
        logger.LogWarning(exception, "Record {Source}@{Offset} failed to {Stage} in agent {Agent} and went to {DeadLetters}: {Reason}",
            context.Source, record.Offset, stage, context.Agent.Name, deadLetterTopic, exception.Message);
    }

    private void Produce(AgentPartitionContext context, RecordBatch batch, in BatchRecord record, string stage, string reason, string exceptionType,
        RecordHeader[] extraHeaders)
    {
        var source = context.Source;
        RecordHeader[] headers =
        [
            .. batch.HeadersOf(in record),
            RecordHeader.Utf8(Headers.Topic, source.Topic),
            RecordHeader.Utf8(Headers.Partition, source.Partition.ToString(CultureInfo.InvariantCulture)),
            RecordHeader.Utf8(Headers.Offset, record.Offset.ToString(CultureInfo.InvariantCulture)),
            RecordHeader.Utf8(Headers.Timestamp, record.TimestampMs.ToString(CultureInfo.InvariantCulture)),
            RecordHeader.Utf8(Headers.Agent, context.Agent.Name),
            RecordHeader.Utf8(Headers.Stage, stage),
            RecordHeader.Utf8(Headers.Reason, reason),
            RecordHeader.Utf8(Headers.ExceptionType, exceptionType),
            .. extraHeaders,
        ];
        producer.Produce(new TopicPartition(deadLetterTopic, 0), batch.KeyOf(in record), record.KeyIsNull,
            batch.ValueOf(in record), record.ValueIsNull, record.TimestampMs, headers);
        metrics.CountDeadLettered();
    }
}
