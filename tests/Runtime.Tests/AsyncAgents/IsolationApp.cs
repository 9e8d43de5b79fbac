using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Faustish;
using Faustish.Agents;

namespace Faustish.Tests.AsyncAgents;

[Topic("isolation-events", Partitions = 2)]
public sealed partial class IsolationEvents : Topic<long, long>;

/// <summary>Events processed per partition (the key is the partition number).</summary>
[Table("isolation-counts")]
public sealed partial class IsolationCounts : Table<long, long>;

/// <summary>What the test holds: the await the blocking event waits on, and what the agent saw.</summary>
public sealed class IsolationGate
{
    /// <summary>The value of the event that waits on <see cref="Release"/>.</summary>
    public const long Blocking = -1;

    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Values processed, per partition, in the order they were processed.</summary>
    public ConcurrentQueue<(int Partition, long Value)> Processed { get; } = new();

    /// <summary>The threads table writes ran on (all of them must be the worker's).</summary>
    public ConcurrentDictionary<int, int> Threads { get; } = new();
}

/// <summary>Counts events per partition; the blocking event awaits the test's <see cref="IsolationGate.Release"/> first.</summary>
[Agent(typeof(IsolationEvents))]
public sealed partial class WaitOnGate(IsolationCounts counts, IsolationGate gate)
{
    public async Task ProcessAsync(long key, long value, EventContext context)
    {
        if (value == IsolationGate.Blocking)
        {
            gate.Entered.TrySetResult();
            await gate.Release.Task;
        }

        gate.Threads.TryAdd(Environment.CurrentManagedThreadId, 0);
        counts[context.Partition] += 1;
        gate.Processed.Enqueue((context.Partition, value));
    }
}
