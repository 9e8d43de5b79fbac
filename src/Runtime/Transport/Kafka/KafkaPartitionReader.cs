using System;
using System.Diagnostics;
using System.Threading;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using CK = Confluent.Kafka;

namespace Faustish.Transport.Kafka;

/// <summary>
/// Reads one partition outside any group: an assign-only consumer (its group id is never joined and nothing is
/// committed). Records are copied into batches as by <see cref="KafkaGroupConsumer"/>, through the same
/// <see cref="KafkaRecordSource"/> (Confluent.Kafka's <c>Consume</c>, or librdkafka's messages read in place).
/// </summary>
/// <remarks>
/// <see cref="Position"/> is librdkafka's position of the consumer: the offset after the last record returned, and
/// past transaction markers and compaction gaps as soon as a fetch has gone over them, so that a reader that has read
/// everything stands at the high watermark. On Kafka a fetch that returns nothing does not mean the end: compare
/// <see cref="Position"/> with <see cref="ITransport.GetWatermarks"/> (see <see cref="PartitionReading.UpTo"/>).
/// </remarks>
internal sealed class KafkaPartitionReader : IPartitionReader
{
    private static readonly TimeSpan MaxPollSlice = TimeSpan.FromMilliseconds(100);

    private readonly KafkaTransport _transport;
    private readonly TopicPartition _partition;
    private readonly CK.TopicPartition _kafkaPartition;
    private readonly IConsumer<int, int> _consumer;
    private readonly RecordCapture _capture = new();
    private readonly KafkaRecordSource _source;
    private readonly IDisposable _registration;
    private readonly string _name;
    private long _start;
    private long _next = -1;
    private bool _disposed;

    public KafkaPartitionReader(KafkaTransport transport, TopicPartition partition, long fromOffset)
    {
        _transport = transport;
        _partition = partition;
        _kafkaPartition = new CK.TopicPartition(partition.Topic, partition.Partition);
        _name = $"reader of {partition}";
        var config = transport.ConsumerConfig("faustish-reader");
        config["dotnet.consumer.consume.result.fields"] = "headers,timestamp";
        _start = fromOffset;
        if (fromOffset == Offsets.End)
        {
            // Fixed now, so that Position means something before the first record.
            _start = transport.GetWatermarks(partition).High;
        }

        _consumer = transport.Configure(new ConsumerBuilder<int, int>(config), _name)
            .SetKeyDeserializer(_capture.Key)
            .SetValueDeserializer(_capture.Value)
            .Build();
        try
        {
            _source = KafkaRecordSource.Create(transport.Options.FetchPath, _consumer, _capture, transport, _name, partition.Topic);
            _consumer.Assign(new CK.TopicPartitionOffset(_kafkaPartition, KafkaTransport.ToKafkaOffset(_start)));
        }
        catch
        {
            _source?.Dispose();
            _consumer.Dispose();
            throw;
        }

        _registration = transport.Health.Register(() => _disposed ? null : _name);
    }

    public long Position
    {
        get
        {
            if (_disposed)
            {
                return _next >= 0 ? _next : _start;
            }

            var position = _consumer.Position(_kafkaPartition);
            if (!position.IsSpecial)
            {
                return Math.Max(position.Value, _next);
            }

            if (_next >= 0)
            {
                return _next;
            }

            if (_start == Offsets.Beginning)
            {
                // Nothing read yet: the first stored record is next.
                _start = _transport.GetWatermarks(_partition).Low;
            }

            return _start;
        }
    }

    public bool Fetch(RecordBatch batch, int maxRecords, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var deadline = Stopwatch.GetTimestamp() + (long)(Math.Max(0, timeout.TotalSeconds) * Stopwatch.Frequency);
        var count = 0;
        while (count < maxRecords)
        {
            var wait = 0;
            if (count == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                wait = (int)Math.Ceiling(Math.Clamp(left.TotalMilliseconds, 0, MaxPollSlice.TotalMilliseconds));
            }

            if (!_source.Poll(wait))
            {
                if (count > 0 || Stopwatch.GetTimestamp() >= deadline)
                {
                    return count > 0;
                }

                continue;
            }

            if (_source.IsPartitionEof)
            {
                continue;
            }

            if (count == 0)
            {
                batch.Reset(_partition.Topic, _partition.Partition);
            }

            _source.AddTo(batch);
            _next = _source.Offset + 1;
            count++;
        }

        return true;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            // What librdkafka knows, without asking the brokers (they may be down).
            var position = _consumer.Position(_kafkaPartition);
            if (!position.IsSpecial)
            {
                _next = Math.Max(_next, position.Value);
            }
        }
        catch (KafkaException)
        {
            // Position after disposal is then the last one known.
        }

        _disposed = true;
        _registration.Dispose();
        _source.Release(); // librdkafka's message, if any, before its consumer closes
        try
        {
            _consumer.Close();
        }
        catch (KafkaException e)
        {
            _transport.Logger.LogDebug(e, "Closing the {Reader} failed", _name);
        }
        finally
        {
            _consumer.Dispose();
            _source.Dispose();
        }
    }
}
