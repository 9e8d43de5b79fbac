using System;
using System.Diagnostics;
using System.Threading;
using FASTER.core;

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
    private readonly string _dataDirectory;
    private TransactionVisibility _visibility;
    private FasterLogScanIterator? _iterator;
    private long _resumeAddress;
    private long _position;

    public GuestPartitionReader(ReadOnlyPartitionLog log, string dataDirectory, long fromOffset)
    {
        _log = log;
        _dataDirectory = dataDirectory;
        _visibility = TransactionJournal.ReadVisibility(dataDirectory);
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
        while (true)
        {
            _iterator ??= _log.Log.Scan(_resumeAddress, long.MaxValue, name: null, recover: false, scanUncommitted: false);
            var undecided = false;
            while (!undecided && batch.Count < maxRecords && _iterator.UnsafeGetNext(out var entry, out var length, out var address, out var nextAddress))
            {
                try
                {
                    var span = new ReadOnlySpan<byte>(entry, length);
                    var offset = RecordCodec.OffsetOf(span, partition, address);
                    if (offset >= _position)
                    {
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

    /// <summary>The journal first, then the log: a transaction the journal calls committed has its records in the log already.</summary>
    private void Refresh()
    {
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
        _never.Dispose();
        _log.Dispose();
    }
}
