using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using FASTER.core;
using Microsoft.Extensions.Logging;

namespace Faustish.Transport.Embedded;

/// <summary>
/// One topic partition: a FasterLog in <c>{dataDir}/topics/{topic}/{partition}/</c>, shared by every producer,
/// consumer and reader of the process. Wakes waiting consumers when a flush makes records visible.
/// </summary>
/// <remarks>
/// <para><b>Offsets.</b> Records are numbered 0, 1, 2, … per partition, as in Kafka: <see cref="Append"/> gives each
/// entry the next offset under a lock, so offsets grow with log addresses, and stores it in the entry
/// (<see cref="RecordCodec"/>). Records of aborted transactions keep their offsets (readers skip them). A sparse
/// <see cref="OffsetIndex"/> maps offsets to addresses; a reader starts at an offset by a floor lookup and a forward scan.</para>
/// <para><b>Durable end.</b> FasterLog's committed address is always the tail some commit request read
/// (<see cref="RequestCommit"/> reads the tail and the next offset together, under the append lock, so no record
/// comes between), so the offset after the last durable record is the next offset of the newest request whose tail
/// is committed.</para>
/// </remarks>
internal sealed class PartitionLog
{
    private readonly IDevice _device;
    private readonly ILogger _logger;
    private readonly Lock _sync = new();
    private CompactedSegment? _compacted;
    private readonly HashSet<PartitionCursor> _cursors = [];
    private ManualResetEventSlim[] _waiters = [];
    private bool _closed;

    // Appends: the next offset and the index change together with the log's tail, under the append lock (EnterAppend:
    // a spin lock, cheaper than Lock on the produce path, where it is uncontended unless producers share a partition).
    private int _appendLock;
    private readonly OffsetIndex _index;
    private long _nextOffset;
    private long _lastCommitTail;

    // Guarded by _stateSync: commit requests not known to be durable yet (tail address, next offset), the offset after
    // the last durable record, and transactions (see TransactionJournal): the open transactions with data in this
    // partition and the first offset each may use; the aborted transaction ids (copy on write).
    private readonly Lock _stateSync = new();
    private readonly Queue<(long Tail, long NextOffset)> _commitRequests = new();
    private long _durableOffset;
    private readonly List<(long TransactionId, long First)> _open = [];
    private HashSet<long> _aborted = [];

    private PartitionLog(TopicPartition partition, string directory, IDevice device, FasterLog log, int maxEntrySize,
        OffsetIndex index, long nextOffset, CompactedSegment? compacted, ILogger logger)
    {
        _compacted = compacted;
        _logger = logger;
        Partition = partition;
        Directory = directory;
        _device = device;
        Log = log;
        MaxEntrySize = maxEntrySize;
        _index = index;
        _nextOffset = nextOffset;
        _durableOffset = nextOffset;
        _lastCommitTail = log.TailAddress;
    }

    public TopicPartition Partition { get; }

    public string Directory { get; }

    public FasterLog Log { get; }

    /// <summary>The largest entry a page can hold.</summary>
    public int MaxEntrySize { get; }

    /// <summary>Everything below this address is durable (flushed). Transactional records may still be invisible: see <see cref="VisibleUntil"/>.</summary>
    public long CommittedUntil => Volatile.Read(ref Log.CommittedUntilAddress);

    /// <summary>The offset the next record appended gets.</summary>
    public long NextOffset => Volatile.Read(ref _nextOffset);

    /// <summary>The offset after the last durable record.</summary>
    public long DurableOffset
    {
        get
        {
            lock (_stateSync)
            {
                return DurableOffsetLocked();
            }
        }
    }

    internal ILogger Logger => _logger;

    /// <summary>
    /// The compacted head of a compacted partition (<see cref="CompactedSegment"/>): the latest record of each key below
    /// its cover end, whose records the log no longer holds. Null until the partition is first compacted.
    /// </summary>
    public CompactedSegment? Compacted => Volatile.Read(ref _compacted);

