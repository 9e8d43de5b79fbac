using System;

namespace Faustish;

/// <summary>
/// A window's bounds in Unix milliseconds. Tumbling and hopping windows are <c>[Start, End)</c>; sliding and
/// session windows are <c>[Start, End]</c> (both inclusive, as in Kafka Streams).
/// </summary>
public readonly record struct Window(long StartMs, long EndMs)
{
    public DateTimeOffset Start => DateTimeOffset.FromUnixTimeMilliseconds(StartMs);

    public DateTimeOffset End => DateTimeOffset.FromUnixTimeMilliseconds(EndMs);

    public override string ToString() => $"[{Start:O}, {End:O}]";
}

/// <summary>One window of a key and its value, as <c>table.Windows(key)</c> returns them (in time order).</summary>
public readonly record struct WindowedValue<TValue>(Window Window, TValue Value)
{
    public long StartMs => Window.StartMs;

    public long EndMs => Window.EndMs;
}
