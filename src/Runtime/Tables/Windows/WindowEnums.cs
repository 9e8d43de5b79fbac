using System;

namespace Faustish;

/// <summary>What happens to an event that arrives after its window closed (end + grace passed).</summary>
public enum LateEvents
{
    /// <summary>Not applied; counted in <c>faustish.window.late_events</c> and logged at debug. The default (as Kafka Streams).</summary>
    Drop,

    /// <summary>Not applied; counted, and the source record goes to the dead-letter topic with the reason in its headers.</summary>
    DeadLetter,
}

/// <summary>What moves a windowed table's time forward, closing windows.</summary>
[Flags]
public enum WindowClose
{
    /// <summary>Stream time: the largest event timestamp the partition has seen. Always on.</summary>
    StreamTime = 1,

    /// <summary>
    /// Also the wall clock, so windows close while no events arrive. Assumes event timestamps follow the wall clock:
    /// events older than <c>now - grace</c> for their window count as late.
    /// </summary>
    WallClock = 2,
}

/// <summary>Which time <c>table[key]</c> writes and <c>.Value()</c> reads refer to (Faust's relative_to).</summary>
public enum WindowTime
{
    /// <summary>The timestamp of the event being processed (Faust's relative_to_stream). The default.</summary>
    Stream,

    /// <summary>The wall clock (Faust's relative_to_now).</summary>
    Now,
}
