using System;

namespace Faustish.Agents;

/// <summary>Where the event being processed came from. Take it as the last parameter of an agent's method.</summary>
public readonly record struct EventContext(string Topic, int Partition, long Offset, long TimestampMs)
{
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(TimestampMs);
}
