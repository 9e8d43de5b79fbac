using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Faustish.Transport;
using Faustish.Transport.Kafka;

namespace Faustish.Tests.Kafka;

/// <summary>The Kafka transport against librdkafka's mock cluster: producing, reading, watermarks, topics and settings.</summary>
public sealed class KafkaTransportTests
{
    private static readonly TimeSpan Bound = KafkaTestCluster.Bound;

    [Theory]
    [InlineData(KafkaFetchPath.Client)]
    [InlineData(KafkaFetchPath.InPlace)]
    public async Task Records_round_trip_with_keys_null_keys_null_values_headers_and_timestamps(KafkaFetchPath fetchPath)
    {
        await using var kafka = KafkaTestCluster.Start(fetchPath: fetchPath);
        kafka.Cluster.CreateTopic("events", partitions: 2);
        var partition = new TopicPartition("events", 1);
        using (var producer = kafka.Transport.CreateProducer())
        {
            producer.Produce(partition, "k1"u8, false, "v1"u8, false, 1_700_000_000_001);
            producer.Produce(partition, default, true, "no key"u8, false, 1_700_000_000_002);
            producer.Produce(partition, "tombstone"u8, false, default, true, 1_700_000_000_003);
            producer.Produce(partition, ""u8, false, ""u8, false, 1_700_000_000_004,
                [RecordHeader.Utf8("reason", "bad json"), new RecordHeader("empty", [])]);
            producer.Flush(CancellationToken.None);
        }

        using var reader = kafka.Transport.OpenReader(partition, Offsets.Beginning);
        var batch = new RecordBatch();
        var records = new List<(long Offset, long Next, long Timestamp, string? Key, string? Value, IReadOnlyList<RecordHeader> Headers)>();
        var deadline = DateTime.UtcNow + Bound;
        while (records.Count < 4 && DateTime.UtcNow < deadline)
        {
            if (reader.Fetch(batch, 10, TimeSpan.FromMilliseconds(200), CancellationToken.None))
            {
                Assert.Equal("events", batch.Topic);
                Assert.Equal(1, batch.Partition);
                for (var i = 0; i < batch.Count; i++)
                {
                    ref readonly var record = ref batch[i];
                    records.Add((record.Offset, record.NextOffset, record.TimestampMs,
                        record.KeyIsNull ? null : Encoding.UTF8.GetString(batch.KeyOf(in record)),
                        record.ValueIsNull ? null : Encoding.UTF8.GetString(batch.ValueOf(in record)),
                        batch.HeadersOf(in record)));
                }
            }
        }

        Assert.Equal(4, records.Count);
        Assert.Equal([0L, 1, 2, 3], records.Select(r => r.Offset));
        Assert.Equal([1L, 2, 3, 4], records.Select(r => r.Next));
        Assert.Equal([1_700_000_000_001L, 1_700_000_000_002, 1_700_000_000_003, 1_700_000_000_004], records.Select(r => r.Timestamp));
        Assert.Equal(["k1", null, "tombstone", ""], records.Select(r => r.Key));
        Assert.Equal(["v1", "no key", null, ""], records.Select(r => r.Value));
        Assert.All(records.Take(3), r => Assert.Empty(r.Headers));
        Assert.Equal(["reason=bad json", "empty="], records[3].Headers.Select(h => h.Name + "=" + h.ValueAsString()));
        Assert.Equal(4, reader.Position);
        Assert.Equal(new Watermarks(0, 4), kafka.Transport.GetWatermarks(partition));
        Assert.Equal(new Watermarks(0, 0), kafka.Transport.GetWatermarks(new TopicPartition("events", 0)));
    }

