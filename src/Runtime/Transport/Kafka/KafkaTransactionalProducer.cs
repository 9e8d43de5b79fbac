using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using CK = Confluent.Kafka;

namespace Faustish.Transport.Kafka;

/// <summary>
/// A worker thread's transactional producer (Kafka's "exactly-once v2" shape: one per thread, not per partition).
/// A transaction begins with the first record after a commit or abort; <see cref="CommitTransaction"/> flushes the
/// records, sends the input positions with the consumer's group metadata (<c>SendOffsetsToTransaction</c>, so the
/// group coordinator refuses them from a member that is no longer in the generation) and commits: outputs, changelog
/// records and positions become visible together, or never.
/// </summary>
/// <remarks>
/// <para><b>Fencing.</b> The transactional id is stable across restarts of the same process and worker
/// (<c>{app}.{process}.{agent}#{n}</c>): <c>InitTransactions</c> of a restarted worker aborts what its crashed
/// predecessor left open and fences it. A producer that is fenced (or fails fatally) cannot abort; its
/// <see cref="AbortTransaction"/> replaces the librdkafka client with a new one of the same id, whose
/// <c>InitTransactions</c> aborts the open transaction on the broker, as Kafka Streams does.</para>
/// <para><b>Timeouts.</b> <c>transaction.timeout.ms</c> (10 s unless set) bounds how long a stuck worker's open
/// transaction holds back read_committed readers of its partitions: the broker then aborts it and fences the
/// producer. Transaction calls are bounded by <see cref="KafkaTransportOptions.RequestTimeout"/>.</para>
/// </remarks>
internal sealed class KafkaTransactionalProducer : ITransactionalProducer
{
    private readonly KafkaTransport _transport;
    private readonly Dictionary<TopicPartition, long> _written = [];
    private readonly Dictionary<TopicPartition, long> _committedEnds = [];
    private readonly Lock _sync = new();
    private KafkaProducer _inner;
    private bool _inTransaction;
    private bool _disposed;

    public KafkaTransactionalProducer(KafkaTransport transport, string transactionalId)
    {
        _transport = transport;
        TransactionalId = transactionalId;
        _inner = Open();
    }

    public string TransactionalId { get; }

    /// <summary>Transactions begun, committed and aborted by this producer, and librdkafka clients replaced after fencing.</summary>
    public (long Begun, long Committed, long Aborted, long Replaced) Counts => (_begun, _committed, _aborted, _replaced);

    private long _begun;
    private long _committed;
    private long _aborted;
    private long _replaced;

    public void Produce(TopicPartition partition, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull,
        long timestampMs, IReadOnlyList<RecordHeader>? headers = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Begin();
        _inner.Produce(partition, key, keyIsNull, value, valueIsNull, timestampMs, headers);
    }

    /// <summary>Makes the records durable on the brokers (still invisible to read_committed readers until the commit).</summary>
    public void Flush(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _inner.Flush(cancellationToken);
    }

    public void CommitTransaction(IReadOnlyList<TopicPartitionOffset> positions, IGroupConsumer? consumer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_inTransaction && positions.Count == 0)
        {
            return; // nothing produced, nothing to commit
        }

        Begin();
        _inner.Flush(cancellationToken);
        var timeout = _transport.Options.RequestTimeout;
        if (positions.Count > 0)
        {
            var metadata = consumer?.Membership.TransportState as IConsumerGroupMetadata ?? throw new InvalidOperationException(
                $"Transactional producer {TransactionalId} commits input positions, but {(consumer is null ? "no consumer was given" : "the consumer is not a Kafka group consumer")}: pass the Kafka consumer the positions were read by.");
            var offsets = new List<CK.TopicPartitionOffset>(positions.Count);
            foreach (var position in positions)
            {
                offsets.Add(new CK.TopicPartitionOffset(position.Topic, position.Partition, position.Offset));
            }

            Call("send the input positions", () => _inner.Client.SendOffsetsToTransaction(offsets, metadata, timeout));
        }

