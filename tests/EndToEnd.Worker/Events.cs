using Faustish;

namespace Faustish.EndToEnd.Worker;

/// <summary>An event of the crash tests: its sequence number in the input (unique) and the key it counts under.</summary>
public readonly record struct CountedEvent(long Seq, long Key);

/// <summary>What <see cref="CountAndForward"/> sends for every event: keyed by the event's sequence number.</summary>
public readonly record struct ForwardedEvent(long Seq, long Key, long CountAfter);

[Topic("crash-events", Partitions = 4)]
public sealed partial class CrashEvents : Topic<long, CountedEvent>;

/// <summary>
/// Output of <see cref="CountAndForward"/>. Keyed by sequence number, so both workers write every partition and
/// their transactions interleave in each partition's log.
/// </summary>
[Topic("crash-forwarded", Partitions = 4)]
public sealed partial class CrashForwarded : Topic<long, ForwardedEvent>;

[Table("crash-counts")]
public sealed partial class CrashCounts : Table<long, long>;

/// <summary>Events per key per day of event time (the crash tests give event i the time epoch + i seconds).</summary>
[Table("crash-daily", Window = "tumbling 1d", Expires = "30d")]
public sealed partial class CrashDaily : WindowedTable<long, long>;

/// <summary>
/// Counts events per key into a table and a windowed table, and forwards a derived record per event (the crash
/// tests' agent; two worker threads).
/// </summary>
[Agent(typeof(CrashEvents), Concurrency = 2)]
public sealed partial class CountAndForward(CrashCounts counts, CrashDaily daily, CrashForwarded forwarded)
{
    /// <summary>Every this many events processed by the process, a "crash-progress" line on stdout (the test kills on progress).</summary>
    public const int ProgressEvery = 5_000;

    private static long s_processed;

    public void Process(long key, CountedEvent counted)
    {
        var after = counts.Increment(key);
        daily.Increment(key);
        forwarded.Send(counted.Seq, new ForwardedEvent(counted.Seq, key, after));
        if (System.Threading.Interlocked.Increment(ref s_processed) % ProgressEvery == 0)
        {
            System.Console.WriteLine("crash-progress");
        }
    }
}
