using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using FASTER.core;
using Microsoft.Extensions.Logging;

namespace Faustish.Transport.Embedded;

/// <summary>
/// Reads one partition from a process that does not own the data directory: committed records only, as the owner's
/// readers do (records of aborted transactions skipped; a record of an undecided transaction, and everything after it,
/// waits until the journal decides it). While caught up it refreshes its view of the log and the journal every few
/// milliseconds, until the fetch's timeout.
/// </summary>
internal sealed class GuestPartitionReader : IPartitionReader
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(20);

    private readonly ManualResetEventSlim _never = new(initialState: false); // Nothing in this process signals the owner's commits.
    private readonly ReadOnlyPartitionLog _log;
    private readonly ILogger? _logger;
    private readonly string _dataDirectory;
    private TransactionVisibility _visibility;
    private FasterLogScanIterator? _iterator;
    private CompactedSegment.Reader? _compacted;
    private bool _lookForCompacted = true;
    private long _resumeAddress;
    private long _position;

    /// <param name="logger">Where a jump over records the owner's retention deleted is reported; null when the reader starts at the beginning anyway.</param>
    public GuestPartitionReader(ReadOnlyPartitionLog log, string dataDirectory, long fromOffset, ILogger? logger = null)
    {
        _log = log;
        _logger = logger;
        _dataDirectory = dataDirectory;
        _visibility = TransactionJournal.ReadVisibility(dataDirectory);
        _log.Refresh(); // After the journal, as in Refresh: it never names an aborted range the log view still holds but the journal forgot.
        _resumeAddress = log.Log.BeginAddress;
        _position = fromOffset;
    }

    public long Position => _position;

    public unsafe bool Fetch(RecordBatch batch, int maxRecords, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        var deadline = FetchWait.Deadline(timeout);
        var partition = _log.Partition;
        batch.Reset(partition.Topic, partition.Partition);
        var truncatedRetries = 0;
        while (true)
        {
            if (ReadCompacted(batch, maxRecords))
            {
                return true;
            }

            // A read-only FasterLog does not move its scans past the owner's truncations itself: start at the committed beginning.
            _resumeAddress = Math.Max(_resumeAddress, _log.Log.CommittedBeginAddress);
            _iterator ??= _log.Log.Scan(_resumeAddress, long.MaxValue, name: null, recover: false, scanUncommitted: false);
            var undecided = false;
            while (!undecided && batch.Count < maxRecords && NextEntry(out var entry, out var length, out var address, out var nextAddress, ref truncatedRetries))
            {
                try
                {
                    var span = new ReadOnlySpan<byte>(entry, length);
                    var offset = RecordCodec.OffsetOf(span, partition, address);
                    if (offset >= _position)
                    {
                        if (offset > _position && _logger is not null)
                        {
                            // Offsets of the log follow each other: the owner's retention deleted the records in between.
                            _logger.LogWarning(
                                "Records {From}..{To} of {Partition} were deleted by its retention before they were read; reading on from {First}, the log start.",
                                _position, offset - 1, partition, offset);
                        }

                        var outcome = _visibility.Of(partition, RecordCodec.TransactionIdOf(span), offset);
                        if (outcome == TransactionVisibility.Outcome.Undecided)
                        {
                            // Read it again once the journal decides it.
                            undecided = true;
                            continue;
                        }

                        if (outcome == TransactionVisibility.Outcome.Visible)
                        {
                            RecordCodec.Read(span, partition, offset, out var timestamp, out var key, out var keyIsNull, out var value, out var valueIsNull,
                                out var headers);
                            batch.Add(offset, offset + 1, timestamp, key, keyIsNull, value, valueIsNull, headers);
                        }

                        _position = offset + 1;
                    }

                    _resumeAddress = nextAddress;
                }
                finally
                {
                    _iterator.UnsafeRelease();
                }
            }

            if (undecided)
            {
                DropIterator();
            }

            if (batch.Count > 0)
            {
                return true;
            }

            // Caught up: look again a little later, as the owner commits.
            var recheckAt = Stopwatch.GetTimestamp() + (long)(RefreshInterval.TotalSeconds * Stopwatch.Frequency);
            if (!FetchWait.Wait(_never, deadline, recheckAt, cancellationToken))
            {
                return false;
            }

            Refresh();
        }
    }

    /// <summary>
    /// The next entry of the scan. The owner may delete the segment being read (retention, compaction) between two
    /// refreshes of this view: the read then fails, and the view is refreshed and the scan resumed at the new beginning
    /// (a few times, then the failure is thrown).
    /// </summary>
    private unsafe bool NextEntry(out byte* entry, out int length, out long address, out long nextAddress, ref int retries)
    {
        while (true)
        {
            try
            {
                return _iterator!.UnsafeGetNext(out entry, out length, out address, out nextAddress);
            }
            catch (Exception e) when (e is FasterException or IOException && retries++ < 3)
            {
                Refresh();
                _resumeAddress = Math.Max(_resumeAddress, _log.Log.CommittedBeginAddress);
                _iterator = _log.Log.Scan(_resumeAddress, long.MaxValue, name: null, recover: false, scanUncommitted: false);
            }
        }
    }

    /// <summary>
    /// Reads the owner's compacted head (<see cref="CompactedSegment"/>) while the position lies below its cover end; the
    /// log holds the rest. Returns true when the batch is full. Its records are all committed.
    /// </summary>
    private bool ReadCompacted(RecordBatch batch, int maxRecords)
    {
        if (_compacted is null && _lookForCompacted)
        {
            _lookForCompacted = false;
            if (FindCompacted() is { } newest && _position < newest.CoverEnd)
            {
                _compacted = newest.OpenReader(_position);
            }
        }

        if (_compacted is null)
        {
            return false;
        }

        var partition = _log.Partition;
        while (batch.Count < maxRecords)
        {
            if (!_compacted.TryRead(out var entry, out var offset, out _))
            {
                _position = Math.Max(_position, _compacted.Segment.CoverEnd);
                _compacted.Dispose();
                _compacted = null;
                return false;
            }

            RecordCodec.Read(entry, partition, offset, out var timestamp, out var key, out var keyIsNull, out var value, out var valueIsNull, out var headers);
            batch.Add(offset, offset + 1, timestamp, key, keyIsNull, value, valueIsNull, headers);
            _position = offset + 1;
        }

        return true;
    }

    /// <summary>The newest compacted head; retried while the owner replaces it (it deletes the older file).</summary>
    private CompactedSegment? FindCompacted()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return CompactedSegment.FindNewest(_log.Directory, removeOthers: false);
            }
            catch (FileNotFoundException) when (attempt < 5)
            {
                Thread.Sleep(attempt);
            }
        }
    }

    /// <summary>The journal first, then the log: a transaction the journal calls committed has its records in the log already.</summary>
    private void Refresh()
    {
        _lookForCompacted = true;
        _visibility = TransactionJournal.ReadVisibility(_dataDirectory);
        _log.Refresh();
        DropIterator();
    }

    private void DropIterator()
    {
        _iterator?.Dispose();
        _iterator = null;
    }

    public void Dispose()
    {
        DropIterator();
        _compacted?.Dispose();
        _never.Dispose();
        _log.Dispose();
    }
}
