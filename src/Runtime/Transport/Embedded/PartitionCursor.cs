using System;
using System.Collections.Generic;
using System.Threading;
using FASTER.core;

namespace Faustish.Transport.Embedded;

/// <summary>
/// Reads committed records of one partition in order, copying them into a <see cref="RecordBatch"/>. Read
/// committed: it stops at <see cref="PartitionLog.VisibleUntil"/> (an entry read past it is held back until it
/// becomes visible) and skips the records of aborted transactions.
/// </summary>
internal sealed class PartitionCursor
{
    private readonly FasterLogScanIterator _iterator;
    private int _disposed;
    private byte[] _held = [];
    private int _heldLength;
    private long _heldOffset = -1;
    private long _heldNext;

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
            var next = _heldOffset >= 0 ? _heldOffset : _iterator.NextAddress;
            var begin = Log.BeginAddress;
            return next < begin ? begin : next;
        }
    }

    /// <summary>Whether committed records lie beyond <see cref="Position"/>.</summary>
    public bool HasData => Log.VisibleUntil > (_heldOffset >= 0 ? _heldOffset : _iterator.NextAddress);

    /// <summary>
    /// Resets <paramref name="batch"/> to this partition and copies up to <paramref name="maxRecords"/> committed
    /// records into it. Allocates nothing once the batch's buffers are large enough.
    /// </summary>
    public unsafe int Fill(RecordBatch batch, int maxRecords)
    {
        batch.Reset(Partition.Topic, Partition.Partition);
        var visible = Log.VisibleUntil;
        var aborted = Log.Aborted;
        var count = 0;
        if (_heldOffset >= 0)
        {
            if (_heldOffset >= visible)
            {
                return 0;
            }

            var offset = _heldOffset;
            _heldOffset = -1;
            if (Add(batch, _held.AsSpan(0, _heldLength), offset, _heldNext, aborted))
            {
                count++;
            }
        }

        while (count < maxRecords && _iterator.NextAddress < visible)
        {
            if (!_iterator.UnsafeGetNext(out var entry, out var length, out var offset, out var nextOffset))
            {
                break;
            }

            try
            {
                var span = new ReadOnlySpan<byte>(entry, length);
                if (offset >= visible)
                {
                    // Past the last stable offset (an entry after a page's unused end): keep it for later.
                    if (_held.Length < length)
                    {
                        _held = new byte[Math.Max(length, 256)];
                    }

                    span.CopyTo(_held);
                    _heldLength = length;
                    _heldOffset = offset;
                    _heldNext = nextOffset;
                    break;
                }

                if (Add(batch, span, offset, nextOffset, aborted))
                {
                    count++;
                }
            }
            finally
            {
                _iterator.UnsafeRelease();
            }
        }

        return count;
    }

    private bool Add(RecordBatch batch, ReadOnlySpan<byte> entry, long offset, long nextOffset, HashSet<long> aborted)
    {
        if (aborted.Count > 0 && aborted.Contains(RecordCodec.TransactionIdOf(entry)))
        {
            return false;
        }

        RecordCodec.Read(entry, Partition, offset, out var timestampMs,
            out var key, out var keyIsNull, out var value, out var valueIsNull, out var headers);
        batch.Add(offset, nextOffset, timestampMs, key, keyIsNull, value, valueIsNull, headers);
        return true;
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
