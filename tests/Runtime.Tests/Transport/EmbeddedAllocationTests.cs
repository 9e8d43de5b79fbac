using System;
using System.Buffers.Binary;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Transport;
using Faustish.Transport.Embedded;

namespace Faustish.Tests.Transport;

/// <summary>
/// Steady-state fetch loops allocate nothing: records are copied from the log's pages into a reused batch.
/// 100,000 records of 48 bytes in the log (~4.8 MB) stay in memory with the default 8 MiB per partition, so
/// these tests measure the tail-reading path; reading pages back from disk goes through FASTER's I/O.
/// </summary>
[Collection(AllocationMeasurements.Name)]
public sealed class EmbeddedAllocationTests : IDisposable
{
    private const int Records = 100_000;
    private readonly EmbeddedTempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Reader_fetch_loop_allocates_nothing()
    {
        await using var transport = await OpenWithRecords();
        using var reader = transport.OpenReader(new TopicPartition("t", 0), Offsets.Beginning);
        var batch = new RecordBatch();

        Assert.True(reader.Fetch(batch, 1000, TimeSpan.Zero, CancellationToken.None)); // warm-up: buffers grow
        var read = batch.Count;
        long checksum = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        while (read < Records && reader.Fetch(batch, 1000, TimeSpan.Zero, CancellationToken.None))
        {
            read += batch.Count;
            checksum += Consume(batch);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(Records, read);
        Assert.NotEqual(0, checksum);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task Group_consumer_fetch_loop_allocates_nothing()
    {
        await using var transport = await OpenWithRecords();
        using var consumer = transport.CreateGroupConsumer("g", ["t"], new EmbeddedRecordingListener("a", []));
        var batch = new RecordBatch();

        Assert.True(consumer.Fetch(batch, 1000, TimeSpan.FromSeconds(5), CancellationToken.None)); // warm-up: assignment, buffers
        var read = batch.Count;
        long checksum = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        while (read < Records && consumer.Fetch(batch, 1000, TimeSpan.Zero, CancellationToken.None))
        {
            read += batch.Count;
            checksum += Consume(batch);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(Records, read);
        Assert.NotEqual(0, checksum);
        Assert.Equal(0, allocated);
        consumer.Close();
    }

    [Fact]
    public async Task Produce_loop_allocates_nothing_per_record()
    {
        // FASTER allocates a partition's in-memory pages as its log first grows, then reuses them: write more
        // than the in-memory size first, so that the measured loop runs over recycled pages. FASTER still
        // allocates bookkeeping each time a page fills and is scheduled for writing: about 600 B per 1 MiB page when
        // the flush completes elsewhere, up to ~2 KiB when this thread completes it (measured 12,648 B over 6 pages
        // in a full suite run). The allowance is 4 KiB per page the loop fills, plus one per partition: still
        // under a third of a byte per record, so any per-record allocation (24 B at least) fails the test.
        await using var transport = EmbeddedTransport.Open(_directory.Path);
        await transport.EnsureTopicsAsync([new TopicSpec("t", 2)], CancellationToken.None);
        using var producer = transport.CreateProducer();
        Span<byte> key = stackalloc byte[8];
        Span<byte> value = stackalloc byte[16];
        for (var i = 0; i < 4 * Records; i++)
        {
            producer.Produce(new TopicPartition("t", i & 1), key, false, value, false, 0);
        }

        producer.Flush(CancellationToken.None);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Records; i++)
        {
            BinaryPrimitives.WriteInt64BigEndian(key, i);
            producer.Produce(new TopicPartition("t", i & 1), key, false, value, false, i);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        producer.Flush(CancellationToken.None);

        const int EntryBytes = 4 + 36 + 8 + 16; // FasterLog header + record framing + key + value
        var pagesFilled = (long)Records * EntryBytes / (1 << new EmbeddedTransportOptions().PageSizeBits) + 2; // +1 per partition
        Assert.InRange(allocated, 0, pagesFilled * 4096);
    }

    [Fact]
    public async Task Reader_reads_all_records_back_from_disk_after_reopen()
    {
        // Not an allocation test: pages no longer in memory are loaded through FASTER's device, which
        // allocates page-sized buffers (measured: ~10 MB for these 4.8 MB). Only the in-memory tail is free.
        long expected;
        await using (var transport = await OpenWithRecords())
        {
            using var reader = transport.OpenReader(new TopicPartition("t", 0), Offsets.Beginning);
            expected = Drain(reader, out _);
        }

        await using var reopened = EmbeddedTransport.Open(_directory.Path);
        using var again = reopened.OpenReader(new TopicPartition("t", 0), Offsets.Beginning);
        Assert.Equal(expected, Drain(again, out var read));
        Assert.Equal(Records, read);
    }

    private static long Drain(IPartitionReader reader, out int read)
    {
        var batch = new RecordBatch();
        long checksum = 0;
        read = 0;
        while (read < Records && reader.Fetch(batch, 1000, TimeSpan.FromSeconds(5), CancellationToken.None))
        {
            read += batch.Count;
            checksum += Consume(batch);
        }

        return checksum;
    }

    private static long Consume(RecordBatch batch)
    {
        long sum = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var record = ref batch[i];
            sum += BinaryPrimitives.ReadInt64BigEndian(batch.KeyOf(record)) + batch.ValueOf(record).Length + record.TimestampMs;
        }

        return sum;
    }

    private async Task<EmbeddedTransport> OpenWithRecords()
    {
        var transport = EmbeddedTransport.Open(_directory.Path);
        await transport.EnsureTopicsAsync([new TopicSpec("t", 1)], CancellationToken.None);
        using var producer = transport.CreateProducer();
        var key = new byte[8];
        var value = new byte[16];
        for (var i = 0; i < Records; i++)
        {
            BinaryPrimitives.WriteInt64BigEndian(key, i);
            value[0] = (byte)i;
            producer.Produce(new TopicPartition("t", 0), key, false, value, false, i);
        }

        producer.Flush(CancellationToken.None);
        return transport;
    }
}
