using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using FASTER.core;

namespace Faustish.Transport.Embedded;

/// <summary>
/// One topic partition: a FasterLog in <c>{dataDir}/topics/{topic}/{partition}/</c>, shared by every producer,
/// consumer and reader of the process. Wakes waiting consumers when a flush makes records visible.
/// </summary>
internal sealed class PartitionLog
{
    private readonly IDevice _device;
    private readonly Lock _sync = new();
    private readonly HashSet<PartitionCursor> _cursors = [];
    private ManualResetEventSlim[] _waiters = [];
    private bool _closed;

    // Transactions (see TransactionJournal). Guarded by _txnSync: the open transactions with data in this
    // partition and the first address each may use; the aborted transaction ids (copy on write).
    private readonly Lock _txnSync = new();
    private readonly List<(long TransactionId, long First)> _open = [];
    private HashSet<long> _aborted = [];

    private PartitionLog(TopicPartition partition, string directory, IDevice device, FasterLog log, int maxEntrySize)
    {
        Partition = partition;
        Directory = directory;
        _device = device;
        Log = log;
        MaxEntrySize = maxEntrySize;
    }

    public TopicPartition Partition { get; }

    public string Directory { get; }

    public FasterLog Log { get; }

    /// <summary>The largest entry a page can hold.</summary>
    public int MaxEntrySize { get; }

    public long BeginAddress => Log.BeginAddress;

    /// <summary>Everything below this address is durable (flushed). Transactional records may still be invisible: see <see cref="VisibleUntil"/>.</summary>
    public long CommittedUntil => Volatile.Read(ref Log.CommittedUntilAddress);

    /// <summary>
    /// The last stable offset: readers (all read committed) return records below this address only. It is the
    /// durable end, or the first address of the oldest transaction still open in this partition if that is lower,
    /// so that a reader never moves past a record whose transaction is undecided. Computed under the same lock
    /// <see cref="BeginTransactionalWrite"/> reads the tail under, so a transaction that opens concurrently is
    /// either counted or starts above the durable end read here.
    /// </summary>
    public long VisibleUntil
    {
        get
        {
            lock (_txnSync)
            {
                var visible = CommittedUntil;
                foreach (var (_, first) in _open)
                {
                    visible = Math.Min(visible, first);
                }

                return visible;
            }
        }
    }

    /// <summary>Ids of transactions aborted in this partition: their records are skipped by every reader, forever.</summary>
    public HashSet<long> Aborted => Volatile.Read(ref _aborted);

    /// <summary>
    /// Registers transaction <paramref name="transactionId"/> as open in this partition before its first record is
    /// enqueued, and returns the first address its records may occupy (the tail now).
    /// </summary>
    public long BeginTransactionalWrite(long transactionId)
    {
        lock (_txnSync)
        {
            var first = Log.TailAddress;
            _open.Add((transactionId, first));
            return first;
        }
    }

    /// <summary>Everything below the returned address is decided: not part of an open transaction other than <paramref name="excluding"/>.</summary>
    public long StableBound(long excluding)
    {
        lock (_txnSync)
        {
            var bound = Log.TailAddress;
            foreach (var (id, first) in _open)
            {
                if (id != excluding)
                {
                    bound = Math.Min(bound, first);
                }
            }

            return bound;
        }
    }

    /// <summary>A transaction was decided (its outcome is durable): close it here, remembering it if aborted, and wake readers.</summary>
    public void EndTransaction(long transactionId, bool aborted)
    {
        lock (_txnSync)
        {
            if (aborted && !_aborted.Contains(transactionId))
            {
                Volatile.Write(ref _aborted, new HashSet<long>(_aborted) { transactionId });
            }

            _open.RemoveAll(t => t.TransactionId == transactionId);
        }

        NotifyCommitted();
    }

    /// <summary>Sets the aborted transactions known from the journal (at open, before any reader).</summary>
    public void LoadAborted(IEnumerable<long> transactionIds)
    {
        lock (_txnSync)
        {
            Volatile.Write(ref _aborted, new HashSet<long>(transactionIds));
        }
    }

