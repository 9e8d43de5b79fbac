using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using CK = Confluent.Kafka;

namespace Faustish.Transport.Kafka;

/// <summary>
/// An idempotent Kafka producer for one worker thread. librdkafka copies a record's bytes when it is produced, so
/// key and value spans are copied into arrays this producer reuses (one per length, see <see cref="ExactLengthArrays"/>)
/// rather than into new ones. Every delivery reports back (on librdkafka's poll thread); failed ones are collected and
/// thrown together by <see cref="Flush"/>.
/// </summary>
internal sealed class KafkaProducer : IRecordProducer
{
    private static readonly TimeSpan QueueFullWait = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan SlowFlush = TimeSpan.FromSeconds(10);

    private readonly KafkaTransport _transport;
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly Message<byte[], byte[]> _message = new();
    private readonly Headers _noHeaders = [];
    private readonly ExactLengthArrays _keys = new();
    private readonly ExactLengthArrays _values = new();
    private readonly Action<DeliveryReport<byte[], byte[]>> _onDelivery;
    private readonly Dictionary<TopicPartition, CK.TopicPartition> _partitions = [];
    private readonly Lock _sync = new();
    private readonly List<DeliveryFailure> _failures = [];
    private readonly IDisposable _registration;
    private CK.TopicPartition? _lastPartition;
    private TopicPartition _last;
    private long _pending;
    private Error? _fatal;
    private bool _disposed;

    /// <param name="transport">The transport whose settings and health the producer uses.</param>
    /// <param name="transactionalId">Kafka's <c>transactional.id</c> for a transactional producer (see <see cref="KafkaTransactionalProducer"/>), else null.</param>
    public KafkaProducer(KafkaTransport transport, string? transactionalId = null)
    {
        _transport = transport;
        _onDelivery = OnDelivery;
        var config = KafkaSettings.Build(transport.Options, KafkaClientKind.Producer);
        if (transactionalId is not null)
        {
            config["transactional.id"] = transactionalId;
            // librdkafka refuses a delivery timeout beyond the transaction's: a record that cannot be delivered within
            // a transaction fails it. Unless the user chose one, deliveries are retried for as long as the transaction lives.
            if (!KafkaSettings.UserSets(transport.Options, KafkaClientKind.Producer, "message.timeout.ms"))
            {
                config["message.timeout.ms"] = config["transaction.timeout.ms"];
            }
        }

        _producer = transport.Configure(new ProducerBuilder<byte[], byte[]>(config), transactionalId is null ? "producer" : $"transactional producer {transactionalId}",
            error =>
            {
                if (error.IsFatal)
                {
                    _fatal = error;
                }
            }).Build();
        _registration = transport.Health.Register(() =>
            Interlocked.Read(ref _pending) is var pending and > 0 ? $"producer {_producer.Name}: {pending} record(s) to deliver" : null);
    }

    /// <summary>The Confluent.Kafka client, for the transaction calls of <see cref="KafkaTransactionalProducer"/>.</summary>
    internal IProducer<byte[], byte[]> Client => _producer;

    /// <summary>The fatal error this producer met (a fenced transactional producer's, say), or null.</summary>
    internal Error? Fatal => _fatal;

    /// <summary>
    /// Told the offset of every record delivered (on librdkafka's poll thread): a transactional producer keeps, per
    /// partition, the end of what its transaction wrote.
    /// </summary>
    internal Action<TopicPartition, long>? Delivered { get; set; }

    public void Produce(TopicPartition partition, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull,
        long timestampMs, IReadOnlyList<RecordHeader>? headers = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfFatal();
        var target = Resolve(partition);
        _message.Key = keyIsNull ? null! : _keys.Copy(key);
        _message.Value = valueIsNull ? null! : _values.Copy(value);
        _message.Timestamp = timestampMs >= 0 ? new Timestamp(timestampMs, TimestampType.CreateTime) : Timestamp.Default;
        _message.Headers = headers is null || headers.Count == 0 ? _noHeaders : ToKafka(headers);
        Interlocked.Increment(ref _pending);
        while (true)
        {
            try
            {
                _producer.Produce(target, _message, _onDelivery);
                return;
            }
            catch (Exception e) when (e is not ProduceException<byte[], byte[]>)
            {
                Interlocked.Decrement(ref _pending); // not handed to librdkafka: no report will come
                throw;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // librdkafka's queue is full (queue.buffering.max.messages/kbytes): wait for deliveries to make room.
                Thread.Sleep(QueueFullWait);
            }
            catch (ProduceException<byte[], byte[]> e)
            {
                // Refused before it left (unknown partition, too large, …): report it with the others at Flush.
                Interlocked.Decrement(ref _pending);
                if (e.Error.IsFatal)
                {
                    _fatal = e.Error;
                    ThrowIfFatal();
                }

                lock (_sync)
                {
                    _failures.Add(new DeliveryFailure(partition, $"{e.Error.Reason} ({e.Error.Code})"));
                }

                return;
            }
        }
    }

