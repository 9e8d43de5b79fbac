using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
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

    /// <summary>
    /// Who runs this partition's asynchronous work (the worker or the test context). Without one, an agent's pending
    /// await is waited for on the calling thread.
    /// </summary>
    internal IAgentPartitionHost? Host
    {
        get;
        init
        {
            field = value;
            Synchronization = value is null ? null : new PartitionSynchronizationContext(value, this);
        }
    }

    /// <summary>The context agent code of this partition runs under, so its awaits come back to the partition's thread.</summary>
    internal PartitionSynchronizationContext? Synchronization { get; private set; }

    /// <summary>The agent is in the middle of an event that awaits: no record of the partition is delivered until it ends.</summary>
    public bool IsSuspended { get; private set; }

    /// <summary>Runs after every piece of agent code posted back to this partition (a stream agent settles what it acknowledged).</summary>
    internal Action? AfterPostedWork { get; set; }

    /// <summary>Stops delivering the partition's records; the next delivered once <see cref="ResumeDelivery"/> is called is at <paramref name="resumeAt"/>.</summary>
    internal void SuspendDelivery(long resumeAt)
    {
        if (IsSuspended)
        {
            return;
        }

        IsSuspended = true;
        Host?.Suspend(this, resumeAt);
    }

    /// <summary>Delivers the partition's records again.</summary>
    internal void ResumeDelivery()
    {
        if (!IsSuspended)
        {
            return;
        }

        IsSuspended = false;
        Host?.Resume(this);
    }

    /// <summary>Records before <paramref name="nextOffset"/> are done: the position to commit moves there.</summary>
    internal void AcknowledgeThrough(long nextOffset)
    {
        if (nextOffset > Position)
        {
            Position = nextOffset;
        }
    }

    /// <summary>A record was taken by the agent (counted as processed).</summary>
    internal void CountProcessed() => Processed++;

    private Task? _awaited;
    private RecordBatch? _held; // the suspended event's record, kept for the dead-letter topic should it fail
    private long _heldTimestampMs; // the suspended event's time (its record's timestamp, or the one taken from its value)

    /// <summary>
    /// The agent's method returned <paramref name="pending"/> for <paramref name="record"/> without finishing. The
    /// partition waits for it — its later records are delivered again once it ends, the same worker meanwhile serving
    /// its other partitions — and the record completes (its offset may be committed) only when it has ended. The
    /// generated loop returns after this call.
    /// </summary>
    public void Suspend(ValueTask pending, RecordBatch batch, in BatchRecord record) => Suspend(pending.AsTask(), batch, in record);

    /// <inheritdoc cref="Suspend(ValueTask, RecordBatch, in BatchRecord)"/>
    public void Suspend(Task pending, RecordBatch batch, in BatchRecord record)
    {
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(batch);
        if (_awaited is not null)
        {
            throw new InvalidOperationException($"Partition {Source} of agent {Agent.TypeName} is already waiting for an event.");
        }

        if (Host is not { } host || Synchronization is not { } synchronization)
        {
            // No host to hand the partition back to (a caller of the loop without one): wait here.
            try
            {
                pending.GetAwaiter().GetResult();
            }
            catch (Exception exception)
            {
                ProcessingFailed(batch, in record, exception);
                return;
            }

            Complete(in record);
            return;
        }

        _held ??= new RecordBatch(initialRecords: 1, initialBytes: 1024);
        _held.Reset(batch.Topic, batch.Partition);
        _held.Add(record.Offset, record.NextOffset, record.TimestampMs, batch.KeyOf(in record), record.KeyIsNull,
            batch.ValueOf(in record), record.ValueIsNull, batch.EncodedHeadersOf(in record));
        _heldTimestampMs = Event.TimestampMs;
        _awaited = pending;
        SuspendDelivery(record.NextOffset);

        // Whatever thread finishes the await, the end of the event is handled on the partition's thread.
        pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => synchronization.Post(static state => ((AgentPartitionContext)state!).EndSuspendedEvent(), this));
    }

    /// <summary>The event the partition waited for has ended: complete it (or handle its failure) and take records again.</summary>
    private void EndSuspendedEvent()
    {
        if (_awaited is not { } awaited || _held is not { } held)
        {
            return;
        }

        _awaited = null;
        Sender.EventTimestampMs = _heldTimestampMs;
        try
        {
            try
            {
                awaited.GetAwaiter().GetResult();
            }
            catch (Exception exception)
            {
                ProcessingFailed(held, in held[0], exception);
                return;
            }

            Complete(in held[0]);
        }
        finally
        {
            Sender.EventTimestampMs = null;
            ResumeDelivery();
        }
    }

    /// <summary>The app this partition's agent runs in (names its repartition topics).</summary>
    internal string AppId { get; init; } = "";

    /// <summary>The user's table class of this partition for <paramref name="definition"/>.</summary>
    public T GetTable<T>(TableDefinition definition) where T : class
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (_shards.TryGetValue(definition, out var shard))
        {
            return (T)shard.Table;
        }

        if (System.Linq.Enumerable.Contains(Agent.DetachedTables, definition))
        {
            // A stage before the agent's last GroupBy: the table lives where the re-keyed events arrive. The agent gets
            // a table that says so on any use, instead of a wrong partition's data.
            var detached = definition.OpenShard(Source.Partition, StoreKind.Memory, new StoreOptions("", 0));
            detached.Detach(
                $"Agent {Agent.TypeName} used table '{definition.Name}' before its GroupBy: the table is partitioned by the key GroupBy gives, and only the code after it (where the re-keyed events arrive) may use it. Move the table's use after the GroupBy.");
            return (T)detached.Table;
        }

        throw new InvalidOperationException(
            $"Agent {Agent.TypeName} asked for table '{definition.Name}', which is not among the tables it was registered with.");
    }

    /// <summary>A stream agent's record did not decode: it goes to the dead-letter topic; the stream acknowledges it.</summary>
    internal void StreamDecodeFailed(RecordBatch batch, in BatchRecord record, Exception exception) =>
        _failures.OnDecodeFailed(this, batch, in record, exception);

    /// <summary>A stream agent's record has no usable event time: by policy, stop (throws) or dead-letter it; the stream acknowledges it.</summary>
    internal void StreamTimestampFailed(RecordBatch batch, in BatchRecord record, Exception exception) =>
        _failures.OnTimestampFailed(this, batch, in record, exception);

    /// <summary>A stream agent failed on <paramref name="record"/>: by policy, stop (throws) or dead-letter it.</summary>
    internal void StreamProcessingFailed(RecordBatch batch, in BatchRecord record, Exception exception) =>
        _failures.OnProcessingFailed(this, batch, in record, exception);

    /// <summary>Marks the start of a record's processing at the record's own timestamp: sets <see cref="Event"/> and the timestamp of sends.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Begin(in BatchRecord record) => Begin(in record, record.TimestampMs);

    /// <summary>
    /// Marks the start of a record's processing at event time <paramref name="timestampMs"/> (Unix ms, taken from its
    /// value when its topic says so): sets <see cref="Event"/>, the timestamp of sends, and stream time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Begin(in BatchRecord record, long timestampMs)
    {
        if (Inputs is { } inputs)
        {
            // The partition's other inputs first: their records up to this event's time (a join's right side, tables fed by topics).
            inputs.AdvanceTo(timestampMs, this);
        }

        Event = new EventContext(Source.Topic, Source.Partition, record.Offset, timestampMs);
        Sender.EventTimestampMs = timestampMs;
        if (timestampMs > StreamTimeMs)
        {
            StreamTimeMs = timestampMs;
        }
    }

    /// <summary>
    /// The inputs of this partition besides its topic (a join's right side, tables fed by topics), applied in time order
    /// with its records; null when it has none. Set by the worker once the partition's tables are restored.
    /// </summary>
    internal Joins.TimedInputs? Inputs { get; set; }

    /// <summary>The join of a join agent's partition, once its generated code asked for it.</summary>
    internal Joins.JoinTask? JoinTask { get; private set; }

    /// <summary>The join of this partition (a join agent's), bound to the agent's generated code, which is given its results.</summary>
    public Joins.JoinTask<TKey, TLeft, TRight> Join<TKey, TLeft, TRight>(Joins.IJoinTarget<TKey, TLeft, TRight> target) where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(target);
        var definition = Agent.Join as Joins.JoinDefinition<TKey, TLeft, TRight> ?? throw new InvalidOperationException(
            $"Agent {Agent.TypeName} asked for a join of {typeof(TKey).Name}, {typeof(TLeft).Name} and {typeof(TRight).Name}, but it was registered with " +
            (Agent.Join is null ? "none" : $"one of {Agent.Join.Left.KeyType.Name}, {Agent.Join.Left.ValueType.Name} and {Agent.Join.Right.ValueType.Name}") + ".");
        var state = (Joins.JoinState<TKey, TLeft, TRight>)ShardOf(definition.StateTable(Agent.Name));
        var task = new Joins.JoinTask<TKey, TLeft, TRight>(this, definition, state, target);
        JoinTask = task;
        return task;
    }

    /// <summary>The left side of this partition's foreign-key join (a join agent's with <c>ForeignKey</c>), bound to the agent's generated code.</summary>
    public Joins.ForeignKeyJoinTask<TKey, TLeft, TForeignKey, TRight> ForeignKeyJoin<TKey, TLeft, TForeignKey, TRight>(Joins.IJoinTarget<TKey, TLeft, TRight> target)
        where TKey : notnull where TForeignKey : notnull
    {
        ArgumentNullException.ThrowIfNull(target);
        var definition = Agent.Join as Joins.ForeignKeyJoinDefinition<TKey, TLeft, TForeignKey, TRight> ?? throw new InvalidOperationException(
            $"Agent {Agent.TypeName} asked for a foreign-key join of {typeof(TKey).Name}, {typeof(TLeft).Name}, {typeof(TForeignKey).Name} and {typeof(TRight).Name}, but it was registered with " +
            (Agent.Join is null ? "no join" : $"a join of {Agent.Join.Left.KeyType.Name}, {Agent.Join.Left.ValueType.Name}, {Agent.Join.Right.KeyType.Name} and {Agent.Join.Right.ValueType.Name}") + ".");
        var state = (Joins.JoinState<TKey, TLeft, TRight>)ShardOf(definition.StateTable(Agent.Name));
        var task = new Joins.ForeignKeyJoinTask<TKey, TLeft, TForeignKey, TRight>(this, definition, state, target);
        JoinTask = task;
        return task;
    }

    /// <summary>A partition written by the runtime (a foreign-key join's subscription stage) that has other inputs to open.</summary>
    internal void UseJoin(Joins.JoinTask task) => JoinTask = task;

    /// <summary>A record of another input is being applied: it is the event now (its coordinates and time for sends and messages).</summary>
    internal void BeginSide(RecordBatch batch, in BatchRecord record, long timestampMs)
    {
        Event = new EventContext(batch.Topic, batch.Partition, record.Offset, timestampMs);
        Sender.EventTimestampMs = timestampMs;
    }

    /// <summary>A record of another input (a join's right side) did not decode: it goes to the dead-letter topic.</summary>
    internal void SideDecodeFailed(RecordBatch batch, in BatchRecord record, Exception exception) =>
        _failures.OnDecodeFailed(this, batch, in record, exception);

    /// <summary>
    /// The agent threw on a record of another input: by policy, stop naming that record (its topic, not the agent's), or
    /// dead-letter it.
    /// </summary>
    internal void SideProcessingFailed(RecordBatch batch, in BatchRecord record, Exception exception)
    {
        try
        {
            _failures.OnProcessingFailed(this, batch, in record, exception);
        }
        catch (AgentFailedException)
        {
            throw new AgentFailedException(
                $"Agent {Agent.TypeName} threw on record {batch.Topic}[{batch.Partition}]@{record.Offset} (the right side of its join): {exception.GetType().Name}: {exception.Message} " +
                "Processing stopped there; a restart resumes at this record. Fix the agent, or set Faustish:ErrorPolicy=DeadLetter to move such records to the dead-letter topic and go on.",
                exception);
        }
    }

    /// <summary>A record of another input has no usable event time: by policy, stop naming it, or dead-letter it.</summary>
    internal void SideTimestampFailed(RecordBatch batch, in BatchRecord record, Exception exception)
    {
        try
        {
            _failures.OnTimestampFailed(this, batch, in record, exception);
        }
        catch (AgentFailedException)
        {
            throw new AgentFailedException(
                $"Record {batch.Topic}[{batch.Partition}]@{record.Offset} (the right side of agent {Agent.TypeName}'s join) has no usable event time: {exception.Message} " +
                "Processing stopped there; a restart resumes at this record. Fix what writes it, or set Faustish:ErrorPolicy=DeadLetter to move such records to the dead-letter topic and go on.",
                exception);
        }
    }

    /// <summary>A join could not join a record: say so with its coordinates (never silently).</summary>
    internal void JoinRecordSkipped(string topic, long timestampMs, string why) =>
        _failures.OnJoinRecordSkipped(this, topic, Event.Offset, timestampMs, why);

    private ITableShard ShardOf(TableDefinition definition) =>
        _shards.TryGetValue(definition, out var shard) ? shard : throw new InvalidOperationException(
            $"Agent {Agent.TypeName} has no partition of table '{definition.Name}' here.");

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
    /// A record has no usable event time (its topic's Timestamp gave a time before 1970, or threw): by policy, either
    /// stops the agent (throws <see cref="AgentFailedException"/> naming the record; the record is not completed) or
    /// dead-letters the record and goes on.
    /// </summary>
    public void TimestampFailed(RecordBatch batch, in BatchRecord record, Exception exception)
    {
        _failures.OnTimestampFailed(this, batch, in record, exception);
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
    /// The record has no usable event time (see <c>[Topic(Timestamp = ...)]</c>). Throws to stop the agent, or returns
    /// after dead-lettering the record. Unless implemented, handled as <see cref="OnProcessingFailed"/> is.
    /// </summary>
    void OnTimestampFailed(AgentPartitionContext context, RecordBatch batch, in BatchRecord record, Exception exception) =>
        OnProcessingFailed(context, batch, in record, exception);

    /// <summary>
    /// The event being processed came after a window of a windowed table closed: count it, and dead-letter the event
    /// when the table asks for it and no window took it. Does nothing unless implemented.
    /// </summary>
    void OnLateEvent(AgentPartitionContext context, in LateEvent late)
    {
    }

    /// <summary>A join could not join a record (e.g. a stream record without a value): log it with its coordinates. Does nothing unless implemented.</summary>
    void OnJoinRecordSkipped(AgentPartitionContext context, string topic, long offset, long timestampMs, string why)
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
