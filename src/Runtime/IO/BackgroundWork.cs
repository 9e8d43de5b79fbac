using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
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

    private static readonly int Threads = Math.Max(4, Environment.ProcessorCount);
    private static readonly TaskScheduler Scheduler = new BackgroundScheduler();

    /// <summary>
    /// Runs <paramref name="work"/> on a background thread; the task completes with its result or exception. The work
    /// must not wait for other background work (there are only a few threads): syncing and hashing files is fine.
    /// </summary>
    public static Task<T> Run<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, Scheduler);
    }

    /// <summary>Runs <paramref name="work"/> on a background thread; it must report its own outcome (it must not throw).</summary>
    public static void Post(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Enqueue(work);
    }

    private static void Enqueue(Action work)
    {
        if (Volatile.Read(ref _started) == 0 && Interlocked.Exchange(ref _started, 1) == 0)
        {
            // As many as there are cores, and at least four: several partitions' checkpoints (a revoke, a shutdown) still
            // complete in parallel, and one blocked in a disk sync does not hold up the others.
            for (var i = 0; i < Threads; i++)
            {
                new Thread(Loop) { IsBackground = true, Name = "Faustish background " + i }.Start();
            }
        }

        Queue.Add(work);
    }

    private static void Loop()
    {
        BackgroundPriority.LowerCurrentThread();
        foreach (var work in Queue.GetConsumingEnumerable())
        {
            work();
        }
    }

    private sealed class BackgroundScheduler : TaskScheduler
    {
        public override int MaximumConcurrencyLevel => Threads;

        protected override void QueueTask(Task task) => Enqueue(() => TryExecuteTask(task));

        // Inline only on the background threads themselves: a task inlined elsewhere would run at the caller's priority.
        protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
            !taskWasPreviouslyQueued && Thread.CurrentThread.Name?.StartsWith("Faustish background ", StringComparison.Ordinal) == true && TryExecuteTask(task);

        protected override IEnumerable<Task>? GetScheduledTasks() => null;
    }
}
