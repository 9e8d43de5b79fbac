using System;

namespace Faustish;

/// <summary>
/// Runs a method of an agent class on an interval, like Faust's <c>@app.timer</c>. The method is an instance method
/// that takes no parameters (or a <see cref="System.Threading.CancellationToken"/>) and returns <c>void</c> or
/// <see cref="System.Threading.Tasks.Task"/>. It runs on the agent's worker thread between batches, never at the same
/// time as <c>Process</c>, once per partition the worker owns (each partition has its own agent instance and tables),
/// or only on the instance of partition 0 with <see cref="OnLeader"/>. Its table writes and sends are committed with
/// the next commit, as an event's are. See docs/timers.md.
/// </summary>
/// <example>
/// <code>
/// [Timer("10s", OnLeader = true)]
/// public void Report() =&gt; alerts.Send("report", new Report(counts["home"]));
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class TimerAttribute(string interval) : Attribute
{
    /// <summary>
    /// How often the method runs: a number and a unit (<c>500ms</c>, <c>10s</c>, <c>1m</c>, <c>1h</c>, <c>1d</c>) or a
    /// <see cref="TimeSpan"/> in its invariant form (<c>00:00:10</c>). The first run comes one interval after the
    /// partition starts processing; a run that overruns the interval makes the next ticks be skipped, not piled up.
    /// </summary>
    public string Interval { get; } = interval;

    /// <summary>Run on exactly one process of the group: the one that owns partition 0 of the agent's topic.</summary>
    public bool OnLeader { get; init; }
}

/// <summary>
/// Runs a method of an agent class on a cron schedule, like Faust's <c>@app.crontab</c>: five fields (minute hour
/// day-of-month month day-of-week) or six with seconds first, as Cronos reads them. Same rules for the method as
/// <see cref="TimerAttribute"/>.
/// </summary>
/// <example>
/// <code>
/// [Crontab("0 9 * * MON-FRI", TimeZone = "Europe/Paris", OnLeader = true)]
/// public void MorningReport() { ... }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class CrontabAttribute(string expression) : Attribute
{
    /// <summary>The cron expression.</summary>
    public string Expression { get; } = expression;

    /// <summary>The time zone the expression is read in (an IANA or Windows id: <c>Europe/Paris</c>); UTC when not set.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Run on exactly one process of the group: the one that owns partition 0 of the agent's topic.</summary>
    public bool OnLeader { get; init; }
}

/// <summary>
/// Runs a method of an agent class once when a partition's agent instance starts processing (after its tables are
/// restored, before its first event). The method takes no parameters and returns <c>void</c> or a <c>Task</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OnStartAttribute : Attribute;

/// <summary>
/// Runs a method of an agent class once when a partition's agent instance stops (the worker stops, or the partition is
/// revoked in an orderly rebalance), before the commit that follows, so its table writes and sends are committed.
/// The method takes no parameters and returns <c>void</c> or a <c>Task</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OnStopAttribute : Attribute;
