using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish;

namespace Faustish.Tests.Timers;

[Topic("timer-clicks", Partitions = 2)]
public sealed partial class TimerClicks : Topic<string, long>;

[Topic("timer-reports", Partitions = 1)]
public sealed partial class TimerReports : Topic<string, long>;

[Table("timer-click-counts")]
public sealed partial class TimerClickCounts : Table<string, long>;

/// <summary>What the timer agent's scheduled methods did, on which partition and at which (fake) time.</summary>
public sealed class TimerLog(TimeProvider clock)
{
    public ConcurrentQueue<(string What, int Partition, DateTimeOffset At)> Entries { get; } = new();

    public void Add(string what, int partition) => Entries.Enqueue((what, partition, clock.GetUtcNow()));

    public (string What, int Partition, DateTimeOffset At)[] Of(string what) => [.. Entries.Where(e => e.What == what)];
}

/// <summary>
/// Counts clicks per page; every 10 seconds reports the counts of its partition to <see cref="TimerReports"/>; once a
/// night (Paris time) the leader notes a nightly run; the hooks note when each partition starts and stops.
/// </summary>
[Agent(typeof(TimerClicks))]
public sealed partial class CountTimerClicks(TimerClickCounts counts, TimerReports reports, TimerLog log)
{
    public void Process(string page, long clicks) => counts[page] += clicks;

    [Timer("10s")]
    public void Report()
    {
        log.Add("report", counts.Partition);
        foreach (var (page, clicks) in counts.Entries())
        {
            reports.Send(page, clicks);
        }
    }

    [Crontab("30 2 * * *", TimeZone = "Europe/Paris", OnLeader = true)]
    public Task Nightly(CancellationToken cancellationToken)
    {
        log.Add("nightly", counts.Partition);
        return Task.CompletedTask;
    }

    [OnStart]
    public void Started() => log.Add("start", counts.Partition);

    /// <summary>Sends a last record, which the commit that follows the hook makes durable.</summary>
    [OnStop]
    public async Task Stopping()
    {
        await Task.Yield();
        log.Add("stop", counts.Partition);
        reports.Send($"stopped-{counts.Partition}", counts.Entries().Count());
    }
}