    public void Flush(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var started = Stopwatch.GetTimestamp();
        var nextReport = started + (long)(SlowFlush.TotalSeconds * Stopwatch.Frequency);
        long? reportsSince = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var left = _producer.Flush(TimeSpan.FromMilliseconds(200));
            if (left == 0 && Interlocked.Read(ref _pending) == 0)
            {
                break;
            }

            // librdkafka may count a delivery as done just before its report handler has run: wait for the handlers too.
            if (left == 0)
            {
                reportsSince ??= Stopwatch.GetTimestamp();
                if (Stopwatch.GetElapsedTime(reportsSince.Value) > SlowFlush)
                {
                    throw new InvalidOperationException(
                        $"Producer {_producer.Name}: librdkafka has nothing left to deliver, but {Interlocked.Read(ref _pending)} delivery report(s) never came; their records may or may not have been written.");
                }
            }
            else
            {
                reportsSince = null;
            }

            if (Stopwatch.GetTimestamp() >= nextReport)
            {
                nextReport = Stopwatch.GetTimestamp() + (long)(SlowFlush.TotalSeconds * Stopwatch.Frequency);
                _transport.Logger.LogWarning("Producer {Producer} has waited {Seconds:F0} s for {Count} record(s) to be delivered to {Servers}; librdkafka keeps retrying (message.timeout.ms bounds it)",
                    _producer.Name, Stopwatch.GetElapsedTime(started).TotalSeconds, Interlocked.Read(ref _pending), _transport.Options.BootstrapServers);
            }

            if (left == 0)
            {
                Thread.Sleep(1);
            }
        }

        ThrowIfFatal();
        DeliveryFailure[] failures;
        lock (_sync)
        {
            if (_failures.Count == 0)
            {
                return;
            }

            failures = [.. _failures];
            _failures.Clear();
        }

        throw new DeliveryFailedException(failures);
    }

    /// <summary>Closes the producer. Records not flushed may be lost: flush first.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _registration.Dispose();
        _producer.Dispose();
    }

    /// <summary>A delivery report (on librdkafka's poll thread).</summary>
    private void OnDelivery(DeliveryReport<byte[], byte[]> report)
    {
        if (report.Error.IsError)
        {
            lock (_sync)
            {
                _failures.Add(new DeliveryFailure(new TopicPartition(report.Topic, report.Partition.Value), $"{report.Error.Reason} ({report.Error.Code})"));
            }
        }
        else if (Delivered is { } delivered)
        {
            delivered(new TopicPartition(report.Topic, report.Partition.Value), report.Offset.Value);
        }

        Interlocked.Decrement(ref _pending);
    }

    private CK.TopicPartition Resolve(TopicPartition partition)
    {
        if (_lastPartition is not null && _last.Partition == partition.Partition && string.Equals(_last.Topic, partition.Topic, StringComparison.Ordinal))
        {
            return _lastPartition;
        }

        if (!_partitions.TryGetValue(partition, out var target))
        {
            ArgumentException.ThrowIfNullOrEmpty(partition.Topic, nameof(partition));
            ArgumentOutOfRangeException.ThrowIfNegative(partition.Partition, nameof(partition));
            target = new CK.TopicPartition(partition.Topic, partition.Partition);
            _partitions.Add(partition, target);
        }

        _last = partition;
        _lastPartition = target;
        return target;
    }

    private void ThrowIfFatal()
    {
        if (_fatal is { } fatal)
        {
            throw new InvalidOperationException(
                $"Kafka producer {_producer.Name} failed fatally and cannot go on: {fatal.Reason} ({fatal.Code}). Restart the worker: it resumes from its last commit.");
        }
    }

    private static Headers ToKafka(IReadOnlyList<RecordHeader> headers)
    {
        var kafka = new Headers();
        foreach (var header in headers)
        {
            kafka.Add(header.Name, header.Value);
        }

        return kafka;
    }

    /// <summary>
    /// Reusable arrays of exact lengths, to hand Confluent.Kafka a record's bytes (it takes whole arrays, and librdkafka
    /// copies them at once): one array per length, in 64 slots chosen by length. A stream whose keys and values come in
    /// fewer than 64 different lengths at a time allocates nothing per record; others allocate as if there were no cache.
    /// </summary>
    private sealed class ExactLengthArrays
    {
        private const int Slots = 64;
        private const int MaxCached = 64 * 1024;
        private readonly byte[]?[] _arrays = new byte[]?[Slots];

        public byte[] Copy(ReadOnlySpan<byte> data)
        {
            if (data.IsEmpty)
            {
                return [];
            }

            byte[] array;
            if (data.Length > MaxCached)
            {
                array = data.ToArray();
                return array;
            }

            ref var slot = ref _arrays[data.Length & (Slots - 1)];
            if (slot is null || slot.Length != data.Length)
            {
                slot = new byte[data.Length];
            }

            array = slot;
            data.CopyTo(array);
            return array;
        }
    }
}