    public static PartitionLog Open(TopicPartition partition, string directory, EmbeddedTransportOptions options)
    {
        System.IO.Directory.CreateDirectory(directory);
        var device = Devices.CreateLogDevice(Path.Combine(directory, "log"), preallocateFile: false, deleteOnClose: false);
        try
        {
            var settings = new FasterLogSettings
            {
                LogDevice = device,
                LogCommitDir = directory,
                PageSizeBits = options.PageSizeBits,
                MemorySizeBits = options.MemorySizeBits,
                SegmentSizeBits = options.SegmentSizeBits,
                LogChecksum = options.RecordChecksums ? LogChecksumType.PerEntry : LogChecksumType.None,
                // Recover explicitly below, so that a damaged log fails loudly instead of starting empty.
                TryRecoverLatest = false,
            };
            var log = new FasterLog(settings);
            try
            {
                log.Recover();
            }
            catch
            {
                log.Dispose();
                throw;
            }

            var header = options.RecordChecksums ? 12 : 4;
            return new PartitionLog(partition, directory, device, log, (1 << options.PageSizeBits) - header - 8);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            device.Dispose();
            throw new IOException($"Could not open the embedded log of {partition} in '{directory}': {e.Message}", e);
        }
    }

    /// <summary>Waits until everything below <paramref name="untilAddress"/> is committed (durable and visible).</summary>
    public void WaitForCommit(long untilAddress, CancellationToken cancellationToken)
    {
        if (CommittedUntil >= untilAddress)
        {
            return;
        }

        // commitNum 0: wait on the address only. Blocks on the commit task instead of spinning a core.
        var wait = Log.WaitForCommitAsync(untilAddress, 0, cancellationToken);
        if (!wait.IsCompletedSuccessfully)
        {
            wait.AsTask().GetAwaiter().GetResult();
        }
    }

    public PartitionCursor OpenCursor(long fromAddress)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            var start = fromAddress < Log.BeginAddress ? Log.BeginAddress : fromAddress;
            var iterator = Log.Scan(start, long.MaxValue, name: null, recover: false,
                scanBufferingMode: ScanBufferingMode.DoublePageBuffering, scanUncommitted: false);
            var cursor = new PartitionCursor(this, iterator);
            _cursors.Add(cursor);
            return cursor;
        }
    }

    /// <summary>Closes a cursor (under the lock, so that it never races <see cref="Close"/>).</summary>
    internal void CloseCursor(PartitionCursor cursor)
    {
        lock (_sync)
        {
            _cursors.Remove(cursor);
            cursor.DisposeIterator();
        }
    }

    public void AddWaiter(ManualResetEventSlim waiter)
    {
        lock (_sync)
        {
            var waiters = new ManualResetEventSlim[_waiters.Length + 1];
            _waiters.CopyTo(waiters, 0);
            waiters[^1] = waiter;
            _waiters = waiters;
        }
    }

    public void RemoveWaiter(ManualResetEventSlim waiter)
    {
        lock (_sync)
        {
            var index = Array.IndexOf(_waiters, waiter);
            if (index < 0)
            {
                return;
            }

            var waiters = new ManualResetEventSlim[_waiters.Length - 1];
            Array.Copy(_waiters, 0, waiters, 0, index);
            Array.Copy(_waiters, index + 1, waiters, index, _waiters.Length - index - 1);
            _waiters = waiters;
        }
    }

    /// <summary>Wakes consumers and readers waiting for records of this partition.</summary>
    public void NotifyCommitted()
    {
        foreach (var waiter in Volatile.Read(ref _waiters))
        {
            waiter.Set();
        }
    }

    /// <summary>Commits what was enqueued but not flushed, closes every cursor, then the log. Call once no operation is in flight.</summary>
    public void Close()
    {
        lock (_sync)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
        }

        try
        {
            if (Log.TailAddress > CommittedUntil)
            {
                Log.Commit(spinWait: false);
                WaitForCommit(Log.TailAddress, CancellationToken.None);
            }
        }
        finally
        {
            NotifyCommitted();
            lock (_sync)
            {
                foreach (var cursor in _cursors)
                {
                    cursor.DisposeIterator();
                }

                _cursors.Clear();
            }

            Log.Dispose();
            _device.Dispose();
        }
    }
}
