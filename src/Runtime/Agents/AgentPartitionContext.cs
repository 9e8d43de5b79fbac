using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Faustish.Tables;
using Faustish.Tables.Windows;
using Faustish.Transport;
using System.ComponentModel;

namespace Faustish.Agents;

/// <summary>What one agent partition works with: its tables, its sender, its services, and its progress.</summary>
// Public for generated code in users' assemblies, which derives from or calls it; not for users to call.
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class AgentPartitionContext : IWindowContext
{
    private readonly IReadOnlyDictionary<TableDefinition, ITableShard> _shards;
    private readonly IRecordFailureHandler _failures;

    public AgentPartitionContext(AgentDefinition agent, TopicPartition source, RecordSender sender, IServiceProvider services,
        IReadOnlyDictionary<TableDefinition, ITableShard> shards, IRecordFailureHandler failures)
    {
        Agent = agent ?? throw new ArgumentNullException(nameof(agent));
        Source = source;
        Sender = sender ?? throw new ArgumentNullException(nameof(sender));
        Services = services ?? throw new ArgumentNullException(nameof(services));
        _shards = shards ?? throw new ArgumentNullException(nameof(shards));
        _failures = failures ?? throw new ArgumentNullException(nameof(failures));
        foreach (var shard in shards.Values)
        {
            if (shard is IWindowedShard windowed)
            {
                windowed.Bind(this);
            }
        }
    }

    public AgentDefinition Agent { get; }

    /// <summary>The partition this agent instance consumes.</summary>
    public TopicPartition Source { get; }

    /// <summary>Sends made by the agent go through this sender, so they are flushed before positions commit.</summary>
    public RecordSender Sender { get; }

    public IServiceProvider Services { get; }

    /// <summary>The event being processed.</summary>
    public EventContext Event { get; private set; }

    /// <summary>Stream time of this partition: the largest timestamp of the events it processed (Unix ms), or -1.</summary>
    public long StreamTimeMs { get; private set; } = -1;

    /// <summary>The offset to commit: just past the last record completed.</summary>
    public long Position { get; private set; } = -1;

    /// <summary>Records completed since the worker started this partition.</summary>
    public long Processed { get; private set; }

    /// <summary>The batch being processed (set by the worker), so late events can be dead-lettered as they came.</summary>
    public RecordBatch? Batch { get; set; }

    long IWindowContext.EventTimeMs => Event.Topic is null ? StreamTimeMs : Event.TimestampMs;

    long IWindowContext.WallClockMs => Sender.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    void IWindowContext.OnLateEvent(in LateEvent late) => _failures.OnLateEvent(this, in late);

    /// <summary>The user's table class of this partition for <paramref name="definition"/>.</summary>
    public T GetTable<T>(TableDefinition definition) where T : class
    {
        ArgumentNullException.ThrowIfNull(definition);
        return _shards.TryGetValue(definition, out var shard)
            ? (T)shard.Table
            : throw new InvalidOperationException(
                $"Agent {Agent.TypeName} asked for table '{definition.Name}', which is not among the tables it was registered with.");
    }

    /// <summary>Marks the start of a record's processing: sets <see cref="Event"/> and the timestamp of sends.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Begin(in BatchRecord record)
    {
        Event = new EventContext(Source.Topic, Source.Partition, record.Offset, record.TimestampMs);
        Sender.EventTimestampMs = record.TimestampMs;
        if (record.TimestampMs > StreamTimeMs)
        {
            StreamTimeMs = record.TimestampMs;
        }
    }

    /// <summary>Marks a record done; its next offset becomes the position to commit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Complete(in BatchRecord record)
    {
        Position = record.NextOffset;
        Processed++;
    }

    /// <summary>A record's key or value did not decode: it goes to the dead-letter topic, and processing goes on.</summary>
    public void DecodeFailed(RecordBatch batch, in BatchRecord record, Exception exception)
    {
        _failures.OnDecodeFailed(this, batch, in record, exception);
        Complete(in record);
    }

    /// <summary>
    /// The user's method threw. By policy, either stops the agent (throws <see cref="AgentFailedException"/>
    /// with the record's coordinates; the record is not completed) or dead-letters the record and goes on.
    /// </summary>
    public void ProcessingFailed(RecordBatch batch, in BatchRecord record, Exception exception)
    {
        _failures.OnProcessingFailed(this, batch, in record, exception);
        Complete(in record);
    }
}

/// <summary>Decides what happens to records that fail. The worker provides one that follows <see cref="ErrorPolicy"/>.</summary>
public interface IRecordFailureHandler
{
    void OnDecodeFailed(AgentPartitionContext context, RecordBatch batch, in BatchRecord record, Exception exception);

    /// <summary>Throws to stop the agent, or returns after dead-lettering the record.</summary>
    void OnProcessingFailed(AgentPartitionContext context, RecordBatch batch, in BatchRecord record, Exception exception);

    /// <summary>
    /// The event being processed came after a window of a windowed table closed: count it, and dead-letter the event
    /// when the table asks for it and no window took it. Does nothing unless implemented.
    /// </summary>
    void OnLateEvent(AgentPartitionContext context, in LateEvent late)
    {
    }
}

/// <summary>What to do when an agent's method throws.</summary>
public enum ErrorPolicy
{
    /// <summary>Stop the app, naming the record (topic, partition, offset). Nothing after it is committed. The default.</summary>
    Stop,

    /// <summary>Send the record to the dead-letter topic with the error in its headers, and go on.</summary>
    DeadLetter,
}

/// <summary>An agent's method threw on a record and the policy is <see cref="ErrorPolicy.Stop"/>.</summary>
public sealed class AgentFailedException : Exception
{
    public AgentFailedException() { }

    public AgentFailedException(string message) : base(message) { }

    public AgentFailedException(string message, Exception innerException) : base(message, innerException) { }
}
