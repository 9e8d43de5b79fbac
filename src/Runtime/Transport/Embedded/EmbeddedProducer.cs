using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Faustish.Transport.Embedded;

/// <summary>
/// Appends records to partition logs. Owned by one thread; many producers may write the same partition.
/// Each record is encoded into a reusable scratch buffer and enqueued, so steady-state produces allocate nothing.
/// A transactional producer (<paramref name="transactionalId"/> set) tags its records with the id of its open
/// transaction and registers the transaction in each partition before its first record there
/// (<see cref="TransactionJournal"/>).
/// </summary>
internal sealed class EmbeddedProducer(EmbeddedTransport transport, string? transactionalId = null) : ITransactionalProducer
{
    // The partitions written since the last flush (or, transactional, since the transaction began): _written[0.._writtenCount).
    private Written[] _written = new Written[4];
    private int _writtenCount;
    private long _transactionId;
    private volatile bool _fenced;
    private byte[] _scratch = new byte[4096];
    private PartitionLog? _lastLog;
    private int _lastIndex = -1;
    private bool _disposed;

    public void Produce(TopicPartition partition, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull,
        long timestampMs, IReadOnlyList<RecordHeader>? headers = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var gate = transport.Gate;
        gate.Enter();
        try
        {
            var log = Resolve(partition);
            var headersLength = RecordHeaderEncoding.SizeOf(headers);
            var size = RecordCodec.SizeOf(keyIsNull ? 0 : key.Length, valueIsNull ? 0 : value.Length, headersLength);
            if (size > log.MaxEntrySize)
            {
                ThrowTooLarge(partition, size, log.MaxEntrySize);
            }

            if (_scratch.Length < size)
            {
                _scratch = new byte[Math.Max(size, _scratch.Length * 2)];
            }

            var entry = _scratch.AsSpan(0, size);
            RecordCodec.Write(entry, timestampMs, _transactionId, key, keyIsNull, value, valueIsNull, headersLength, out var headersDestination);
            RecordHeaderEncoding.Write(headers, headersDestination);
            var offset = log.Append(entry, out var address);
            ref var written = ref _written[_lastIndex];
            written.UntilAddress = address + 1;
            written.EndOffset = offset + 1;
            written.Records++;
        }
        finally
        {
            gate.Exit();
        }
    }

    public string TransactionalId => transactionalId ?? throw new InvalidOperationException("This producer is not transactional.");

    internal bool IsFenced => _fenced;

    /// <summary>Called when a newer producer with the same transactional id starts: this one can no longer commit.</summary>
    internal void Fence() => _fenced = true;

    /// <summary>
    /// Makes what was produced durable. Outside a transaction it becomes visible too; a transactional producer's
    /// records stay invisible until <see cref="CommitTransaction"/>. Throws <see cref="DeliveryFailedException"/> with one
    /// failure per record of every partition whose log could not be committed (an I/O error); those records stay
    /// pending, so a later flush reports them again unless it succeeds.
    /// </summary>
    public void Flush(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_writtenCount == 0)
        {
            return;
        }