    [Theory]
    [InlineData(KafkaFetchPath.Client)]
    [InlineData(KafkaFetchPath.InPlace)]
    public async Task A_reader_starts_at_an_offset_and_its_position_is_the_next_offset_to_read(KafkaFetchPath fetchPath)
    {
        await using var kafka = KafkaTestCluster.Start(fetchPath: fetchPath);
        kafka.Cluster.CreateTopic("log", partitions: 1);
        kafka.Produce("log", 0, 10);
        var partition = new TopicPartition("log", 0);

        using (var fromStart = kafka.Transport.OpenReader(partition, Offsets.Beginning))
        {
            Assert.Equal(0, fromStart.Position); // nothing read yet: the low watermark
            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"v{i}"), KafkaTestCluster.ReadValues(fromStart, 10));
            Assert.Equal(10, fromStart.Position);
            Assert.False(fromStart.Fetch(new RecordBatch(), 10, TimeSpan.FromMilliseconds(100), CancellationToken.None));
            Assert.Equal(10, fromStart.Position);
        }

        using (var fromSeven = kafka.Transport.OpenReader(partition, 7))
        {
            Assert.Equal(7, fromSeven.Position);
            Assert.Equal(["v7", "v8", "v9"], KafkaTestCluster.ReadValues(fromSeven, 3));
            Assert.Equal(10, fromSeven.Position);
        }

        using var fromEnd = kafka.Transport.OpenReader(partition, Offsets.End);
        Assert.Equal(10, fromEnd.Position);
        kafka.Produce("log", 0, 2, from: 10);
        Assert.Equal(["v10", "v11"], KafkaTestCluster.ReadValues(fromEnd, 2));
        Assert.Equal(12, fromEnd.Position);
    }

    [Theory]
    [InlineData(KafkaFetchPath.Client)]
    [InlineData(KafkaFetchPath.InPlace)]
    public async Task Reading_up_to_the_watermark_reads_everything_although_a_first_fetch_may_come_back_empty(KafkaFetchPath fetchPath)
    {
        await using var kafka = KafkaTestCluster.Start(fetchPath: fetchPath);
        kafka.Cluster.CreateTopic("changelog", partitions: 1);
        kafka.Produce("changelog", 0, 500);
        var partition = new TopicPartition("changelog", 0);
        var end = kafka.Transport.GetWatermarks(partition).High;

        using var reader = PartitionReading.UpTo(kafka.Transport.OpenReader(partition, Offsets.Beginning), partition, end, Bound);
        var batch = new RecordBatch();
        var read = 0;
        // TimeSpan.Zero, as table restores ask: the wrapper waits for the broker as long as the end is not reached.
        while (reader.Fetch(batch, 64, TimeSpan.Zero, CancellationToken.None))
        {
            read += batch.Count;
        }

        Assert.Equal(500, read);
        Assert.Equal(end, reader.Position);
    }

    [Fact]
    public async Task Partition_counts_come_from_metadata_and_asking_for_a_missing_topic_does_not_create_it()
    {
        await using var kafka = KafkaTestCluster.Start();
        kafka.Cluster.CreateTopic("seven", partitions: 7);

        Assert.Equal(7, kafka.Transport.GetPartitionCount("seven"));
        Assert.Null(kafka.Transport.GetPartitionCount("missing"));
        Assert.Null(kafka.Transport.GetPartitionCount("missing")); // the mock auto-creates topics that metadata requests may create
        var error = Assert.Throws<InvalidOperationException>(() => kafka.Transport.GetWatermarks(new TopicPartition("missing", 0)));
        Assert.Contains("missing[0]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureTopics_uses_existing_topics_as_they_are_and_names_both_counts_when_one_differs()
    {
        await using var kafka = KafkaTestCluster.Start(requestTimeout: TimeSpan.FromSeconds(3));
        kafka.Cluster.CreateTopic("orders", partitions: 4);
        kafka.Cluster.CreateTopic("app-counts-changelog", partitions: 4);

        // Both exist with the declared counts: nothing to create (on the mock a CreateTopics request would time out and throw).
        await kafka.Transport.EnsureTopicsAsync([new TopicSpec("orders", 4), new TopicSpec("app-counts-changelog", 4, Compacted: true)], CancellationToken.None);
        Assert.Equal(4, kafka.Transport.GetPartitionCount("orders"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await kafka.Transport.EnsureTopicsAsync([new TopicSpec("orders", 6)], CancellationToken.None));
        Assert.Contains("'orders'", error.Message, StringComparison.Ordinal);
        Assert.Contains("has 4 partitions", error.Message, StringComparison.Ordinal);
        Assert.Contains("declares 6", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_topic_creation_that_times_out_fails_naming_the_topics_and_how_to_create_them()
    {
        // The mock cluster answers no CreateTopics request: the transport must give up in time and say what to do.
        await using var kafka = KafkaTestCluster.Start(requestTimeout: TimeSpan.FromSeconds(2));
        kafka.Cluster.CreateTopic("exists", partitions: 1);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await kafka.Transport.EnsureTopicsAsync(
            [new TopicSpec("exists", 1), new TopicSpec("app-w-changelog", 3, Compacted: true, RetentionMs: 90_000_000)], CancellationToken.None));

        Assert.Contains("app-w-changelog", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("exists,", error.Message, StringComparison.Ordinal);
        Assert.Contains("cleanup.policy=compact,delete", error.Message, StringComparison.Ordinal);
        Assert.Contains("retention.ms=90000000", error.Message, StringComparison.Ordinal);
        Assert.Contains(kafka.Cluster.BootstrapServers, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Topic_configs_are_compacted_for_changelogs_and_also_time_bounded_for_windowed_ones()
    {
        Assert.Empty(KafkaTransport.TopicConfigs(new TopicSpec("input", 3)));
        Assert.Equal(new Dictionary<string, string> { ["cleanup.policy"] = "compact" }, KafkaTransport.TopicConfigs(new TopicSpec("c", 3, Compacted: true)));
        Assert.Equal(new Dictionary<string, string> { ["cleanup.policy"] = "compact,delete", ["retention.ms"] = "1000" },
            KafkaTransport.TopicConfigs(new TopicSpec("w", 3, Compacted: true, RetentionMs: 1000)));
    }

    [Fact]
    public async Task Flush_lists_every_record_that_could_not_be_delivered()
    {
        await using var kafka = KafkaTestCluster.Start();
        kafka.Cluster.CreateTopic("small", partitions: 1);
        using var producer = kafka.Transport.CreateProducer();
        producer.Produce(new TopicPartition("small", 0), "a"u8, false, "fine"u8, false, 1);
        producer.Flush(CancellationToken.None); // metadata known from here on
        producer.Produce(new TopicPartition("small", 5), "b"u8, false, "nowhere"u8, false, 2);
        producer.Produce(new TopicPartition("small", 0), "c"u8, false, "fine too"u8, false, 3);

        var error = Assert.Throws<DeliveryFailedException>(() => producer.Flush(CancellationToken.None));
        var failure = Assert.Single(error.Failures);
        Assert.Equal(new TopicPartition("small", 5), failure.Partition);
        Assert.Contains("small[5]", error.Message, StringComparison.Ordinal);
        Assert.Contains("partition", failure.Reason, StringComparison.OrdinalIgnoreCase);
        producer.Flush(CancellationToken.None); // reported once
        Assert.Equal(new Watermarks(0, 2), kafka.Transport.GetWatermarks(new TopicPartition("small", 0)));
    }

    [Fact]
    public async Task Records_that_time_out_while_the_broker_is_down_are_reported_by_Flush()
    {
        await using var kafka = KafkaTestCluster.Start(settings: (_, producer, _) => producer["message.timeout.ms"] = "1500");
        kafka.Cluster.CreateTopic("outage", partitions: 2);
        kafka.Produce("outage", 0, 1);
        using var producer = kafka.Transport.CreateProducer();
        producer.Produce(new TopicPartition("outage", 0), "k"u8, false, "first"u8, false, 1);
        producer.Flush(CancellationToken.None);

        kafka.Cluster.SetBrokerDown(1);
        try
        {
            producer.Produce(new TopicPartition("outage", 0), "k"u8, false, "lost"u8, false, 2);
            producer.Produce(new TopicPartition("outage", 1), "k"u8, false, "lost"u8, false, 3);
            var error = Assert.Throws<DeliveryFailedException>(() => producer.Flush(CancellationToken.None));
            Assert.Equal([new TopicPartition("outage", 0), new TopicPartition("outage", 1)], error.Failures.Select(f => f.Partition).OrderBy(p => p.Partition));
            Assert.All(error.Failures, f => Assert.Contains("timed out", f.Reason, StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            kafka.Cluster.SetBrokerUp(1);
        }
    }

    [Fact]
    public async Task Watermarks_fail_with_a_timeout_naming_the_partition_and_brokers_when_no_broker_answers()
    {
        await using var kafka = KafkaTestCluster.Start(requestTimeout: TimeSpan.FromSeconds(1));
        kafka.Cluster.CreateTopic("t", partitions: 1);
        kafka.Cluster.SetBrokerDown(1);

        var error = Assert.Throws<TimeoutException>(() => kafka.Transport.GetWatermarks(new TopicPartition("t", 0)));
        Assert.Contains("t[0]", error.Message, StringComparison.Ordinal);
        Assert.Contains(kafka.Cluster.BootstrapServers, error.Message, StringComparison.Ordinal);
        var metadata = Assert.Throws<TimeoutException>(() => kafka.Transport.GetPartitionCount("t"));
        Assert.Contains("topic(s) t ", metadata.Message, StringComparison.Ordinal);
        Assert.Contains(kafka.Cluster.BootstrapServers, metadata.Message, StringComparison.Ordinal);
    }
}
