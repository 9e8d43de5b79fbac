using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace Faustish.Transport.Embedded;

/// <summary>
/// Appends records to partition logs. Owned by one thread; many producers may write the same partition.
/// Each record is encoded into a reusable scratch buffer and enqueued, so steady-state produces allocate nothing.
/// </summary>
internal sealed class EmbeddedProducer(EmbeddedTransport transport) : IRecordProducer
{
    private readonly List<PartitionLog> _written = [];
    private readonly List<long> _writtenUntil = [];
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
            RecordCodec.Write(entry, timestampMs, key, keyIsNull, value, valueIsNull, headersLength, out var headersDestination);
            RecordHeaderEncoding.Write(headers, headersDestination);
            var address = log.Log.Enqueue(entry);
            _writtenUntil[_lastIndex] = address + 1;
        }
        finally
        {
            gate.Exit();
        }
    }

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

            _written.Clear();
            _writtenUntil.Clear();
            _lastLog = null;
            _lastIndex = -1;
        }
        finally
        {
            gate.Exit();
        }
    }

    /// <summary>Drops the producer. Records not flushed stay in the logs and become durable with the next commit.</summary>
    public void Dispose() => _disposed = true;

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
            index = _written.Count;
            _written.Add(log);
            _writtenUntil.Add(0);
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
            $"A record of {size} bytes (key, value, headers and 20 bytes of framing) does not fit in a page of the embedded log of {partition} (at most {max} bytes). Raise EmbeddedTransportOptions.PageSizeBits.");
}
