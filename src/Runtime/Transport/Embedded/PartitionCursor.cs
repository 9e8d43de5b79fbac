using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using FASTER.core;
using Microsoft.Extensions.Logging;

namespace Faustish.Transport.Embedded;

/// <summary>
/// Reads committed records of one partition in order, copying them into a <see cref="RecordBatch"/>. Read
/// committed: it stops at <see cref="PartitionLog.VisibleUntil"/> (an entry read past it is held back until it
/// becomes visible) and skips the records of aborted transactions. It starts at an offset: in a compacted partition's
/// compacted head (<see cref="CompactedSegment"/>) if the offset lies below its cover end, else in the log, scanned from
/// the offset index's entry at or below it (the records before it are passed over).
/// </summary>
/// <remarks>
/// The log's head may go while the cursor reads (retention, compaction; <see cref="LogCleaner"/>): FasterLog then moves
/// the scan up to the new beginning, and the cursor sees a jump in offsets. If compaction took the records, the cursor
/// reads on from the compacted head, where the latest record of each key is; if retention deleted them, it moves to the
/// log start with a warning (Kafka's <c>auto.offset.reset=earliest</c>). Any other jump means damage and throws.
/// </remarks>
internal sealed class PartitionCursor
{
    private FasterLogScanIterator? _iterator;
    private CompactedSegment.Reader? _compacted;
    private int _disposed;
    private long _position;
    private byte[] _held = [];
    private int _heldLength;
    private long _heldOffset = -1;

    internal PartitionCursor(PartitionLog log, FasterLogScanIterator iterator, long position)
    {
        Log = log;
        _iterator = iterator;
        Partition = log.Partition;
        _position = position;
    }

    internal PartitionCursor(PartitionLog log, CompactedSegment.Reader compacted, long position)
    {
        Log = log;
        _compacted = compacted;
        Partition = log.Partition;
        _position = position;
    }

    public PartitionLog Log { get; }

    public TopicPartition Partition { get; }

    /// <summary>Set by a group consumer whose partition is paused: it fetches nothing from this cursor meanwhile.</summary>
    public bool Paused { get; set; }

    /// <summary>The offset of the next record this cursor returns (or passes over, if its transaction was aborted).</summary>
    public long Position => _position;

    /// <summary>Whether committed records lie at or beyond <see cref="Position"/>.</summary>
    public bool HasData => Log.VisibleUntil > _position;

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
            _position = offset + 1;
            if (Add(batch, _held.AsSpan(0, _heldLength), offset, aborted))
            {
                count++;
            }
        }

        while (count < maxRecords && _position < visible)
        {
            if (_compacted is not null)
            {
                if (_compacted.TryRead(out var kept, out var keptOffset, out _))
                {
                    // Compaction wrote only decided records, and their transactions are committed: no aborted check.
                    _position = keptOffset + 1;
                    RecordCodec.Read(kept, Partition, keptOffset, out var timestampMs, out var key, out var keyIsNull, out var value, out var valueIsNull, out var headers);
                    batch.Add(keptOffset, keptOffset + 1, timestampMs, key, keyIsNull, value, valueIsNull, headers);
                    count++;
                    continue;
                }

                // The compacted head is read: the log holds the rest, from its cover end on.
                _position = Math.Max(_position, _compacted.Segment.CoverEnd);
                _compacted.Dispose();
                _compacted = null;
                _iterator = Log.OpenScan(_position);
                continue;
            }

            if (!_iterator!.UnsafeGetNext(out var entry, out var length, out var address, out _))
            {
                break;
            }

            var jumped = false;
            try
            {
                var span = new ReadOnlySpan<byte>(entry, length);
                var offset = RecordCodec.OffsetOf(span, Partition, address);
                if (offset < _position)
                {
                    continue; // Before the offset this cursor started at.
                }

                if (offset != _position)
                {
                    jumped = true;
                    continue;
                }

                if (offset >= visible)
                {
                    // Past the last stable offset (durable, but its transaction or an older one is undecided): keep it for later.
                    if (_held.Length < length)
                    {
                        _held = new byte[Math.Max(length, 256)];
                    }

                    span.CopyTo(_held);
                    _heldLength = length;
                    _heldOffset = offset;
                    break;
                }

                _position = offset + 1;
                if (Add(batch, span, offset, aborted))
                {
                    count++;
                }
            }
            finally
            {
                _iterator!.UnsafeRelease();
                if (jumped)
                {
                    Reposition();
                }
            }
        }

        return count;
    }

    /// <summary>The log's head went from under the cursor (see the remarks): read on where the records now are.</summary>
    private void Reposition()
    {
        var compacted = Log.Compacted;
        var logFirst = Log.LogFirstOffset;
        if (compacted is not null && _position < compacted.CoverEnd)
        {
            _iterator!.Dispose();
            _iterator = null;
            _compacted = compacted.OpenReader(_position);
            return;
        }

        if (_position >= logFirst)
        {
            ThrowGap();
        }

        Log.Logger.LogWarning(
            "Records {From}..{To} of {Partition} were deleted by its retention before they were read; reading on from {First}, the log start (as Kafka's auto.offset.reset=earliest).",
            _position, logFirst - 1, Partition, logFirst);
        _position = logFirst;
        _iterator!.Dispose();
        _iterator = Log.OpenScan(_position);
    }

    private bool Add(RecordBatch batch, ReadOnlySpan<byte> entry, long offset, HashSet<long> aborted)
    {
        if (aborted.Count > 0 && aborted.Contains(RecordCodec.TransactionIdOf(entry)))
        {
            return false;
        }

        RecordCodec.Read(entry, Partition, offset, out var timestampMs,
            out var key, out var keyIsNull, out var value, out var valueIsNull, out var headers);
        batch.Add(offset, offset + 1, timestampMs, key, keyIsNull, value, valueIsNull, headers);
        return true;
    }

    private void ThrowGap() =>
        throw new InvalidDataException(
            $"The embedded log of {Partition} has no record at offset {_position}, though its log starts at offset {Log.LogFirstOffset}. " +
            $"Its offset index ('{Path.Combine(Log.Directory, OffsetIndex.FileName)}') or its log is damaged; delete the index file to have it rebuilt when the transport next opens.");

    /// <summary>Closes the cursor and tells its log it is gone.</summary>
    public void Dispose() => Log.CloseCursor(this);

    internal void DisposeIterator()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _iterator?.Dispose();
            _compacted?.Dispose();
        }
    }
}