        var gate = transport.Gate;
        gate.Enter();
        try
        {
            FlushWritten(cancellationToken);
            if (transactionalId is null)
            {
                Reset();
            }
        }
        finally
        {
            gate.Exit();
        }
    }

    /// <summary>
    /// Asks every partition written since the last flush to commit, forgets them, and returns a task that completes
    /// once their records are durable (FasterLog syncs on its own thread). The worker keeps producing meanwhile; the
    /// records it produces now belong to the next flush. Not for transactional producers: their records become durable
    /// in <see cref="CommitTransaction"/>.
    /// </summary>
    public Task BeginFlush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (transactionalId is not null)
        {
            throw new InvalidOperationException("A transactional producer's records become durable in CommitTransaction, not in BeginFlush.");
        }

        if (_writtenCount == 0)
        {
            return Task.CompletedTask;
        }

        var gate = transport.Gate;
        gate.Enter();
        var written = _written.AsSpan(0, _writtenCount).ToArray();
        List<DeliveryFailure>? failures = null;
        for (var i = 0; i < written.Length; i++)
        {
            try
            {
                written[i].Log.RequestCommit();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                written[i].Failed = true;
                AddFailures(ref failures, written[i], e);
            }
        }

        Reset();
        // The gate stays entered until the wait ends: the transport does not close its logs under it.
        return WaitForDurableAsync(gate, written, failures);
    }

    private static async Task WaitForDurableAsync(OperationGate gate, Written[] written, List<DeliveryFailure>? failures)
    {
        try
        {
            for (var i = 0; i < written.Length; i++)
            {
                if (written[i].Failed)
                {
                    continue;
                }

                try
                {
                    await written[i].Log.WaitForCommitAsync(written[i].UntilAddress, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    AddFailures(ref failures, written[i], e);
                    continue;
                }

                written[i].Log.NotifyCommitted();
            }

            if (failures is not null)
            {
                throw new DeliveryFailedException(failures);
            }
        }
        finally
        {
            gate.Exit();
        }
    }

    public void CommitTransaction(IReadOnlyList<TopicPartitionOffset> positions, IGroupConsumer? consumer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var journal = transport.Journal;
        if (transactionalId is null)
        {
            throw new InvalidOperationException("CommitTransaction needs a transactional producer (ITransactionalTransport.CreateTransactionalProducer).");
        }

        if (_transactionId == 0 && positions.Count == 0)
        {
            return; // Nothing produced, nothing to commit.
        }

        var gate = transport.Gate;
        gate.Enter();
        try
        {
            // 1. The transaction's records become durable (still invisible: the partitions hold it open).
            FlushWritten(cancellationToken);
            var written = new (PartitionLog, long)[_writtenCount];
            for (var i = 0; i < written.Length; i++)
            {
                written[i] = (_written[i].Log, _written[i].EndOffset);
            }

            // 2. One atomic journal write decides it, with the positions, under the group's ownership check.
            var id = _transactionId;
            if (positions.Count == 0)
            {
                journal.Commit(this, id, written, group: null, positions: null);
            }
            else
            {
                ArgumentNullException.ThrowIfNull(consumer);
                var membership = consumer.Membership;
                var coordinator = transport.FindGroup(membership.GroupId) ?? throw new ArgumentException(
                    $"Group '{membership.GroupId}' has no consumer in {transport.Description}: commit positions with a group consumer of the same embedded transport.",
                    nameof(consumer));
                coordinator.CommitTransaction(membership, positions, () => journal.Commit(this, id, written, coordinator.GroupId, positions));
            }

            Reset();
        }
        finally
        {
            gate.Exit();
        }
    }

    public void AbortTransaction()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        AbortOpenTransaction();
    }

    /// <summary>
    /// Drops the producer. Records not flushed stay in the logs and become durable with the next commit. A
    /// transactional producer aborts its open transaction (if the transport is still open; otherwise the next
    /// open aborts it).
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            if (transactionalId is not null && !transport.Gate.IsClosed)
            {
                AbortOpenTransaction();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            transport.Logger.LogWarning(e, "Aborting the open transaction of '{Id}' failed; the transport aborts it when it next opens.", transactionalId);
        }
        finally
        {
            _disposed = true;
            if (transactionalId is not null)
            {
                transport.Journal.UnregisterProducer(transactionalId, this);
            }
        }
    }

    private void AbortOpenTransaction()
    {
        if (_transactionId == 0)
        {
            Reset();
            return;
        }

        var gate = transport.Gate;
        gate.Enter();
        try
        {
            var written = new (PartitionLog, long, long)[_writtenCount];
            for (var i = 0; i < written.Length; i++)
            {
                ref readonly var w = ref _written[i];
                written[i] = (w.Log, w.First, Math.Max(w.First, w.EndOffset - 1));
            }

            transport.Journal.Abort(_transactionId, written);
            Reset();
        }
        finally
        {
            gate.Exit();
        }
    }

    /// <summary>
    /// Commits every partition written and waits until its records are durable. Throws <see cref="DeliveryFailedException"/>
    /// listing the records of the partitions that failed (after waiting for the others).
    /// </summary>
    private void FlushWritten(CancellationToken cancellationToken)
    {
        List<DeliveryFailure>? failures = null;
        for (var i = 0; i < _writtenCount; i++)
        {
            ref var written = ref _written[i];
            written.Failed = false;
            try
            {
                written.Log.RequestCommit();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                written.Failed = true;
                AddFailures(ref failures, written, e);
            }
        }

        for (var i = 0; i < _writtenCount; i++)
        {
            ref var written = ref _written[i];
            if (written.Failed)
            {
                continue;
            }

            try
            {
                written.Log.WaitForCommit(written.UntilAddress, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                written.Failed = true;
                AddFailures(ref failures, written, e);
                continue;
            }

            written.Log.NotifyCommitted();
        }

        if (failures is not null)
        {
            throw new DeliveryFailedException(failures);
        }
    }

    private static void AddFailures(ref List<DeliveryFailure>? failures, in Written written, Exception e)
    {
        failures ??= [];
        var reason = $"not made durable: committing the embedded log in '{written.Log.Directory}' failed ({e.GetType().Name}: {e.Message})";
        var failure = new DeliveryFailure(written.Log.Partition, reason);
        for (var r = 0; r < Math.Max(1, written.Records); r++)
        {
            failures.Add(failure);
        }
    }

    private void Reset()
    {
        Array.Clear(_written, 0, _writtenCount);
        _writtenCount = 0;
        _lastLog = null;
        _lastIndex = -1;
        _transactionId = 0;
    }

    private PartitionLog Resolve(TopicPartition partition)
    {
        var last = _lastLog;
        if (last is not null && last.Partition.Partition == partition.Partition
            && string.Equals(last.Partition.Topic, partition.Topic, StringComparison.Ordinal))
        {
            return last;
        }

        var log = transport.GetLog(partition);
        var index = -1;
        for (var i = 0; i < _writtenCount; i++)
        {
            if (ReferenceEquals(_written[i].Log, log))
            {
                index = i;
                break;
            }
        }

        if (index < 0)
        {
            long first = 0;
            if (transactionalId is not null)
            {
                // Before the transaction's first record in this partition: the partition is known to the journal
                // (so that recovery looks at it) and readers stop at this transaction until it is decided.
                var journal = transport.Journal;
                if (_transactionId == 0)
                {
                    _transactionId = journal.NextTransactionId();
                }

                journal.Register(log);
                first = log.BeginTransactionalWrite(_transactionId);
            }

            if (_writtenCount == _written.Length)
            {
                Array.Resize(ref _written, _written.Length * 2);
            }

            index = _writtenCount++;
            _written[index] = new Written { Log = log, First = first, EndOffset = first };
        }

        _lastLog = log;
        _lastIndex = index;
        return log;
    }

    private static void ThrowTooLarge(TopicPartition partition, int size, int max) =>
        throw new ArgumentException(
            $"A record of {size} bytes (key, value, headers and 36 bytes of framing) does not fit in a page of the embedded log of {partition} (at most {max} bytes). Raise EmbeddedTransportOptions.PageSizeBits.");

    /// <summary>A partition written since the last flush or transaction start.</summary>
    private struct Written
    {
        public PartitionLog Log;

        /// <summary>The first offset the open transaction may use here (transactional producers).</summary>
        public long First;

        /// <summary>The log address after the last record produced (what a flush waits for).</summary>
        public long UntilAddress;

        /// <summary>The offset after the last record produced.</summary>
        public long EndOffset;

        /// <summary>Records produced (what a failed flush reports).</summary>
        public int Records;

        public bool Failed;
    }
}