        Call("commit", () => _inner.Client.CommitTransaction(timeout));
        _inTransaction = false;
        _committed++;
        lock (_sync)
        {
            _committedEnds.Clear();
            foreach (var (partition, end) in _written)
            {
                _committedEnds[partition] = end;
            }

            _written.Clear();
        }
    }

    public void AbortTransaction()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_inTransaction && _inner.Fatal is null)
        {
            return;
        }

        var fenced = true;
        if (_inner.Fatal is null)
        {
            try
            {
                Call("abort", () => _inner.Client.AbortTransaction(_transport.Options.RequestTimeout));
                fenced = false;
            }
            catch (ProducerFencedException)
            {
                // librdkafka may report the fatal error only with the abort: replace the producer below.
            }
        }

        if (fenced)
        {
            // A fenced (or otherwise fatally failed) client can do nothing more: a new client with the same id aborts
            // the open transaction on the broker when it initializes.
            _transport.Logger.LogWarning("Transactional producer {Id} failed fatally ({Reason}); replacing it: the new producer aborts its open transaction",
                TransactionalId, (_inner.Fatal ?? new Error(ErrorCode.Local_Fatal)).Reason);
            var old = _inner;
            _inner = Open();
            old.Dispose();
            _replaced++;
        }

        _inTransaction = false;
        _aborted++;
        lock (_sync)
        {
            _written.Clear();
        }

        _transport.Logger.LogInformation("Transactional producer {Id} aborted its transaction ({Begun} begun, {Committed} committed, {Aborted} aborted so far)",
            TransactionalId, _begun, _committed, _aborted);
    }

    /// <inheritdoc />
    public long? CommittedEnd(TopicPartition partition)
    {
        lock (_sync)
        {
            return _committedEnds.TryGetValue(partition, out var end) ? end : null;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _transport.Logger.LogInformation("Transactional producer {Id} closed: {Begun} transaction(s) begun, {Committed} committed, {Aborted} aborted, {Replaced} producer(s) replaced after fencing",
            TransactionalId, _begun, _committed, _aborted, _replaced);
        _inner.Dispose();
    }

    private KafkaProducer Open()
    {
        var producer = new KafkaProducer(_transport, TransactionalId);
        try
        {
            producer.Delivered = OnDelivered;
            // Fences every earlier producer of this id and aborts what it left open.
            Call(producer, "initialize", () => producer.Client.InitTransactions(_transport.Options.RequestTimeout));
            return producer;
        }
        catch
        {
            producer.Dispose();
            throw;
        }
    }

    private void Begin()
    {
        if (_inTransaction)
        {
            return;
        }

        Call("begin", () => _inner.Client.BeginTransaction());
        _inTransaction = true;
        _begun++;
    }

    private void OnDelivered(TopicPartition partition, long offset)
    {
        lock (_sync)
        {
            if (!_written.TryGetValue(partition, out var end) || end <= offset)
            {
                _written[partition] = offset + 1;
            }
        }
    }

    private void Call(string what, Action call) => Call(_inner, what, call);

    /// <summary>
    /// Runs a transaction call: retried while librdkafka says the error passes (coordinator moving, timeout), up to
    /// the request timeout; an error that needs an abort or is fatal is thrown (fencing as <see cref="ProducerFencedException"/>).
    /// </summary>
    private void Call(KafkaProducer producer, string what, Action call)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                call();
                return;
            }
            catch (KafkaRetriableException e) when (Stopwatch.GetElapsedTime(started) < _transport.Options.RequestTimeout)
            {
                _transport.Logger.LogDebug("Transactional producer {Id} could not {What} ({Reason}); retrying", TransactionalId, what, e.Error.Reason);
                Thread.Sleep(100);
            }
            catch (KafkaException e) when (e.Error.IsFatal || producer.Fatal is not null || e.Error.Code is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch)
            {
                throw new ProducerFencedException(
                    $"Transactional producer {TransactionalId} could not {what}: {(producer.Fatal ?? e.Error).Reason} ({(producer.Fatal ?? e.Error).Code}). " +
                    "Another producer with its transactional id took over, or the broker aborted a transaction that outlived transaction.timeout.ms; its open transaction is aborted.");
            }
            catch (KafkaException e)
            {
                throw new InvalidOperationException(
                    $"Transactional producer {TransactionalId} could not {what}: {e.Error.Reason} ({e.Error.Code}); the transaction is aborted.", e);
            }
        }
    }
}
