using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Confluent.Kafka;

namespace Faustish.Tests.Kafka;

public sealed class MockKafkaClusterTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public void Produces_and_consumes_100_records_on_a_3_partition_topic()
    {
        using var cluster = MockKafkaCluster.Start(brokers: 1);
        const string topic = "smoke";
        cluster.CreateTopic(topic, partitions: 3);

        var sent = new Dictionary<string, string>();
        var producedPartitions = new HashSet<int>();
        using (var producer = new ProducerBuilder<string, string>(ProducerConfig(cluster)).Build())
        {
            for (var i = 0; i < 100; i++)
            {
                var key = "key-" + i.ToString(CultureInfo.InvariantCulture);
                var value = "value-" + i.ToString(CultureInfo.InvariantCulture);
                sent.Add(key, value);
                producer.Produce(topic, new Message<string, string> { Key = key, Value = value }, report =>
                {
                    Assert.Equal(ErrorCode.NoError, report.Error.Code);
                    lock (producedPartitions)
                    {
                        producedPartitions.Add(report.Partition.Value);
                    }
                });
            }

            Assert.Equal(0, producer.Flush(Bound));
        }

        Assert.Equal([0, 1, 2], producedPartitions.Order());

        var received = new Dictionary<string, string>();
        var consumedPartitions = new HashSet<int>();
        using (var consumer = new ConsumerBuilder<string, string>(ConsumerConfig(cluster, "smoke-group")).Build())
        {
            consumer.Subscribe(topic);
            var deadline = Stopwatch.StartNew();
            while (received.Count < sent.Count && deadline.Elapsed < Bound)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result is null || result.IsPartitionEOF)
                {
                    continue;
                }

                Assert.True(received.TryAdd(result.Message.Key, result.Message.Value), "duplicate " + result.Message.Key);
                consumedPartitions.Add(result.Partition.Value);
            }

            consumer.Close();
        }

        Assert.Equal(sent.Count, received.Count);
        Assert.Equal(sent.OrderBy(p => p.Key, StringComparer.Ordinal), received.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal([0, 1, 2], consumedPartitions.Order());
    }

    [Fact]
    public void Reports_loopback_bootstrap_servers_for_every_broker()
    {
        using var cluster = MockKafkaCluster.Start(brokers: 3);

        Assert.Equal(3, cluster.BrokerCount);
        var addresses = cluster.BootstrapServers.Split(',');
        Assert.Equal(3, addresses.Length);
        Assert.All(addresses, a => Assert.True(System.Net.IPAddress.IsLoopback(System.Net.IPEndPoint.Parse(a).Address), a));
        Assert.EndsWith("librdkafka.so", MockKafkaCluster.NativeLibraryPath, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_shows_topics_created_through_the_mock_api()
    {
        using var cluster = MockKafkaCluster.Start(brokers: 2);
        cluster.CreateTopic("seven", partitions: 7, replicationFactor: 2);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var metadata = admin.GetMetadata("seven", TimeSpan.FromSeconds(10));

        Assert.Equal(2, metadata.Brokers.Count);
        var topic = Assert.Single(metadata.Topics);
        Assert.Equal(ErrorCode.NoError, topic.Error.Code);
        Assert.Equal(7, topic.Partitions.Count);
        Assert.All(topic.Partitions, p => Assert.Equal(2, p.Replicas.Length));
    }

    [Fact]
    public void Rejects_a_topic_that_already_exists_and_an_unknown_broker()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("once", partitions: 1);

        Assert.Throws<InvalidOperationException>(() => cluster.CreateTopic("once", partitions: 1));
        Assert.Throws<InvalidOperationException>(() => cluster.SetBrokerDown(42));
    }

    [Fact]
    public async Task A_record_produced_while_the_broker_is_down_is_delivered_once_it_is_up()
    {
        using var cluster = MockKafkaCluster.Start(brokers: 1);
        cluster.CreateTopic("outage", partitions: 1);

        var config = ProducerConfig(cluster);
        config.ReconnectBackoffMs = 10;
        config.ReconnectBackoffMaxMs = 100;
        config.MessageTimeoutMs = (int)Bound.TotalMilliseconds;
        using var producer = new ProducerBuilder<string, string>(config).Build();

        // Connected and known to work first, so the outage below is a real one.
        var first = await producer.ProduceAsync("outage", new Message<string, string> { Key = "a", Value = "before" })
            .WaitAsync(Bound);
        Assert.Equal(0, first.Offset.Value);

        cluster.SetBrokerDown(1);
        var during = producer.ProduceAsync("outage", new Message<string, string> { Key = "b", Value = "during" });
        // A bounded look for a delivery that must not happen while the only broker is down.
        var early = await Task.WhenAny(during, Task.Delay(TimeSpan.FromMilliseconds(500)));
        Assert.NotSame(during, early);

        cluster.SetBrokerUp(1);
        var delivered = await during.WaitAsync(Bound);
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        Assert.Equal(1, delivered.Offset.Value);
    }

    [Fact]
    public void Dispose_is_idempotent_and_later_calls_throw()
    {
        var cluster = MockKafkaCluster.Start();
        cluster.Dispose();
        cluster.Dispose();

        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("late", 1));
    }

    internal static ProducerConfig ProducerConfig(MockKafkaCluster cluster) => new()
    {
        BootstrapServers = cluster.BootstrapServers,
        CompressionType = CompressionType.Lz4,
        LingerMs = 5,
        MessageTimeoutMs = 20_000,
    };

    internal static ConsumerConfig ConsumerConfig(MockKafkaCluster cluster, string group) => new()
    {
        BootstrapServers = cluster.BootstrapServers,
        GroupId = group,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        SessionTimeoutMs = 6_000,
        FetchQueueBackoffMs = 10,
    };
}
