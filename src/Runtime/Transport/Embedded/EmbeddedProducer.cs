using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
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
    private readonly List<PartitionLog> _written = [];
    private readonly List<long> _writtenUntil = [];
    private readonly List<long> _firsts = [];
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
            var address = log.Log.Enqueue(entry);
            _writtenUntil[_lastIndex] = address + 1;
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
    /// records stay invisible until <see cref="CommitTransaction"/>.
    /// </summary>
    public void Flush(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_written.Count == 0)
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
            var written = new (PartitionLog, long)[_written.Count];
            for (var i = 0; i < written.Length; i++)
            {
                written[i] = (_written[i], _writtenUntil[i]);
            }

            // 2. One atomic journal write decides it, with the positions, under the group's ownership check.
            var id = _transactionId;
            if (positions.Count == 0)
            {
                journal.Commit(this, id, written, group: null, positions: null);
            }
            else
            {
                if (consumer is not EmbeddedGroupConsumer member || !member.BelongsTo(transport))
                {
                    throw new ArgumentException("Commit positions with a group consumer of the same embedded transport.", nameof(consumer));
                }

                member.Coordinator.CommitTransaction(member, positions, () => journal.Commit(this, id, written, member.Coordinator.GroupId, positions));
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
            var written = new (PartitionLog, long, long)[_written.Count];
            for (var i = 0; i < written.Length; i++)
            {
                written[i] = (_written[i], _firsts[i], Math.Max(_firsts[i], _writtenUntil[i] - 1));
            }

            transport.Journal.Abort(_transactionId, written);
            Reset();
        }
        finally
        {
            gate.Exit();
        }
    }

    private void FlushWritten(CancellationToken cancellationToken)
    {
        foreach (var log in _written)
        {
            Commit(log);
        }

        for (var i = 0; i < _written.Count; i++)
        {
            var log = _written[i];
            try
            {
                log.WaitForCommit(_writtenUntil[i], cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new IOException($"Flushing {log.Partition} to '{log.Directory}' failed: {e.Message}", e);
            }

            log.NotifyCommitted();
        }
    }

    private void Reset()
    {
        _written.Clear();
        _writtenUntil.Clear();
        _firsts.Clear();
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
        var index = _written.IndexOf(log);
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

            index = _written.Count;
            _written.Add(log);
            _writtenUntil.Add(0);
            _firsts.Add(first);
        }

        _lastLog = log;
        _lastIndex = index;
        return log;
    }

    private static void Commit(PartitionLog log)
    {
        try
        {
            log.Log.Commit(spinWait: false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new IOException($"Flushing {log.Partition} to '{log.Directory}' failed: {e.Message}", e);
        }
    }

    private static void ThrowTooLarge(TopicPartition partition, int size, int max) =>
        throw new ArgumentException(
            $"A record of {size} bytes (key, value, headers and 28 bytes of framing) does not fit in a page of the embedded log of {partition} (at most {max} bytes). Raise EmbeddedTransportOptions.PageSizeBits.");
}
