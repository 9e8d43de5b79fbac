using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading.Tasks;
using Faustish.Streams;
using Faustish.Topics;
using Faustish.Transport;

namespace Faustish.Agents;

/// <summary>
/// A stream agent bound to one partition: its method (<c>ProcessAsync(Stream&lt;TKey, TValue&gt; stream)</c>) runs once,
/// from the partition's first batch, and each record pushed into its stream runs the agent's loop up to its next await.
/// While the agent is busy in an await of its own, the partition's records wait (the worker serves its other
/// partitions); an event's offset is committed once the agent has asked for the next one. The generator derives one
/// class per stream agent, which only builds the agent and calls its method.
/// </summary>
// Public for generated code in users' assemblies, which derives from it; not for users to call.
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class StreamAgentPartition : AgentPartition
{
    private StreamRun _run;
    private Task? _running;
    private long _deadLettered = -1; // a record the agent failed on, dead-lettered: skipped when the rewind brings it again
    private RecordBatch? _last; // a copy of the last record taken while the agent still holds it, for its failure

    protected StreamAgentPartition(AgentPartitionContext context)
        : base(context)
    {
        _run = NewRun();
        context.AfterPostedWork = AfterPostedWork;
    }

    /// <summary>Calls the agent's method with its stream (<see cref="StreamOf{TKey, TValue}"/>).</summary>
    protected abstract Task RunAgent();

    /// <summary>The name of the agent's method, for messages.</summary>
    protected abstract string MethodName { get; }

    /// <summary>The stream of the agent's own topic, <paramref name="topic"/>, as its method takes it.</summary>
    protected Stream<TKey, TValue> StreamOf<TKey, TValue>(TopicDefinition<TKey, TValue> topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return _run.Stage is null && _run.Input.Stream is Stream<TKey, TValue> live ? live : new Stream<TKey, TValue>(_run, live: false);
    }

    /// <summary>
    /// Runs a replying agent's method: each reply it yields goes to the asker of the event it was handed last (an
    /// event nobody asked gets none), through the worker's sender, so it is committed with the event.
    /// </summary>
    protected async Task RunReplying<TReply>(IAsyncEnumerable<TReply> replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        var definition = Context.Agent.Replies as ReplyDefinition<TReply> ?? throw new InvalidOperationException(
            $"Agent {Context.Agent.TypeName} yields {typeof(TReply).Name} replies but its definition declares {Context.Agent.Replies?.ReplyType.Name ?? "none"}.");

        // Continuations run inline where the agent yields (on the partition's thread), not posted back to it.
        await foreach (var reply in replies.ConfigureAwait(false))
        {
            if (_run.ReplyAddress is not { } address)
            {
                continue;
            }

            _replyTopics ??= new Dictionary<string, object>(StringComparer.Ordinal);
            if (!_replyTopics.TryGetValue(address.Topic, out var topic))
            {
                topic = new TopicDefinition<string, TReply>(address.Topic, 1, Serialization.PrimitiveCodecs.Utf8String, definition.Codec);
                _replyTopics.Add(address.Topic, topic);
            }

            Context.Sender.Send((TopicDefinition<string, TReply>)topic, address.CorrelationId, reply);
        }
    }

    private Dictionary<string, object>? _replyTopics;

    public sealed override void ProcessBatch(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var context = Context;
        _running ??= Start();
        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var record = ref batch[i];
            if (record.Offset == _deadLettered)
            {
                // Dead-lettered when the agent failed on it; the records before it came again to the restarted agent.
                _deadLettered = -1;
                _run.Pushed(in record);
                _run.Settle();
                continue;
            }

            if (!_run.IsReady)
            {
                // The agent is busy (in an await of its own): this record comes again once it asks for the next.
                context.SuspendDelivery(record.Offset);
                return;
            }

            try
            {
                _run.Input.Push(batch, in record);
            }
            catch (Exception exception) when (exception is not AgentFailedException)
            {
                // An operator's function (Where, Select, GroupBy's key) threw on this record: the record fails, the agent goes on.
                context.StreamProcessingFailed(batch, in record, exception);
            }

            if (_running.IsCompleted)
            {
                Ended(batch, in record);
                return;
            }

            _run.Settle();
            if (context.IsSuspended)
            {
                Keep(batch, in record);
                return;
            }
        }

        if (batch.Count > 0 && context.Position < batch[^1].NextOffset)
        {
            // An operator holds records (a Take batch being filled): keep the last, should the agent fail on them later.
            Keep(batch, in batch[^1]);
        }
    }

    private StreamRun NewRun()
    {
        var run = new StreamRun(Context, Context.Agent.Stage);
        run.Input = Context.Agent.Topic.CreateStreamInput(run);
        return run;
    }

    private Task Start()
    {
        Task running;
        try
        {
            running = RunAgent() ?? throw new InvalidOperationException($"{Context.Agent.TypeName}.{MethodName} returned a null Task.");
        }
        catch (Exception exception)
        {
            running = Task.FromException(exception);
        }

        if (!running.IsCompleted)
        {
            // Ending later (an exception after an await): handled on the partition's thread.
            running.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() =>
                Context.Synchronization?.Post(state => ((StreamAgentPartition)state!).EndedLater(running), this));
        }

        return running;
    }

    private void AfterPostedWork()
    {
        if (_running is { IsCompleted: false })
        {
            _run.Settle();
        }
    }

    private void EndedLater(Task running)
    {
        if (running != _running || _last is not { Count: > 0 } last)
        {
            return; // handled already, or it ended before taking any record (the next batch handles it)
        }

        Ended(last, in last[0]);
    }

    /// <summary>
    /// The agent's method ended, with an exception or by returning while its stream still flows. By the error policy:
    /// stop, naming the record it was on; or dead-letter that record, go back to the oldest record not yet
    /// acknowledged, and run the method again (the records between come again: at-least-once).
    /// </summary>
    private void Ended(RecordBatch batch, in BatchRecord record)
    {
        var running = _running!;
        var failure = running.Exception?.InnerException ?? (Exception?)(running.IsCanceled ? new TaskCanceledException(running) : null) ??
            new InvalidOperationException(
                $"{Context.Agent.TypeName}.{MethodName} returned while its stream still had events. A stream agent reads its stream until its partition leaves; " +
                "to stop reading some events, filter them with Where.");
        var offset = record.Offset;
        var context = Context;
        context.StreamProcessingFailed(batch, in record, failure); // throws under ErrorPolicy.Stop

        var from = context.Position >= 0 ? Math.Min(context.Position, offset) : offset;
        _deadLettered = offset;
        _last = null;
        _run = NewRun();
        _running = null;
        context.SuspendDelivery(from);
        _running = Start();
        _run.Settle();
        if (!context.IsSuspended)
        {
            // The restarted agent waits for its first event: take the records again from the oldest not acknowledged.
            context.SuspendDelivery(from);
            context.ResumeDelivery();
        }
    }

    private void Keep(RecordBatch batch, in BatchRecord record)
    {
        _last ??= new RecordBatch(initialRecords: 1, initialBytes: 1024);
        _last.Reset(batch.Topic, batch.Partition);
        _last.Add(record.Offset, record.NextOffset, record.TimestampMs, batch.KeyOf(in record), record.KeyIsNull,
            batch.ValueOf(in record), record.ValueIsNull, batch.EncodedHeadersOf(in record));
    }
}
