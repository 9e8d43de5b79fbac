using System;
using System.Threading;
using FASTER.core;

namespace Faustish.Transport.Embedded;

/// <summary>Reads committed records of one partition in order, copying them into a <see cref="RecordBatch"/>.</summary>
internal sealed class PartitionCursor
{
    private readonly FasterLogScanIterator _iterator;
    private int _disposed;

    internal PartitionCursor(PartitionLog log, FasterLogScanIterator iterator)
    {
        Log = log;
        _iterator = iterator;
        Partition = log.Partition;
    }

    public PartitionLog Log { get; }

    public TopicPartition Partition { get; }

    /// <summary>The offset of the next record this cursor returns.</summary>
    public long Position
    {
        get
        {
            var next = _iterator.NextAddress;
            var begin = Log.BeginAddress;
            return next < begin ? begin : next;
        }
    }

    /// <summary>Whether committed records lie beyond <see cref="Position"/>.</summary>
    public bool HasData => Log.CommittedUntil > _iterator.NextAddress;

    /// <summary>
    /// Resets <paramref name="batch"/> to this partition and copies up to <paramref name="maxRecords"/> committed
    /// records into it. Allocates nothing once the batch's buffers are large enough.
    /// </summary>
    public unsafe int Fill(RecordBatch batch, int maxRecords)
    {
        batch.Reset(Partition.Topic, Partition.Partition);
        var count = 0;
        while (count < maxRecords)
        {
            if (!_iterator.UnsafeGetNext(out var entry, out var length, out var offset, out var nextOffset))
            {
                break;
            }

            try
            {
                RecordCodec.Read(new ReadOnlySpan<byte>(entry, length), Partition, offset, out var timestampMs,
                    out var key, out var keyIsNull, out var value, out var valueIsNull, out var headers);
                batch.Add(offset, nextOffset, timestampMs, key, keyIsNull, value, valueIsNull, headers);
            }
            finally
            {
                _iterator.UnsafeRelease();
            }

            count++;
        }

        return count;
    }

    /// <summary>Closes the cursor and tells its log it is gone.</summary>
    public void Dispose() => Log.CloseCursor(this);

    internal void DisposeIterator()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _iterator.Dispose();
        }
    }
}
