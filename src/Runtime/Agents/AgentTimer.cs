using System;
using System.ComponentModel;
using System.Globalization;
using Cronos;

namespace Faustish.Agents;

/// <summary>
/// One <c>[Timer]</c> or <c>[Crontab]</c> method of an agent: when it runs and where. The generator lists them in the
/// agent's <see cref="AgentDefinition.Timers"/>, in source order; the worker calls
/// <see cref="AgentPartition.RunTimer"/> with the timer's index in that list.
/// </summary>
public sealed class AgentTimer
{
    private readonly TimeSpan _interval;
    private readonly Lazy<(CronExpression Expression, TimeZoneInfo Zone)>? _cron;

    private AgentTimer(string method, TimeSpan interval, string? expression, string? timeZone, bool onLeader)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        Method = method;
        _interval = interval;
        Expression = expression;
        TimeZone = timeZone;
        OnLeader = onLeader;
        if (expression is not null)
        {
            _cron = new(() => ParseCron(method, expression, timeZone));
        }
    }

    /// <summary>A timer that runs every <paramref name="interval"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static AgentTimer Every(string method, TimeSpan interval, bool onLeader)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        return new AgentTimer(method, interval, null, null, onLeader);
    }

    /// <summary>A timer that runs at the instants of a cron expression, read in <paramref name="timeZone"/> (UTC when null).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static AgentTimer Cron(string method, string expression, string? timeZone, bool onLeader)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        return new AgentTimer(method, TimeSpan.Zero, expression, timeZone, onLeader);
    }

    /// <summary>The method's name.</summary>
    public string Method { get; }

    /// <summary>The interval of a <c>[Timer]</c>; null for a <c>[Crontab]</c>.</summary>
    public TimeSpan? Interval => _cron is null ? _interval : null;

    /// <summary>The cron expression of a <c>[Crontab]</c>; null for a <c>[Timer]</c>.</summary>
    public string? Expression { get; }

    /// <summary>The time zone a cron expression is read in; null for UTC.</summary>
    public string? TimeZone { get; }

    /// <summary>Runs only on the process that owns partition 0 of the agent's topic.</summary>
    public bool OnLeader { get; }

    /// <summary>Checks the cron expression and time zone; throws with what to change when either is wrong.</summary>
    internal void Validate() => _ = _cron?.Value;

    /// <summary>
    /// The first time the timer is due strictly after <paramref name="after"/>, for a schedule that started at
    /// <paramref name="start"/> (interval timers tick at <c>start + k × interval</c>); null when a cron expression
    /// never fires again.
    /// </summary>
    internal DateTimeOffset? NextAfter(DateTimeOffset start, DateTimeOffset after)
    {
        if (_cron is null)
        {
            if (after < start)
            {
                return start + _interval;
            }

            var ticks = (after - start).Ticks / _interval.Ticks + 1;
            return start + TimeSpan.FromTicks(ticks * _interval.Ticks);
        }

        var (expression, zone) = _cron.Value;
        return expression.GetNextOccurrence(after, zone, inclusive: false);
    }

    public override string ToString() => _cron is null
        ? string.Create(CultureInfo.InvariantCulture, $"every {_interval}")
        : $"cron '{Expression}' in {TimeZone ?? "UTC"}";

    private static (CronExpression, TimeZoneInfo) ParseCron(string method, string expression, string? timeZone)
    {
        CronExpression parsed;
        try
        {
            var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            parsed = CronExpression.Parse(expression, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException exception)
        {
            throw new InvalidOperationException(
                $"[Crontab] on {method}: '{expression}' is not a cron expression ({exception.Message}); write five fields (minute hour day month weekday), e.g. \"*/5 * * * *\".", exception);
        }

        if (timeZone is null)
        {
            return (parsed, TimeZoneInfo.Utc);
        }

        try
        {
            return (parsed, TimeZoneInfo.FindSystemTimeZoneById(timeZone));
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new InvalidOperationException(
                $"[Crontab] on {method}: time zone '{timeZone}' does not exist on this machine; use an IANA id such as \"Europe/Paris\" or \"UTC\".", exception);
        }
    }
}
