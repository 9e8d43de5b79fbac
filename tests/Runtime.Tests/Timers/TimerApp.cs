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

[Topic("leader-ticks", Partitions = 4)]
public sealed partial class LeaderTicks : Topic<string, long>;

/// <summary>Which group member ran the leader's timer, in order; shared by the members of one test.</summary>
public sealed class LeaderRuns
{
    public ConcurrentQueue<string> Runs { get; } = new();

    public ConcurrentQueue<string> Events { get; } = new();
}

/// <summary>One group member's name, and where it notes its runs.</summary>
public sealed record LeaderMember(string Name, LeaderRuns Log);

/// <summary>An agent whose only work is a timer that runs on the leader: the member that owns partition 0.</summary>
[Agent(typeof(LeaderTicks))]
public sealed partial class TickOnLeader(LeaderMember member)
{
    public void Process(string key, long value) => member.Log.Events.Enqueue(key);

    [Timer("1s", OnLeader = true)]
    public void Tick() => member.Log.Runs.Enqueue(member.Name);
}
