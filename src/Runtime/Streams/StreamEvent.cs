using System;
using System.Collections.Generic;
using Faustish.Transport;

namespace Faustish;

/// <summary>
/// One event of a stream with where it came from, as Faust's <c>stream.events()</c> gives it: key, value, headers,
/// timestamp, and its topic, partition and offset. The timestamp is the event's time: its record's own, or the time taken
/// from its value when the topic declares <c>[Topic(Timestamp = ...)]</c>.
/// </summary>
public readonly record struct StreamEvent<TKey, TValue>(
    TKey Key, TValue Value, string Topic, int Partition, long Offset, long TimestampMs, IReadOnlyList<RecordHeader> Headers)
{
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(TimestampMs);
}
