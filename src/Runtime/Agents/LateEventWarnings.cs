using System;
using System.Collections.Generic;
using Faustish.Tables.Windows;
using Microsoft.Extensions.Logging;

namespace Faustish.Agents;

/// <summary>
/// Makes dropped late events visible at the default log level without flooding it: the first late event of each
/// table partition is logged as a warning with its coordinates, and after that one summary per table partition and
/// <see cref="SummaryInterval"/> says how many more came. Counting never stops (<c>faustish.window.late_events</c>).
/// One per worker thread.
/// </summary>
internal sealed class LateEventWarnings(ILogger logger, TimeProvider clock)
{
    private readonly Dictionary<(string Table, int Partition), Tally> _tallies = [];

    /// <summary>How often a table partition that keeps receiving late events gets a summary line.</summary>
    public static TimeSpan SummaryInterval { get; } = TimeSpan.FromMinutes(1);

    public void Observe(string agent, int partition, long offset, in LateEvent late)
    {
        var now = clock.GetUtcNow();
        var key = (late.Table, partition);
        if (!_tallies.TryGetValue(key, out var tally))
        {
            _tallies[key] = new Tally { Since = now };
            logger.LogWarning(
                "Late event in table '{Table}' partition {Partition} (agent {Agent}, offset {Offset}): its time {EventTime} falls in window {Window}, which closed at {CloseTime} (table time now {TableTime}); it was {Outcome}. " +
                "Later ones are summarised once a minute; raise the window's grace to accept them.",
                late.Table, partition, agent, offset, Format(late.EventTimeMs), late.Window, Format(late.CloseTimeMs), Format(late.TableTimeMs), Outcome(in late));
            return;
        }

        tally.Count++;
        if (now - tally.Since >= SummaryInterval)
        {
            logger.LogWarning("{Count} more late events in table '{Table}' partition {Partition} in the last {Seconds:F0} s (the latest at {EventTime}, window {Window} closed at {CloseTime}); {Outcome}",
                tally.Count, late.Table, partition, (now - tally.Since).TotalSeconds, Format(late.EventTimeMs), late.Window, Format(late.CloseTimeMs), Outcome(in late));
            tally.Count = 0;
            tally.Since = now;
        }
    }

    private static string Outcome(in LateEvent late) =>
        late.Applied ? "applied to its windows still open only" : late.Policy == LateEvents.DeadLetter ? "dead-lettered" : "dropped";

    private static string Format(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

    private sealed class Tally
    {
        public DateTimeOffset Since { get; set; }

        public long Count { get; set; }
    }
}