    /// <summary>The offset of the first record stored, in the compacted head or the log (the next offset while there is none).</summary>
    public long FirstOffset => Compacted is { Count: > 0 } compacted ? compacted.FirstOffset : LogFirstOffset;

    /// <summary>The offset of the first record in the FasterLog (the next offset while there is none).</summary>
    public long LogFirstOffset
    {
        get
        {
            EnterAppend();
            try
            {
                return _index.Count > 0 ? _index.OffsetAt(0) : _nextOffset;
            }
            finally
            {
                ExitAppend();
            }
        }
    }

    /// <summary>
    /// The last stable offset: readers (all read committed) return records below this offset only. It is the offset
    /// after the last durable record, or the first offset of the oldest transaction still open in this partition if
    /// that is lower, so that a reader never moves past a record whose transaction is undecided. Computed under the
    /// same lock <see cref="BeginTransactionalWrite"/> reads the next offset under, so a transaction that opens
    /// concurrently is either counted or starts at or above the durable end read here.
    /// </summary>
    public long VisibleUntil
    {
        get
        {
            lock (_stateSync)
            {
                var visible = DurableOffsetLocked();
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
    /// Appends an entry written by <see cref="RecordCodec.Write"/>, setting its offset, and returns that offset;
    /// <paramref name="address"/> is where it went in the log. Records become durable with the next
    /// <see cref="RequestCommit"/>.
    /// </summary>
    public long Append(Span<byte> entry, out long address)
    {
        EnterAppend();
        try
        {
            var offset = _nextOffset;
            RecordCodec.SetOffset(entry, offset);
            address = Log.Enqueue(entry);
            Volatile.Write(ref _nextOffset, offset + 1);
            if (_index.ShouldAdd(offset, address))
            {
                _index.Add(offset, address);
            }

            return offset;
        }
        finally
        {
            ExitAppend();
        }
    }

    /// <summary>
    /// Asks FasterLog to commit everything appended so far (returns at once; wait with <see cref="WaitForCommit"/>), and
    /// appends new offset-index entries to the index file.
    /// </summary>
    public void RequestCommit()
    {
        EnterAppend();
        try
        {
            _index.Persist();
            var tail = Log.TailAddress;
            if (tail > _lastCommitTail)
            {
                lock (_stateSync)
                {
                    _commitRequests.Enqueue((tail, _nextOffset));
                }

                _lastCommitTail = tail;
            }

            Log.Commit(spinWait: false);
        }
        finally
        {
            ExitAppend();
        }
    }

    /// <summary>
    /// Registers transaction <paramref name="transactionId"/> as open in this partition before its first record is
    /// appended, and returns the first offset its records may get (the next offset now).
    /// </summary>
    public long BeginTransactionalWrite(long transactionId)
    {
        lock (_stateSync)
        {
            var first = NextOffset;
            _open.Add((transactionId, first));
            return first;
        }
    }

    /// <summary>Everything below the returned offset is decided: not part of an open transaction other than <paramref name="excluding"/>.</summary>
    public long StableBound(long excluding)
    {
        lock (_stateSync)
        {
            var bound = NextOffset;
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
        lock (_stateSync)
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
        lock (_stateSync)
        {
            Volatile.Write(ref _aborted, new HashSet<long>(transactionIds));
        }
    }

    /// <summary>
    /// Opens the log of a partition: recovers FasterLog to its last commit, then the offsets: loads the offset index,
    /// keeps what the log confirms and scans the log after its last entry to find the next offset.
    /// </summary>
    public static PartitionLog Open(TopicPartition partition, string directory, EmbeddedTransportOptions options, ILogger logger)
    {
        System.IO.Directory.CreateDirectory(directory);
        var device = Devices.CreateLogDevice(Path.Combine(directory, "log"), preallocateFile: false, deleteOnClose: false);
        if (options.WrapLogDevice is { } wrap)
        {
            device = wrap(partition, device);
        }

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
            OffsetIndex? index = null;
            try
            {
                log.Recover();
                var compacted = CompactedSegment.FindNewest(directory, removeOthers: true);
                if (compacted is not null && log.BeginAddress < compacted.CleanAddress)
                {
                    // A compaction stopped between putting its file in place and truncating the log: finish it.
                    log.TruncateUntil(compacted.CleanAddress);
                    log.Commit(spinWait: true);
                }

                index = OffsetIndex.Load(directory, logger);
                var next = RecoverOffsets(partition, directory, log, index, logger);
                if (compacted is not null)
                {
                    next = Math.Max(next, compacted.CoverEnd);
                }

                index.OpenForAppend();
                var header = options.RecordChecksums ? 12 : 4;
                return new PartitionLog(partition, directory, device, log, (1 << options.PageSizeBits) - header - 8, index, next, compacted, logger);
            }
            catch
            {
                index?.Dispose();
                log.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            device.Dispose();
            if (e is InvalidDataException)
            {
                throw;
            }

            throw new IOException($"Could not open the embedded log of {partition} in '{directory}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Checks the loaded index against the recovered log (dropping entries at or past its committed end, and the whole
    /// index if its first or last entry does not match the log), adds the entries the scan after its last entry finds,
    /// and returns the next offset.
    /// </summary>
    private static unsafe long RecoverOffsets(TopicPartition partition, string directory, FasterLog log, OffsetIndex index, ILogger logger)
    {
        var begin = log.BeginAddress;
        var end = log.CommittedUntilAddress;
        var keep = 0;
        while (keep < index.Count && index.AddressAt(keep) < end)
        {
            keep++;
        }

        index.TruncateTo(keep);
        if (begin >= end)
        {
            index.TruncateTo(0);
            return 0;
        }

        if (index.Count > 0)
        {
            var (firstOffset, firstAddress) = ReadOne(partition, log, begin, end);
            if (index.AddressAt(0) != firstAddress || index.OffsetAt(0) != firstOffset || !ScanTail(partition, log, index, end, out var next))
            {
                logger.LogWarning("The offset index of {Partition} in '{Directory}' does not match its log; rebuilding it from the log.", partition, directory);
                index.TruncateTo(0);
            }
            else
            {
                return next;
            }
        }

        logger.LogInformation("Building the offset index of {Partition} in '{Directory}' from its log ({Bytes:N0} bytes).", partition, directory, end - begin);
        if (!ScanTail(partition, log, index, end, out var rebuilt))
        {
            throw new InvalidDataException($"The embedded log of {partition} in '{directory}' could not be read from its beginning. The log files were changed outside Faustish or are damaged.");
        }

        return rebuilt;
    }

    /// <summary>
    /// Scans from the index's last entry (or the log's beginning) to <paramref name="end"/>, adding index entries, and
    /// returns false if the log does not hold the index's last entry where it says. Throws when offsets do not follow
    /// each other.
    /// </summary>
    private static unsafe bool ScanTail(TopicPartition partition, FasterLog log, OffsetIndex index, long end, out long next)
    {
        var hasEntry = index.Count > 0;
        var start = hasEntry ? index.LastAddress : log.BeginAddress;
        var expected = hasEntry ? index.LastOffset : -1;
        var last = -1L;
        next = 0;
        using var iterator = log.Scan(start, end, name: null, recover: false, scanUncommitted: false);
        while (iterator.UnsafeGetNext(out var entry, out var length, out var address, out _))
        {
            try
            {
                var offset = RecordCodec.OffsetOf(new ReadOnlySpan<byte>(entry, length), partition, address);
                if (last < 0)
                {
                    if (hasEntry && (address != start || offset != expected))
                    {
                        return false;
                    }
                }
                else if (offset != last + 1)
                {
                    throw new InvalidDataException(
                        $"The embedded log of {partition} jumps from offset {last} to {offset} at address {address}. The log files were changed outside Faustish or are damaged.");
                }

                if (index.ShouldAdd(offset, address))
                {
                    index.Add(offset, address);
                }

                last = offset;
            }
            finally
            {
                iterator.UnsafeRelease();
            }
        }

        if (last < 0)
        {
            return !hasEntry;
        }

        next = last + 1;
        return true;
    }

    private static unsafe (long Offset, long Address) ReadOne(TopicPartition partition, FasterLog log, long address, long end)
    {
        using var iterator = log.Scan(address, end, name: null, recover: false, scanUncommitted: false);
        if (!iterator.UnsafeGetNext(out var entry, out var length, out var at, out _))
        {
            return (-1, -1);
        }

        try
        {
            return (RecordCodec.OffsetOf(new ReadOnlySpan<byte>(entry, length), partition, at), at);
        }
        finally
        {
            iterator.UnsafeRelease();
        }
    }

    /// <summary>The offset and address of the first committed record at or after <paramref name="address"/>, or (-1, -1) if there is none.</summary>
    internal (long Offset, long Address) ReadFirst(long address) => ReadOne(Partition, Log, address, CommittedUntil);

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

    /// <summary>Completes once everything below <paramref name="untilAddress"/> is committed (durable and visible).</summary>
    public ValueTask WaitForCommitAsync(long untilAddress, CancellationToken cancellationToken) =>
        CommittedUntil >= untilAddress ? default : Log.WaitForCommitAsync(untilAddress, 0, cancellationToken);

    /// <summary>
    /// Opens a cursor whose first record is the one at <paramref name="fromOffset"/> (the first stored record if that
    /// is lower). The offset must be at most <see cref="NextOffset"/>.
    /// </summary>
    public PartitionCursor OpenCursor(long fromOffset)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            long start;
            long address;
            var compacted = Compacted;
            EnterAppend();
            try
            {
                var first = compacted is { Count: > 0 } ? compacted.FirstOffset : _index.Count > 0 ? _index.OffsetAt(0) : _nextOffset;
                start = Math.Max(fromOffset, first);
                if (fromOffset < first && compacted is null)
                {
                    // Below a compacted head's first record there are only gaps; below a log's first record, deleted records.
                    _logger.LogWarning(
                        "Offsets {From}..{To} of {Partition} were deleted by its retention before they were read; reading from {First}, the log start (as Kafka's auto.offset.reset=earliest).",
                        fromOffset, first - 1, Partition, first);
                }
                if (start > _nextOffset)
                {
                    throw new ArgumentOutOfRangeException(nameof(fromOffset), fromOffset,
                        $"Offset {fromOffset} is beyond the end of {Partition} (the next record written gets offset {_nextOffset}).");
                }

                address = StartAddressLocked(start);
            }
            finally
            {
                ExitAppend();
            }

            var cursor = compacted is not null && start < compacted.CoverEnd
                ? new PartitionCursor(this, compacted.OpenReader(start), start)
                : new PartitionCursor(this, ScanAt(address), start);
            _cursors.Add(cursor);
            return cursor;
        }
    }

    /// <summary>A cursor's scan of the log from the offset index's entry at or below <paramref name="offset"/>.</summary>
    internal FasterLogScanIterator OpenScan(long offset) => ScanAt(AddressAtOrBefore(offset));

    private FasterLogScanIterator ScanAt(long address) =>
        Log.Scan(address, long.MaxValue, name: null, recover: false, scanBufferingMode: ScanBufferingMode.DoublePageBuffering, scanUncommitted: false);

    /// <summary>
    /// Removes the log's records below <paramref name="address"/> (a segment boundary, where the record at
    /// <paramref name="firstOffset"/> starts): FasterLog deletes the segment files once the new begin address is
    /// committed. <paramref name="compacted"/>, if given, is the new compacted head, which holds what compaction kept of
    /// them; it takes effect first, so a reader finds every kept record either there or in the log. Waits (off the hot
    /// path) until the truncation is durable.
    /// </summary>
    internal void TruncateBefore(long address, long firstOffset, CompactedSegment? compacted, TimeSpan timeout)
    {
        if (compacted is not null)
        {
            Volatile.Write(ref _compacted, compacted);
        }

        EnterAppend();
        try
        {
            _index.DropBefore(address, firstOffset);
        }
        finally
        {
            ExitAppend();
        }

        Log.TruncateUntil(address);
        RequestCommit();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var spinner = default(SpinWait);
        while (Log.CommittedBeginAddress < address)
        {
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"Truncating the embedded log of {Partition} below address {address} was not committed within {timeout.TotalSeconds:F0} s.");
            }

            spinner.SpinOnce(sleep1Threshold: 10);
            if (Log.CommittedBeginAddress < address && spinner.Count % 64 == 0)
            {
                Log.Commit(spinWait: false);
            }
        }
    }

    /// <summary>Forgets aborted transactions none of whose records is stored any more.</summary>
    internal void ForgetAborted(IReadOnlyCollection<long> transactionIds)
    {
        if (transactionIds.Count == 0)
        {
            return;
        }

        lock (_stateSync)
        {
            var kept = new HashSet<long>(_aborted);
            kept.ExceptWith(transactionIds);
            Volatile.Write(ref _aborted, kept);
        }
    }

    /// <summary>The log address of the offset index's entry at or below <paramref name="offset"/> (a record boundary at or before it).</summary>
    internal long AddressAtOrBefore(long offset)
    {
        EnterAppend();
        try
        {
            return StartAddressLocked(Math.Min(offset, _nextOffset));
        }
        finally
        {
            ExitAppend();
        }
    }

    /// <summary>
    /// A scan of committed records from the offset index's entry at or below <paramref name="offset"/>: the caller passes
    /// over the records before <paramref name="offset"/>.
    /// </summary>
    public FasterLogScanIterator ScanFrom(long offset)
    {
        var address = AddressAtOrBefore(offset);
        return Log.Scan(address, long.MaxValue, name: null, recover: false, scanUncommitted: false);
    }

    /// <summary>Where to start scanning to reach <paramref name="offset"/> (at most the next offset). Call under the append lock.</summary>
    private long StartAddressLocked(long offset)
    {
        if (offset >= _nextOffset)
        {
            return Log.TailAddress; // exactly where the next record goes
        }

        var floor = _index.Floor(offset);
        return floor < 0 ? Log.BeginAddress : _index.AddressAt(floor);
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
                RequestCommit();
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

            EnterAppend();
            try
            {
                _index.Dispose();
            }
            finally
            {
                ExitAppend();
            }

            Log.Dispose();
            _device.Dispose();
        }
    }

    private void EnterAppend()
    {
        if (Interlocked.CompareExchange(ref _appendLock, 1, 0) != 0)
        {
            EnterAppendContended();
        }
    }

    private void ExitAppend() => Volatile.Write(ref _appendLock, 0);

    private void EnterAppendContended()
    {
        // Another thread appends or commits: wait without burning a core (SpinWait yields, then sleeps), as FasterLog's
        // Enqueue may itself wait for a page to be flushed.
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce(sleep1Threshold: 20);
        }
        while (Interlocked.CompareExchange(ref _appendLock, 1, 0) != 0);
    }

    /// <summary>Moves the durable offset up to the newest commit request FasterLog has completed. Call under <see cref="_stateSync"/>.</summary>
    private long DurableOffsetLocked()
    {
        if (_commitRequests.Count > 0)
        {
            var committed = CommittedUntil;
            while (_commitRequests.Count > 0 && _commitRequests.Peek().Tail <= committed)
            {
                _durableOffset = _commitRequests.Dequeue().NextOffset;
            }
        }

        return _durableOffset;
    }
}
