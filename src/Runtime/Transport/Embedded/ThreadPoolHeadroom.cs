using System.Threading;

namespace Faustish.Transport.Embedded;

/// <summary>
/// FASTER finishes a log commit on a thread-pool thread that blocks until the commit record's write completes,
/// and that completion needs a pool thread too. With the pool's default minimum (one thread per core), a dozen
/// partitions committing together starve the pool until it injects threads (about two a second): commits took
/// ~3 s instead of ~15 ms on 2 cores. Raising the minimum once lets commits proceed without waiting for injection.
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
