using System;
using System.Collections.Generic;
using Faustish;
using Microsoft.Extensions.DependencyInjection;

namespace Faustish.EndToEnd.Worker;

/// <summary>Page visits: the page as key, the visitor as value; the record's timestamp is the visit's time.</summary>
[Topic("visits", Partitions = 2)]
public sealed partial class Visits : Topic<string, long>;

/// <summary>Visits per page and minute; closed minutes are reported to <see cref="ClosedWindowLog"/> when one is registered.</summary>
[Table("visits-per-minute", Window = "tumbling 1m grace 10s", Expires = "2m", Late = LateEvents.DeadLetter,
    CloseOn = WindowClose.StreamTime | WindowClose.WallClock)]
public sealed partial class VisitsPerMinute : WindowedTable<string, long>
{
    protected override void OnWindowClosed(string page, Window window, long visits) =>
        Services.GetService<ClosedWindowLog>()?.Add(page, window, visits);
}

/// <summary>Counts visits per page and minute.</summary>
[Agent(typeof(Visits))]
public sealed partial class CountVisits(VisitsPerMinute perMinute)
{
    public void Process(string page, long visitor) => perMinute[page] += 1;
}

/// <summary>Windows closed by <see cref="VisitsPerMinute"/>, in order.</summary>
public sealed class ClosedWindowLog
{
    private readonly List<(string Page, Window Window, long Visits)> _closed = [];

    public void Add(string page, Window window, long visits)
    {
        lock (_closed)
        {
            _closed.Add((page, window, visits));
        }
    }

    public IReadOnlyList<(string Page, Window Window, long Visits)> Closed
    {
        get
        {
            lock (_closed)
            {
                return [.. _closed];
            }
        }
    }
}
