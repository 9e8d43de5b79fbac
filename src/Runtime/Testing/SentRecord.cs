using System;
using System.Collections.Generic;
using Faustish.Transport;

namespace Faustish.Testing;

/// <summary>A record an agent sent to a topic in a test context, decoded with the topic's codecs.</summary>
/// <param name="Key">The key, of the topic's key type (null for a keyless record).</param>
/// <param name="Value">The value, of the topic's value type (null for a tombstone).</param>
/// <param name="Partition">The partition Kafka's partitioner chose for it.</param>
/// <param name="Timestamp">Its timestamp: the event's that was being processed, unless the agent gave one.</param>
/// <param name="Headers">Its headers.</param>
public sealed record SentRecord(object? Key, object? Value, int Partition, DateTimeOffset Timestamp, IReadOnlyList<RecordHeader> Headers)
{
    /// <summary>Deconstructs into key and value: <c>var (page, milestone) = Assert.Single(test.Sent&lt;Milestones&gt;());</c>.</summary>
    public void Deconstruct(out object? key, out object? value)
    {
        key = Key;
        value = Value;
    }
}
