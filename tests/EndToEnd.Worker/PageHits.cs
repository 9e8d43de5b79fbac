using System;
using Faustish;

namespace Faustish.EndToEnd.Worker;

/// <summary>A page hit: a record struct of value-type fields, so decoding it allocates nothing.</summary>
public readonly record struct PageHit(int UserId, int DurationMs, DateTimeOffset At);

/// <summary>Page hits keyed by page path (string keys).</summary>
[Topic("page-hits", Partitions = 2)]
public sealed partial class PageHits : Topic<string, PageHit>;

/// <summary>Hits per page: a <c>Table&lt;string, long&gt;</c> counter.</summary>
[Table("hits-per-page")]
public sealed partial class HitsPerPage : Table<string, long>;

/// <summary>Hits per page and minute: a windowed counter.</summary>
[Table("hits-per-page-minute", Window = "tumbling 1m", Expires = "10m")]
public sealed partial class HitsPerPageMinute : WindowedTable<string, long>;

/// <summary>The latest hit of each page: record values.</summary>
[Table("last-hit-per-page")]
public sealed partial class LastHitPerPage : Table<string, PageHit>;

/// <summary>Counts hits per page, in total and per minute, and keeps each page's latest hit.</summary>
[Agent(typeof(PageHits))]
public sealed partial class CountPageHits(HitsPerPage hits, HitsPerPageMinute perMinute, LastHitPerPage lastHit)
{
    public void Process(string page, PageHit hit)
    {
        hits[page] += 1;
        perMinute[page] += 1;
        lastHit[page] = hit;
    }
}
