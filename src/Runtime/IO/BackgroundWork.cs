using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace Faustish.IO;

/// <summary>
/// A few long-lived threads at a lowered priority (<see cref="BackgroundPriority"/>) for CPU- and I/O-heavy background
/// work that must not take cores from worker threads, such as hashing and syncing a checkpoint's files. Not the thread
/// pool: the work blocks on disk syncs, and lowering a pool thread's priority would slow whatever it runs next.
/// </summary>
internal static class BackgroundWork
{
    private static readonly BlockingCollection<Action> Queue = [];
    private static int _started;

    /// <summary>Runs <paramref name="work"/> on a background thread; the task completes with its result or exception.</summary>
    public static Task<T> Run<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        EnsureStarted();
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Queue.Add(() =>
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception e)
            {
                completion.SetException(e);
            }
        });
        return completion.Task;
    }

    private static void EnsureStarted()
    {
        if (Volatile.Read(ref _started) != 0 || Interlocked.Exchange(ref _started, 1) != 0)
        {
            return;
        }

        // As many as there are cores: several partitions' checkpoints (a revoke, a shutdown) still complete in parallel.
        for (var i = 0; i < Math.Max(2, Environment.ProcessorCount); i++)
        {
            new Thread(Loop) { IsBackground = true, Name = "Faustish background " + i }.Start();
        }
    }

    private static void Loop()
    {
        BackgroundPriority.LowerCurrentThread();
        foreach (var work in Queue.GetConsumingEnumerable())
        {
            work();
        }
    }
}
