using System;
using System.Threading;
using Faustish.Agents;
using Faustish.Transport;

namespace Faustish.Streams;

/// <summary>
/// One run of a stream agent's method on one partition: which records it has been given, which it still holds, and so
/// which offset may be committed (Faust's acknowledgement: an event is done once the agent asks for the next one, or
/// for the batch after the one that held it); and whether the partition's records may flow (the agent waits for its
/// next event) or must wait (it is busy in an await).
/// </summary>
internal sealed class StreamRun(AgentPartitionContext context, string? stage)
{
    private long _inHandsFrom = -1; // the oldest record of what the agent holds now (an event, or a Take batch)
    private long _heldFrom = -1; // the oldest record an operator buffers for the agent (Take's batch being filled)
    private long _pushedNext = -1; // just past the last record taken from the partition

    public AgentPartitionContext Context { get; } = context;

    /// <summary>Null for the agent's own topic; else the <c>GroupBy</c> name whose repartition topic this run reads.</summary>
    public string? Stage { get; } = stage;

    /// <summary>The stream this run's records arrive on (the agent's topic, or the repartition topic of <see cref="Stage"/>).</summary>
    public IStreamInput Input { get; set; } = null!;

    /// <summary>The reader at the end of the live stream, once the agent iterates it.</summary>
    public IStreamReader? Reader { get; set; }

    /// <summary>The live stream ends by forwarding to a repartition topic: records flow whatever the agent does.</summary>
    public bool Forwarding { get; set; }

    /// <summary>The agent can take the next record now.</summary>
    public bool IsReady => Forwarding || Reader is { IsWaiting: true };

    /// <summary>What to call the agent in messages.</summary>
    public string Agent => Context.Agent.TypeName;

    public TimeProvider Clock => Context.Sender.Clock;

    public void Pushed(in BatchRecord record)
    {
        _pushedNext = record.NextOffset;
        Context.CountProcessed();
    }

    /// <summary>The agent was handed what the records from <paramref name="from"/> on make.</summary>
    public void Delivered(long from)
    {
        _inHandsFrom = from;
        ReplyAddress = _pushedReplyAddress;
    }

    /// <summary>The agent yields replies: each record's reply address is read from its headers.</summary>
    public bool Replies => Context.Agent.Replies is not null;

    /// <summary>Where replies to what the agent was last handed go: the asker's topic and correlation id (null: nobody asked).</summary>
    public (string Topic, string CorrelationId)? ReplyAddress { get; private set; }

    private (string Topic, string CorrelationId)? _pushedReplyAddress;

    /// <summary>Notes the reply address of the record being pushed (an ask's headers), for the delivery it makes.</summary>
    public void NoteReplyAddress(RecordBatch batch, in BatchRecord record)
    {
        _pushedReplyAddress = null;
        if (record.HeadersLength == 0)
        {
            return;
        }

        string? topic = null;
        string? correlation = null;
        foreach (var header in batch.HeadersOf(in record))
        {
            if (header.Name == Agents.ReplyHeaders.ReplyTo)
            {
                topic = header.ValueAsString();
            }
            else if (header.Name == Agents.ReplyHeaders.CorrelationId)
            {
                correlation = header.ValueAsString();
            }
        }

        if (topic is not null && correlation is not null)
        {
            _pushedReplyAddress = (topic, correlation);
        }
    }

    /// <summary>An operator keeps <paramref name="offset"/>'s record for a later delivery.</summary>
    public void Held(long offset)
    {
        if (_heldFrom < 0)
        {
            _heldFrom = offset;
        }
    }

    /// <summary>An operator delivers what it kept: returns the oldest kept offset.</summary>
    public long ReleaseHeld()
    {
        var from = _heldFrom;
        _heldFrom = -1;
        return from;
    }

    /// <summary>The agent asked for its next event: what it held is done.</summary>
    public void Released() => _inHandsFrom = -1;

    /// <summary>
    /// After the agent ran (a record pushed, an await ended): moves the position to commit up to the oldest record still
    /// held or in the agent's hands, and lets records flow or stops them.
    /// </summary>
    public void Settle()
    {
        if (_pushedNext < 0)
        {
            if (IsReady)
            {
                Context.ResumeDelivery();
            }

            return;
        }

        var from = _inHandsFrom < 0 ? _heldFrom : _heldFrom < 0 ? _inHandsFrom : Math.Min(_inHandsFrom, _heldFrom);
        Context.AcknowledgeThrough(from >= 0 ? from : _pushedNext);
        if (IsReady)
        {
            Context.ResumeDelivery();
        }
        else
        {
            Context.SuspendDelivery(_pushedNext);
        }
    }

    /// <summary>Runs <paramref name="callback"/> on the partition's thread (from a timer's thread).</summary>
    public void Post(SendOrPostCallback callback, object state) =>
        (Context.Synchronization ?? throw new InvalidOperationException($"Agent {Agent} runs without a host for its timers.")).Post(callback, state);
}

/// <summary>Where a run's records enter: decodes a record and pushes it down the live stream.</summary>
internal interface IStreamInput
{
    /// <summary>The stream records of this input arrive on (a <c>Stream&lt;TKey, TValue&gt;</c>).</summary>
    object Stream { get; }

    /// <summary>Decodes and pushes one record; false when it did not decode (it went to the failure handler).</summary>
    bool Push(RecordBatch batch, in BatchRecord record);
}

/// <summary>The end of a stream the agent awaits.</summary>
internal interface IStreamReader
{
    /// <summary>The agent awaits its next item.</summary>
    bool IsWaiting { get; }
}

/// <summary>What a stream feeds: an operator or a reader.</summary>
internal interface IStreamSink<TKey, TValue>
{
    void OnNext(TKey key, TValue value, RecordBatch batch, in BatchRecord record);
}
