using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Transport;
using Xunit.Abstractions;

namespace Faustish.Tests.Kafka;

/// <summary>
/// What the Kafka fetch and produce paths allocate per record. Through Confluent.Kafka's <c>Consume</c> (the Client
/// fetch path) each consumed record costs a few objects (ConsumeResult, its TopicPartitionOffset, Message, Headers); the
/// transport adds nothing per record: key and value bytes go from librdkafka's buffer through reused arrays into the
/// batch. The InPlace fetch path reads librdkafka's messages in place: nothing at all per record.
/// </summary>
[Collection(AllocationMeasurements.Name)]
public sealed class KafkaAllocationTests(ITestOutputHelper output)
{
    private const int Records = 20_000;

    /// <summary>Confluent.Kafka's own objects per consumed record, measured at 296 B; byte[] copies of the 16-byte keys and 100-byte values would add 160 B.</summary>
    private const int FetchBytesPerRecordAllowed = 400;

    [Fact]
    public async Task Group_consumer_fetch_allocates_only_confluents_per_record_objects()
    {
        await using var kafka = KafkaTestCluster.Start();
        kafka.Cluster.CreateTopic("alloc", partitions: 1);
        Fill(kafka);
        using var consumer = kafka.Transport.CreateGroupConsumer("alloc", ["alloc"], new RecordingListener());
        var perRecord = Measure((batch, wait) => consumer.Fetch(batch, 1000, wait, CancellationToken.None), "group consumer fetch");
        Assert.InRange(perRecord, 0, FetchBytesPerRecordAllowed);
        consumer.Close();
    }

    [Fact]
    public async Task Reader_fetch_allocates_only_confluents_per_record_objects()
    {
        await using var kafka = KafkaTestCluster.Start();
        kafka.Cluster.CreateTopic("alloc", partitions: 1);
        Fill(kafka);
        using var reader = kafka.Transport.OpenReader(new TopicPartition("alloc", 0), Offsets.Beginning);
        var perRecord = Measure((batch, wait) => reader.Fetch(batch, 1000, wait, CancellationToken.None), "reader fetch");
        Assert.InRange(perRecord, 0, FetchBytesPerRecordAllowed);
    }

    /// <summary>
    /// Bytes the in-place path may allocate over all <see cref="Records"/> records: none per record (one object per
    /// record would be 480,000 B or more); the allowance covers a librdkafka log line or error event served by the poll.
    /// </summary>
    private const int InPlaceBytesAllowed = 4096;

    [Fact]
    public async Task Group_consumer_fetch_in_place_allocates_nothing_per_record()
    {
        await using var kafka = KafkaTestCluster.Start(fetchPath: Faustish.Hosting.KafkaFetchPath.InPlace);
        kafka.Cluster.CreateTopic("alloc", partitions: 1);
        Fill(kafka);
        using var consumer = kafka.Transport.CreateGroupConsumer("alloc", ["alloc"], new RecordingListener());
        var perRecord = Measure((batch, wait) => consumer.Fetch(batch, 1000, wait, CancellationToken.None), "group consumer fetch, in place");
        Assert.InRange(perRecord * Records, 0, InPlaceBytesAllowed);
        consumer.Close();
    }

    [Fact]
    public async Task Reader_fetch_in_place_allocates_nothing_per_record()
    {
        await using var kafka = KafkaTestCluster.Start(fetchPath: Faustish.Hosting.KafkaFetchPath.InPlace);
        kafka.Cluster.CreateTopic("alloc", partitions: 1);
        Fill(kafka);
        using var reader = kafka.Transport.OpenReader(new TopicPartition("alloc", 0), Offsets.Beginning);
        var perRecord = Measure((batch, wait) => reader.Fetch(batch, 1000, wait, CancellationToken.None), "reader fetch, in place");
        Assert.InRange(perRecord * Records, 0, InPlaceBytesAllowed);
    }

    [Fact]
    public async Task Produce_allocates_no_key_or_value_arrays()
    {
        await using var kafka = KafkaTestCluster.Start();
        kafka.Cluster.CreateTopic("alloc", partitions: 1);
        using var producer = kafka.Transport.CreateProducer();
        var key = new byte[16];
        var value = new byte[100];
        var partition = new TopicPartition("alloc", 0);
        producer.Produce(partition, key, false, value, false, 1); // warm-up: metadata, caches
        producer.Flush(CancellationToken.None);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Records; i++)
        {
            BitConverter.TryWriteBytes(key, i);
            producer.Produce(partition, key, false, value, false, 1_000 + i);
        }

        var perRecord = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / Records;
        producer.Flush(CancellationToken.None);
        output.WriteLine($"produce: {perRecord:F0} B per record on the producing thread");
        // Confluent.Kafka's delivery-handler shim per record (~40 B); copying key and value into new arrays would add 150+ B.
        Assert.InRange(perRecord, 0, 100);
    }

    private static void Fill(KafkaTestCluster kafka)
    {
        using var producer = kafka.Transport.CreateProducer();
        var key = new byte[16];
        var value = new byte[100];
        for (var i = 0; i < Records + 1000; i++)
        {
            BitConverter.TryWriteBytes(key, i);
            producer.Produce(new TopicPartition("alloc", 0), key, false, value, false, 1_000 + i);
        }

        producer.Flush(CancellationToken.None);
    }

    /// <summary>Bytes allocated per record by the calling thread over <see cref="Records"/> records, after a warm-up batch.</summary>
    private double Measure(Func<RecordBatch, TimeSpan, bool> fetch, string what)
    {
        var batch = new RecordBatch();
        var clock = Stopwatch.StartNew();
        while (!fetch(batch, TimeSpan.FromMilliseconds(200)) && clock.Elapsed < KafkaTestCluster.Bound)
        {
        }

        var read = 0;
        long checksum = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        while (read < Records && clock.Elapsed < KafkaTestCluster.Bound)
        {
            if (fetch(batch, TimeSpan.FromMilliseconds(200)))
            {
                read += batch.Count;
                for (var i = 0; i < batch.Count; i++)
                {
                    checksum += batch.ValueOf(in batch[i]).Length;
                }
            }
        }

        var perRecord = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / read;
        output.WriteLine($"{what}: {perRecord:F0} B per record over {read} records");
        Assert.True(read >= Records);
        Assert.Equal(100L * read, checksum);
        return perRecord;
    }
}
