using System;
using System.Globalization;

namespace Faustish;

/// <summary>
/// A window's bounds in Unix milliseconds. Tumbling and hopping windows are <c>[StartMs, EndMs)</c>; sliding and
/// session windows are <c>[StartMs, EndMs]</c>, both ends inclusive as in Kafka Streams (<see cref="EndInclusive"/>).
/// Printed, every window shows its end as exclusive: <c>[start, end)</c> (see <see cref="ExclusiveEndMs"/>).
/// </summary>
public readonly record struct Window(long StartMs, long EndMs)
{
    /// <summary>A window whose end is inclusive (sliding and session windows) or exclusive (tumbling and hopping).</summary>
    public Window(long startMs, long endMs, bool endInclusive)
        : this(startMs, endMs) =>
        EndInclusive = endInclusive;

    /// <summary>True for sliding and session windows, whose <see cref="EndMs"/> is the last millisecond they contain.</summary>
    public bool EndInclusive { get; init; }

    /// <summary>The first millisecond after the window: <see cref="EndMs"/>, or <see cref="EndMs"/> + 1 when the end is inclusive.</summary>
    public long ExclusiveEndMs => EndInclusive ? EndMs + 1 : EndMs;

    public DateTimeOffset Start => DateTimeOffset.FromUnixTimeMilliseconds(StartMs);

    public DateTimeOffset End => DateTimeOffset.FromUnixTimeMilliseconds(EndMs);

    /// <summary>Whether <paramref name="timeMs"/> falls in the window.</summary>
    public bool Contains(long timeMs) => StartMs <= timeMs && timeMs < ExclusiveEndMs;

    /// <summary><c>[start, end)</c> with the end exclusive, in ISO 8601.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"[{Start:O}, {DateTimeOffset.FromUnixTimeMilliseconds(ExclusiveEndMs):O})");
}

/// <summary>One window of a key and its value, as <c>table.Windows(key)</c> returns them (in time order).</summary>
public readonly record struct WindowedValue<TValue>(Window Window, TValue Value)
{
    public long StartMs => Window.StartMs;

    public long EndMs => Window.EndMs;
}
