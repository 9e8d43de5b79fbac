using System;
using System.Threading;

namespace Faustish.Agents;

/// <summary>
/// What runs an agent partition's asynchronous work: a worker (on its own thread, between batches) or the test context.
/// Agent code that awaits I/O gives its partition up until the await completes; the host keeps delivering the records of
/// its other partitions meanwhile, and brings the continuation back to the partition's thread.
/// </summary>
internal interface IAgentPartitionHost
{
    /// <summary>Queues <paramref name="callback"/> to run on the partition's thread. Any thread may call it.</summary>
    void Post(PartitionSynchronizationContext partition, SendOrPostCallback callback, object? state);

    /// <summary>
    /// Stops delivering records of the partition: the agent is busy with an event. The next record delivered once it
    /// resumes is the one at <paramref name="resumeAt"/>.
    /// </summary>
    void Suspend(AgentPartitionContext partition, long resumeAt);

    /// <summary>The agent is ready for records of the partition again.</summary>
    void Resume(AgentPartitionContext partition);
}

/// <summary>
/// The <see cref="SynchronizationContext"/> agent code of one partition runs under. An <c>await</c> in an agent captures
/// it, so its continuation is posted back to the partition's thread instead of running on the thread pool beside the
/// worker: tables and sends are only ever touched from one thread, as in a synchronous agent. When the partition leaves
/// this process (a rebalance, a stop), its context is abandoned: continuations posted to it afterwards never run, and
/// the event they belonged to, never completed, is processed again by the partition's next owner.
/// </summary>
internal sealed class PartitionSynchronizationContext(IAgentPartitionHost host, AgentPartitionContext partition) : SynchronizationContext
{
    private volatile bool _abandoned;

    public AgentPartitionContext Partition { get; } = partition;

    /// <summary>The partition left: nothing posted to it runs any more.</summary>
    public bool IsAbandoned => _abandoned;

    public void Abandon() => _abandoned = true;

    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (!_abandoned)
        {
            host.Post(this, d, state);
        }
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException(
            $"Agent {Partition.Agent.TypeName} waited synchronously for work of its own partition {Partition.Source}, which would block it for good. Use await instead of .Result or .Wait().");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs <paramref name="callback"/> with this context current, as agent code of the partition runs.</summary>
    public void Run(SendOrPostCallback callback, object? state)
    {
        var previous = Current;
        SetSynchronizationContext(this);

        // The rest of an event that awaited sends at the event's time, as its start did (timers and hooks: at the clock's).
        Partition.Sender.EventTimestampMs = Partition.IsSuspended && Partition.Event.Topic is not null ? Partition.Event.TimestampMs : null;
        try
        {
            callback(state);
            Partition.AfterPostedWork?.Invoke();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <summary>Makes this context current until the scope is disposed: agent code called in it posts its continuations here.</summary>
    public Scope Enter() => new(this);

    public readonly struct Scope : IDisposable
    {
        private readonly SynchronizationContext? _previous;

        internal Scope(PartitionSynchronizationContext context)
        {
            _previous = Current;
            SetSynchronizationContext(context);
        }

        public void Dispose() => SetSynchronizationContext(_previous);
    }
}
