using System;
using System.Collections.Generic;
using System.Threading;
using Faustish.Transport;

namespace Faustish.Testing;

/// <summary>A record as a producer received it: its coordinates and bytes.</summary>
internal sealed record RecordBytes(string Topic, int Partition, byte[] Key, bool KeyIsNull, byte[] Value, bool ValueIsNull, long TimestampMs,
    IReadOnlyList<RecordHeader> Headers);

/// <summary>
/// The test context's producer: keeps every record in memory, in the order produced. Sends, changelog records and dead
/// letters all come here, as they would go to one producer of a worker; nothing is written anywhere.
/// </summary>
internal sealed class TestProducer : IRecordProducer
{
    private readonly List<RecordBytes> _records = [];

    public IReadOnlyList<RecordBytes> Records => _records;

    public void Produce(TopicPartition partition, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull,
        long timestampMs, IReadOnlyList<RecordHeader>? headers = null) =>
        _records.Add(new RecordBytes(partition.Topic, partition.Partition, key.ToArray(), keyIsNull, value.ToArray(), valueIsNull, timestampMs,
            headers is null ? [] : [.. headers]));

    public void Flush(CancellationToken cancellationToken)
    {
    }

    public void Dispose()
    {
    }
}
