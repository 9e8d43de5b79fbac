using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Faustish.Transport;
using Faustish.Transport.Kafka;
using Microsoft.Extensions.Logging;

namespace Faustish.Tests.Kafka;

/// <summary>A mock cluster and a Kafka transport on it, with settings that make groups form and fail over quickly.</summary>
internal sealed class KafkaTestCluster : IAsyncDisposable
{
    /// <summary>The bound of every wait in these tests.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private KafkaTestCluster(MockKafkaCluster cluster, KafkaTransport transport, CapturingLoggerFactory logs)
    {
        Cluster = cluster;
        Transport = transport;
        Logs = logs;
    }

    public MockKafkaCluster Cluster { get; }

    public KafkaTransport Transport { get; }

    public CapturingLoggerFactory Logs { get; }

    public static KafkaTestCluster Start(int brokers = 1, Action<Dictionary<string, string?>, Dictionary<string, string?>, Dictionary<string, string?>>? settings = null,
        TimeSpan? requestTimeout = null, KafkaFetchPath fetchPath = KafkaFetchPath.Client)
    {
        var cluster = MockKafkaCluster.Start(brokers);
        try
        {
            var logs = new CapturingLoggerFactory();
            var transport = KafkaTransport.Open(Options(cluster, settings, requestTimeout, fetchPath), logs);
            return new KafkaTestCluster(cluster, transport, logs);
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Transport options for <paramref name="cluster"/>: short sessions and heartbeats, quick reconnects.</summary>
    public static KafkaTransportOptions Options(MockKafkaCluster cluster,
        Action<Dictionary<string, string?>, Dictionary<string, string?>, Dictionary<string, string?>>? settings = null, TimeSpan? requestTimeout = null,
        KafkaFetchPath fetchPath = KafkaFetchPath.Client)
    {
        var common = new Dictionary<string, string?> { ["reconnect.backoff.ms"] = "20", ["reconnect.backoff.max.ms"] = "200" };
        var producer = new Dictionary<string, string?>();
        var consumer = new Dictionary<string, string?> { ["session.timeout.ms"] = "3000", ["heartbeat.interval.ms"] = "300" };
        settings?.Invoke(common, producer, consumer);
        return new KafkaTransportOptions
        {
            BootstrapServers = cluster.BootstrapServers,
            Common = common,
            Producer = producer,
            Consumer = consumer,
            RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(10),
            FetchPath = fetchPath,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync();
        Cluster.Dispose();
    }

    /// <summary>Produces <paramref name="count"/> records keyed <c>k{i}</c> with values <c>{prefix}{i}</c> to one partition, and flushes.</summary>
    public void Produce(string topic, int partition, int count, string prefix = "v", int from = 0)
    {
        using var producer = Transport.CreateProducer();
        for (var i = from; i < from + count; i++)
        {
            producer.Produce(new TopicPartition(topic, partition), Encoding.UTF8.GetBytes($"k{i}"), false, Encoding.UTF8.GetBytes($"{prefix}{i}"), false, 1_000 + i);
        }

        producer.Flush(CancellationToken.None);
    }

    /// <summary>Values of every record <paramref name="reader"/> returns until it has <paramref name="expected"/> or <see cref="Bound"/> passes.</summary>
    public static List<string> ReadValues(IPartitionReader reader, int expected)
    {
        var values = new List<string>();
        var batch = new RecordBatch();
        var clock = Stopwatch.StartNew();
        while (values.Count < expected && clock.Elapsed < Bound)
        {
            if (reader.Fetch(batch, 100, TimeSpan.FromMilliseconds(200), CancellationToken.None))
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    values.Add(Encoding.UTF8.GetString(batch.ValueOf(in batch[i])));
                }
            }
        }

        return values;
    }
}

/// <summary>An assignment listener that records what happens and can act inside the callbacks.</summary>
internal sealed class RecordingListener : IAssignmentListener
{
    public ConcurrentQueue<string> Events { get; } = new();

    public List<TopicPartition> Owned { get; } = [];

    public Action<IReadOnlyList<TopicPartition>>? WhenAssigned { get; set; }

    public Action<IReadOnlyList<TopicPartition>>? WhenRevoked { get; set; }

    public void OnAssigned(IReadOnlyList<TopicPartition> partitions)
    {
        Owned.AddRange(partitions);
        Events.Enqueue("assigned:" + string.Join(",", partitions));
        WhenAssigned?.Invoke(partitions);
    }

    public void OnRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        Events.Enqueue("revoked:" + string.Join(",", partitions));
        WhenRevoked?.Invoke(partitions);
        Owned.RemoveAll(p => partitions.Contains(p));
    }

    public void OnLost(IReadOnlyList<TopicPartition> partitions)
    {
        Events.Enqueue("lost:" + string.Join(",", partitions));
        Owned.RemoveAll(p => partitions.Contains(p));
    }
}

/// <summary>Keeps every log line (level, category, text) for assertions.</summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Lines.Enqueue((logLevel, category, formatter(state, exception)));
            }
        }
    }
}
