using System.Threading;

namespace Faustish.IO;

/// <summary>
/// FASTER finishes a log commit, and a key-value store's checkpoint, on thread-pool threads that block until a write
/// completes, and that completion needs a pool thread too. With the pool's default minimum (one thread per core), a
/// dozen partitions committing or checkpointing together starve the pool until it injects threads (about two a
/// second): embedded-log commits took ~3 s instead of ~15 ms on 2 cores, and the checkpoints every table partition
/// takes when a Kafka worker stops took 4–13 s instead of under 0.6 s (their partitions' new owners waited for them).
/// Raising the minimum once lets them proceed without waiting for injection.
/// </summary>
internal static class ThreadPoolHeadroom
{
    private const int MinimumWorkerThreads = 64;

    public static void Ensure()
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        if (workers < MinimumWorkerThreads)
        {
            ThreadPool.SetMinThreads(MinimumWorkerThreads, completionPorts);
        }
    }
}
