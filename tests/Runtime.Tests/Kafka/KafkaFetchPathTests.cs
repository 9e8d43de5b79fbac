using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Faustish.Transport;

namespace Faustish.Tests.Kafka;

/// <summary>
/// The in-place fetch path (<see cref="KafkaFetchPath.InPlace"/>) against Confluent.Kafka's <c>Consume</c>
/// (<see cref="KafkaFetchPath.Client"/>) on the same topics: the same records, and a failing listener surfaces the same
/// way. The group consumer and reader tests run on both paths as well (their theories).
/// </summary>
public sealed class KafkaFetchPathTests
{
    private static readonly TimeSpan Bound = KafkaTestCluster.Bound;

    [Fact]
    public async Task Both_paths_give_a_member_of_two_topics_the_same_records_offsets_keys_values_headers_and_timestamps()
    {
        await using var client = KafkaTestCluster.Start(fetchPath: KafkaFetchPath.Client);
        client.Cluster.CreateTopic("clicks", partitions: 2);
        client.Cluster.CreateTopic("views", partitions: 1);
        using (var producer = client.Transport.CreateProducer())
        {
            for (var i = 0; i < 300; i++)
            {
                var partition = i % 3 == 2 ? new TopicPartition("views", 0) : new TopicPartition("clicks", i % 2);
                RecordHeader[] headers = i % 5 == 0 ? [RecordHeader.Utf8("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), new RecordHeader("empty", [])] : [];
                producer.Produce(partition, BitConverter.GetBytes(i), i % 7 == 0, i % 11 == 0 ? [] : new byte[i % 40], i % 11 == 0,
                    1_700_000_000_000 + i, headers);
            }

            producer.Flush(CancellationToken.None);
        }

        // Two processes' worth of transports on one cluster: the in-place one only differs by its fetch path.
        await using var inPlaceTransport = Faustish.Transport.Kafka.KafkaTransport.Open(
            KafkaTestCluster.Options(client.Cluster, fetchPath: KafkaFetchPath.InPlace), new CapturingLoggerFactory());

        var viaClient = ReadAll(client.Transport, "client-group", 300);
        var viaInPlace = ReadAll(inPlaceTransport, "in-place-group", 300);

        Assert.Equal(300, viaClient.Count);
        Assert.Equal(viaClient.OrderBy(r => r).ToList(), viaInPlace.OrderBy(r => r).ToList());
        Assert.Contains(viaInPlace, r => r.Contains("key=null", StringComparison.Ordinal));
        Assert.Contains(viaInPlace, r => r.Contains("value=null", StringComparison.Ordinal));
        Assert.Contains(viaInPlace, r => r.Contains("n=5;empty=;", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(KafkaFetchPath.Client)]
    [InlineData(KafkaFetchPath.InPlace)]
    public async Task A_listener_failing_in_OnAssigned_fails_the_fetch_with_its_exception_once_and_close_does_not_throw_it_again(KafkaFetchPath fetchPath)
    {
        await using var kafka = KafkaTestCluster.Start(fetchPath: fetchPath);
        kafka.Cluster.CreateTopic("events", partitions: 2);
        kafka.Produce("events", 0, 10);
        var failure = new InvalidOperationException("the listener could not open its tables");
        var listener = new RecordingListener { WhenAssigned = _ => throw failure };
        var consumer = kafka.Transport.CreateGroupConsumer("g", ["events"], listener);
        var batch = new RecordBatch();
        Exception? thrown = null;
        var clock = Stopwatch.StartNew();
        while (thrown is null && clock.Elapsed < Bound)
        {
            try
            {
                consumer.Fetch(batch, 100, TimeSpan.FromMilliseconds(200), CancellationToken.None);
            }
            catch (InvalidOperationException e)
            {
                thrown = e;
            }
        }

        Assert.Same(failure, thrown);
        Assert.Empty(consumer.Assignment);
        consumer.Close(); // Confluent.Kafka kept the exception for Consume; the in-place path must have cleared it too
        consumer.Dispose();
    }

    [Theory]
    [InlineData(KafkaFetchPath.Client)]
    [InlineData(KafkaFetchPath.InPlace)]
    public async Task Records_delivered_again_without_a_seek_are_reported_and_the_consumers_own_seek_is_not(KafkaFetchPath fetchPath)
    {
        await using var kafka = KafkaTestCluster.Start(fetchPath: fetchPath);
        kafka.Cluster.CreateTopic("events", partitions: 1);
        kafka.Produce("events", 0, 40);
        using var consumer = (Faustish.Transport.Kafka.KafkaGroupConsumer)kafka.Transport.CreateGroupConsumer("g", ["events"], new RecordingListener());
        var batch = new RecordBatch();
        var offsets = new List<long>();

        // The consumer's own seek back: the records come again, as asked, and nothing is reported.
        ReadUntil(consumer, batch, offsets, () => offsets.Count >= 10);
        consumer.Seek(new TopicPartitionOffset("events", 0, 2));
        ReadUntil(consumer, batch, offsets, () => offsets.Count(o => o == 11) == 2);
        Assert.True(consumer.RecordsReturnedAgain == 0, $"returned again: {consumer.RecordsReturnedAgain}; offsets {string.Join(",", offsets)}; {string.Join(" | ", kafka.Logs.Lines.Select(l => l.Message).Where(m => m.Contains(" again after", StringComparison.Ordinal)))}");
        Assert.DoesNotContain(kafka.Logs.Lines, line => line.Message.Contains(" again after records up to", StringComparison.Ordinal));

        // A seek behind its back (as a client that delivered records twice): every record below what was returned is
        // reported once, and still returned.
        var returned = offsets[^1] + 1;
        consumer.Client.Seek(new Confluent.Kafka.TopicPartitionOffset("events", 0, 5));
        ReadUntil(consumer, batch, offsets, () => offsets.Count(o => o == 5) == 3 && offsets.Contains(39));
        Assert.Equal(returned - 5, consumer.RecordsReturnedAgain);
        Assert.Contains(kafka.Logs.Lines, line => line.Level == Microsoft.Extensions.Logging.LogLevel.Warning &&
            line.Message.Contains($" record(s) of events[0] from offset 5 again after records up to offset {returned - 1}", StringComparison.Ordinal));
        consumer.Close();
    }

    private static void ReadUntil(Faustish.Transport.Kafka.KafkaGroupConsumer consumer, RecordBatch batch, List<long> offsets, Func<bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(clock.Elapsed < Bound, $"read {string.Join(",", offsets)} within {Bound}");
            if (consumer.Fetch(batch, 4, TimeSpan.FromMilliseconds(200), CancellationToken.None))
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    offsets.Add(batch[i].Offset);
                }
            }
        }
    }

    /// <summary>Every record a fresh member of <paramref name="group"/> reads from both topics, as comparable text.</summary>
    private static List<string> ReadAll(Faustish.Transport.Kafka.KafkaTransport transport, string group, int expected)
    {
        var records = new List<string>();
        using var consumer = transport.CreateGroupConsumer(group, ["clicks", "views"], new RecordingListener());
        var batch = new RecordBatch();
        var clock = Stopwatch.StartNew();
        while (records.Count < expected && clock.Elapsed < Bound)
        {
            if (!consumer.Fetch(batch, 64, TimeSpan.FromMilliseconds(200), CancellationToken.None))
            {
                continue;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                ref readonly var record = ref batch[i];
                var headers = string.Concat(batch.HeadersOf(in record).Select(h => h.Name + "=" + h.ValueAsString() + ";"));
                records.Add($"{batch.Topic}[{batch.Partition}]@{record.Offset}..{record.NextOffset} ts={record.TimestampMs} " +
                    $"key={(record.KeyIsNull ? "null" : Convert.ToHexString(batch.KeyOf(in record)))} " +
                    $"value={(record.ValueIsNull ? "null" : Convert.ToHexString(batch.ValueOf(in record)))} headers={headers}");
            }
        }

        consumer.Close();
        return records;
    }
}
