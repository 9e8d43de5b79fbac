using System.Collections.Concurrent;
using System.Threading;

namespace Faustish.Agents;

/// <summary>
/// Continuations of agent code posted back to the thread that owns its partitions (see
/// <see cref="PartitionSynchronizationContext"/>). Any thread posts; the owner runs them between batches.
/// </summary>
internal sealed class PostedWork
{
    /// <summary>At most this many run per turn, so a continuation that keeps posting cannot hold the thread from fetching.</summary>
    private const int MaxPerTurn = 10_000;

    private readonly ConcurrentQueue<Item> _queue = new();

    public bool IsEmpty => _queue.IsEmpty;

    public void Enqueue(PartitionSynchronizationContext partition, SendOrPostCallback callback, object? state) =>
        _queue.Enqueue(new Item(partition, callback, state));

    /// <summary>Runs what is queued, each under its partition's context; skips work of partitions that left. Returns how many ran.</summary>
    public int Run()
    {
        var ran = 0;
        while (ran < MaxPerTurn && _queue.TryDequeue(out var item))
        {
            if (item.Partition.IsAbandoned)
            {
                continue;
            }

            item.Partition.Run(item.Callback, item.State);
            ran++;
        }

        return ran;
    }

    private readonly record struct Item(PartitionSynchronizationContext Partition, SendOrPostCallback Callback, object? State);
}
