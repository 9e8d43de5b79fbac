using System;

namespace Faustish.Agents;

/// <summary>
/// Where the event being processed came from, and its time. Take it as the last parameter of an agent's method.
/// <see cref="TimestampMs"/> is the event time: the record's own timestamp, or the time taken from the value when the
/// topic declares <c>[Topic(Timestamp = ...)]</c>.
/// </summary>
public readonly record struct EventContext(string Topic, int Partition, long Offset, long TimestampMs)
{
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(TimestampMs);
}
