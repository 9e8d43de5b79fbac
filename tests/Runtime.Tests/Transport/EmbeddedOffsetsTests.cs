using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Transport;
using Faustish.Transport.Embedded;
using static Faustish.Tests.Transport.EmbeddedTestData;

namespace Faustish.Tests.Transport;

/// <summary>
/// Offsets on the embedded log are Kafka's record offsets: 0, 1, 2, … per partition, the same in records, reader
/// positions, watermarks, committed positions and seeks, across restarts; records of aborted transactions keep their
/// offsets but are never returned.
/// </summary>
public sealed class EmbeddedOffsetsTests : IDisposable
{
    private const string Topic = "t";
    private readonly EmbeddedTempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Records_of_each_partition_are_numbered_0_1_2_and_the_watermarks_agree()
    {
        await using var transport = await Open(partitions: 3);
        using var producer = transport.CreateProducer();
        for (var i = 0; i < 5; i++)
        {
            ProduceText(producer, Topic, 0, $"a{i}", "v");
            if (i < 3)
            {
                ProduceText(producer, Topic, 1, $"b{i}", "v");
            }
        }

        // Not flushed: nothing is visible, the high watermarks have not moved.
        Assert.Equal(new Watermarks(0, 0), transport.GetWatermarks(P(0)));
        producer.Flush(CancellationToken.None);

        using var reader0 = transport.OpenReader(P(0), Offsets.Beginning);
        var records0 = ReadAll(reader0);
        Assert.Equal([0L, 1, 2, 3, 4], records0.Select(r => r.Offset));
        Assert.Equal([1L, 2, 3, 4, 5], records0.Select(r => r.NextOffset));
        Assert.Equal(["a0", "a1", "a2", "a3", "a4"], records0.Select(r => r.Key));
        Assert.Equal(5, reader0.Position);

        using var reader1 = transport.OpenReader(P(1), Offsets.Beginning);
        Assert.Equal([0L, 1, 2], ReadAll(reader1).Select(r => r.Offset));
        Assert.Equal(3, reader1.Position);

        Assert.Equal(new Watermarks(0, 5), transport.GetWatermarks(P(0)));
        Assert.Equal(new Watermarks(0, 3), transport.GetWatermarks(P(1)));
        Assert.Equal(new Watermarks(0, 0), transport.GetWatermarks(P(2)));

        // Offsets.End is the high watermark; an offset past the next one to be written is refused.
        using var atEnd = transport.OpenReader(P(0), Offsets.End);
        Assert.Equal(5, atEnd.Position);
        using var atNext = transport.OpenReader(P(0), 5);
        Assert.Equal(5, atNext.Position);
        Assert.Throws<ArgumentOutOfRangeException>(() => transport.OpenReader(P(0), 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => transport.OpenReader(P(0), -3));

        ProduceText(producer, Topic, 0, "a5", "v");
        producer.Flush(CancellationToken.None);
        Assert.Equal([(5L, "a5")], ReadAll(atEnd).Select(r => (r.Offset, r.Key)));
        Assert.Equal([(5L, "a5")], ReadAll(atNext).Select(r => (r.Offset, r.Key)));
        Assert.Equal(new Watermarks(0, 6), transport.GetWatermarks(P(0)));
    }

    [Fact]
    public async Task A_reader_starts_at_any_offset_of_a_log_longer_than_memory()
    {
        // Small pages and memory, records of ~1 KB: most of the log is on disk and the offset index holds entries by
        // record count and by bytes; every start offset must land on its record.
        const int Records = 6000;
        var options = new EmbeddedTransportOptions { PageSizeBits = 14, MemorySizeBits = 15, SegmentSizeBits = 20 };
        await using (var transport = await Open(partitions: 2, options))
        {
            using var producer = transport.CreateProducer();
            for (var i = 0; i < Records; i++)
            {
                ProduceText(producer, Topic, 0, $"k{i}", new string('x', 1000 + (i % 37)));
                ProduceText(producer, Topic, 1, $"k{i}", "small");
                if (i % 1000 == 999)
                {
                    producer.Flush(CancellationToken.None);
                }
            }

            producer.Flush(CancellationToken.None);
            AssertStartsAnywhere(transport, Records);
        }

        await using var reopened = EmbeddedTransport.Open(_directory.Path, options);
        AssertStartsAnywhere(reopened, Records);
    }

    [Fact]
    public async Task Offsets_and_committed_positions_survive_a_restart_and_consumers_resume_at_the_right_record()
    {
        const int Records = 3000;
        await using (var transport = await Open(partitions: 2))
        {
            using var producer = transport.CreateProducer();
            for (var i = 0; i < Records; i++)
            {
                ProduceText(producer, Topic, i % 2, $"k{i / 2}", "first run");
            }

            producer.Flush(CancellationToken.None);

            using var consumer = transport.CreateGroupConsumer("g", [Topic], new EmbeddedRecordingListener("a", []));
            var batch = new RecordBatch();
            var committed = new HashSet<int>();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (committed.Count < 2 && DateTime.UtcNow < deadline)
            {
                if (consumer.Fetch(batch, 700, TimeSpan.FromSeconds(1), CancellationToken.None) && committed.Add(batch.Partition))
                {
                    Assert.Equal((0L, 699L, 700L), (batch[0].Offset, batch[batch.Count - 1].Offset, batch[batch.Count - 1].NextOffset));
                    consumer.Commit([new TopicPartitionOffset(Topic, batch.Partition, batch[batch.Count - 1].NextOffset)]);
                }
            }

            Assert.Equal(700, consumer.Committed(P(0)));
            Assert.Equal(700, consumer.Committed(P(1)));
            consumer.Close();
        }

        await using (var reopened = EmbeddedTransport.Open(_directory.Path))
        {
            Assert.Equal(new Watermarks(0, Records / 2), reopened.GetWatermarks(P(0)));
            Assert.Equal(new Watermarks(0, Records / 2), reopened.GetWatermarks(P(1)));

            // The group resumes at the record after its committed position, in both partitions.
            using var consumer = reopened.CreateGroupConsumer("g", [Topic], new EmbeddedRecordingListener("b", []));
            Assert.Equal(700, consumer.Committed(P(1)));
            var batch = new RecordBatch();
            var firsts = new Dictionary<int, (long Offset, string Key)>();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (firsts.Count < 2 && DateTime.UtcNow < deadline)
            {
                if (consumer.Fetch(batch, 10, TimeSpan.FromSeconds(1), CancellationToken.None))
                {
                    firsts.TryAdd(batch.Partition, (batch[0].Offset, Text(batch.KeyOf(batch[0]))));
                }
            }

            Assert.Equal((700L, "k700"), firsts[0]);
            Assert.Equal((700L, "k700"), firsts[1]);
            consumer.Close();

            // New records continue the numbering.
            using var producer = reopened.CreateProducer();
            ProduceText(producer, Topic, 0, "new", "second run");
            producer.Flush(CancellationToken.None);
            using var reader = reopened.OpenReader(P(0), Records / 2);
            Assert.Equal([(1500L, "new")], ReadAll(reader).Select(r => (r.Offset, r.Key)));
        }

        await using var third = EmbeddedTransport.Open(_directory.Path);
        using var all = third.OpenReader(P(0), Offsets.Beginning);
        var offsets = ReadAll(all).Select(r => r.Offset).ToList();
        Assert.Equal(Enumerable.Range(0, (Records / 2) + 1).Select(i => (long)i), offsets);
        Assert.Equal(new Watermarks(0, (Records / 2) + 1), third.GetWatermarks(P(0)));
    }

    [Fact]
    public async Task A_missing_or_damaged_offset_index_is_rebuilt_from_the_log()
    {
        const int Records = 5000;
        await using (var transport = await Open(partitions: 2))
        {
            using var producer = transport.CreateProducer();
            for (var i = 0; i < Records; i++)
            {
                ProduceText(producer, Topic, 0, $"k{i}", "v");
                ProduceText(producer, Topic, 1, $"k{i}", "v");
            }

            producer.Flush(CancellationToken.None);
        }

        var index0 = Path.Combine(_directory.Path, "topics", Topic, "0", OffsetIndex.FileName);
        var index1 = Path.Combine(_directory.Path, "topics", Topic, "1", OffsetIndex.FileName);
        var healthyLength = new FileInfo(index0).Length;
        Assert.True(healthyLength > 8 + 24, "The index should hold several entries.");
        File.Delete(index0);
        var damaged = await File.ReadAllBytesAsync(index1);
        damaged.AsSpan(8 + 24 + 3, 30).Fill(0x5A); // the second and third entries
        await File.WriteAllBytesAsync(index1, damaged);

        await using (var reopened = EmbeddedTransport.Open(_directory.Path))
        {
            foreach (var partition in new[] { P(0), P(1) })
            {
                Assert.Equal(new Watermarks(0, Records), reopened.GetWatermarks(partition));
                foreach (var start in new long[] { 0, 1023, 1024, 2049, 4999 })
                {
                    using var reader = reopened.OpenReader(partition, start);
                    var first = ReadAll(reader).First();
                    Assert.Equal((start, $"k{start}"), (first.Offset, first.Key));
                }
            }
        }

        Assert.Equal(healthyLength, new FileInfo(index0).Length);
        Assert.Equal(healthyLength, new FileInfo(index1).Length);
    }

    [Fact]
    public async Task Index_entries_of_records_that_never_became_durable_are_dropped_at_open()
    {
        // The second batch of records cannot be committed (the disk fails): its offset-index entries reached the index
        // file, but not its records. After a restart the same offsets go to new, smaller records at other addresses;
        // had the stale entries been kept, reads from those offsets would land on the wrong records.
        FaultInjectingDevice? device = null;
        var failing = new EmbeddedTransportOptions { WrapLogDevice = (_, inner) => device = new FaultInjectingDevice(inner) };
        var transport = await Open(partitions: 1, failing);
        try
        {
            using var producer = transport.CreateProducer();
            for (var i = 0; i < 3000; i++)
            {
                ProduceText(producer, Topic, 0, $"durable-{i}", new string('d', 100));
            }

            producer.Flush(CancellationToken.None);
            device!.FailWrites = true;
            for (var i = 0; i < 3000; i++)
            {
                ProduceText(producer, Topic, 0, $"lost-{i}", new string('l', 100));
            }

            Assert.Throws<DeliveryFailedException>(() => producer.Flush(CancellationToken.None));
            Assert.Equal(new Watermarks(0, 3000), transport.GetWatermarks(P(0)));
        }
        finally
        {
            // Closing tries to commit the failed log again, which fails too.
            await Assert.ThrowsAsync<AggregateException>(async () => await transport.DisposeAsync());
        }

        await using (var reopened = EmbeddedTransport.Open(_directory.Path))
        {
            Assert.Equal(new Watermarks(0, 3000), reopened.GetWatermarks(P(0)));
            using var producer = reopened.CreateProducer();
            for (var i = 0; i < 3000; i++)
            {
                ProduceText(producer, Topic, 0, $"second-{i}", "s");
            }

            producer.Flush(CancellationToken.None);
            AssertSecondRun(reopened);
        }

        await using var again = EmbeddedTransport.Open(_directory.Path);
        AssertSecondRun(again);

        static void AssertSecondRun(EmbeddedTransport transport)
        {
            Assert.Equal(new Watermarks(0, 6000), transport.GetWatermarks(P(0)));
            foreach (var start in new long[] { 2999, 3000, 3072, 4096, 5120, 5999 })
            {
                using var reader = transport.OpenReader(P(0), start);
                var first = ReadAll(reader).First();
                Assert.Equal((start, start < 3000 ? $"durable-{start}" : $"second-{start - 3000}"), (first.Offset, first.Key));
            }

            using var all = transport.OpenReader(P(0), Offsets.Beginning);
            var records = ReadAll(all);
            Assert.Equal(Enumerable.Range(0, 6000).Select(i => (long)i), records.Select(r => r.Offset));
            Assert.DoesNotContain(records, r => r.Key.StartsWith("lost-", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Aborted_records_take_offsets_but_are_never_returned()
    {
        await using (var transport = await Open(partitions: 1))
        {
            using var transactional = transport.CreateTransactionalProducer("tx");
            using var plain = transport.CreateProducer();
            ProduceText(transactional, Topic, 0, "aborted", "0");
            ProduceText(transactional, Topic, 0, "aborted", "1");
            ProduceText(transactional, Topic, 0, "aborted", "2");
            transactional.Flush(CancellationToken.None);
            transactional.AbortTransaction();
            ProduceText(plain, Topic, 0, "plain", "3");
            plain.Flush(CancellationToken.None);
            ProduceText(transactional, Topic, 0, "committed", "4");
            ProduceText(transactional, Topic, 0, "committed", "5");
            transactional.CommitTransaction([], null, CancellationToken.None);

            AssertReadsSkipTheAborted(transport);
        }

        await using var reopened = EmbeddedTransport.Open(_directory.Path);
        AssertReadsSkipTheAborted(reopened);
        using var producer = reopened.CreateProducer();
        ProduceText(producer, Topic, 0, "later", "6");
        producer.Flush(CancellationToken.None);
        using var reader = reopened.OpenReader(P(0), 6);
        Assert.Equal([(6L, "later")], ReadAll(reader).Select(r => (r.Offset, r.Key)));

        static void AssertReadsSkipTheAborted(EmbeddedTransport transport)
        {
            Assert.Equal(new Watermarks(0, 6), transport.GetWatermarks(P(0)));
            using var reader = transport.OpenReader(P(0), Offsets.Beginning);
            var records = ReadAll(reader);
            Assert.Equal([(3L, "plain"), (4L, "committed"), (5L, "committed")], records.Select(r => (r.Offset, r.Key)));
            Assert.Equal(6, reader.Position);

            // Starting inside the aborted records passes over them too.
            using var middle = transport.OpenReader(P(0), 1);
            Assert.Equal([3L, 4, 5], ReadAll(middle).Select(r => r.Offset));

            // A group consumer sees the same offsets.
            using var consumer = transport.CreateGroupConsumer("readers", [Topic], new EmbeddedRecordingListener("r", []));
            var batch = new RecordBatch();
            Assert.True(consumer.Fetch(batch, 10, TimeSpan.FromSeconds(5), CancellationToken.None));
            Assert.Equal([3L, 4, 5], Enumerable.Range(0, batch.Count).Select(i => batch[i].Offset));
            consumer.Close();
        }
    }

    [Fact]
    public async Task The_high_watermark_is_the_last_stable_offset_while_a_transaction_is_open()
    {
        await using var transport = await Open(partitions: 1);
        using var plain = transport.CreateProducer();
        using var transactional = transport.CreateTransactionalProducer("tx");
        ProduceText(plain, Topic, 0, "before", "0");
        ProduceText(plain, Topic, 0, "before", "1");
        plain.Flush(CancellationToken.None);
        Assert.Equal(new Watermarks(0, 2), transport.GetWatermarks(P(0)));

        ProduceText(transactional, Topic, 0, "open", "2");
        ProduceText(transactional, Topic, 0, "open", "3");
        transactional.Flush(CancellationToken.None); // durable, undecided
        ProduceText(plain, Topic, 0, "after", "4");
        plain.Flush(CancellationToken.None);
        Assert.Equal(new Watermarks(0, 2), transport.GetWatermarks(P(0)));
        using var reader = transport.OpenReader(P(0), Offsets.Beginning);
        Assert.Equal([0L, 1], ReadAll(reader).Select(r => r.Offset));
        Assert.Equal(2, reader.Position);

        transactional.CommitTransaction([], null, CancellationToken.None);
        Assert.Equal(new Watermarks(0, 5), transport.GetWatermarks(P(0)));
        Assert.Equal([(2L, "open"), (3L, "open"), (4L, "after")], ReadAll(reader).Select(r => (r.Offset, r.Key)));
        Assert.Equal(5, reader.Position);
    }

    [Fact]
    public async Task Positions_committed_in_a_transaction_are_record_offsets_and_survive_a_restart()
    {
        const string Output = "out";
        await using (var transport = await Open(partitions: 1))
        {
            await transport.EnsureTopicsAsync([new TopicSpec(Output, 1)], CancellationToken.None);
            using (var seed = transport.CreateProducer())
            {
                for (var i = 0; i < 10; i++)
                {
                    ProduceText(seed, Topic, 0, $"in-{i}", "v");
                }

                seed.Flush(CancellationToken.None);
            }

            using var consumer = transport.CreateGroupConsumer("g", [Topic], new EmbeddedRecordingListener("a", []));
            using var producer = transport.CreateTransactionalProducer("worker");
            var batch = new RecordBatch();
            Assert.True(consumer.Fetch(batch, 6, TimeSpan.FromSeconds(5), CancellationToken.None));
            Assert.Equal(5, batch[batch.Count - 1].Offset);
            ProduceText(producer, Output, 0, "out", "v");
            producer.CommitTransaction([new TopicPartitionOffset(Topic, 0, batch[batch.Count - 1].NextOffset)], consumer, CancellationToken.None);
            Assert.Equal(6, consumer.Committed(P(0)));
            consumer.Close();
        }

        Assert.Contains("position\tg\tt\t0\t6\n", await File.ReadAllTextAsync(Path.Combine(_directory.Path, TransactionJournal.FileName)), StringComparison.Ordinal);
        await using var reopened = EmbeddedTransport.Open(_directory.Path);
        using var again = reopened.CreateGroupConsumer("g", [Topic], new EmbeddedRecordingListener("b", []));
        Assert.Equal(6, again.Committed(P(0)));
        var resumed = new RecordBatch();
        Assert.True(again.Fetch(resumed, 10, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal((6L, "in-6"), (resumed[0].Offset, Text(resumed.KeyOf(resumed[0]))));
        Assert.Equal(4, resumed.Count);
        again.Close();
    }

    [Fact]
    public async Task A_data_directory_whose_offsets_were_log_addresses_is_refused_with_what_to_do()
    {
        await using (var transport = await Open(partitions: 1))
        {
            using var producer = transport.CreateProducer();
            ProduceText(producer, Topic, 0, "k", "v");
            producer.Flush(CancellationToken.None);
        }

        // A topic written by the previous version (format 2: offsets were log addresses).
        var oldTopic = Path.Combine(_directory.Path, "topics", "old");
        Directory.CreateDirectory(oldTopic);
        await File.WriteAllTextAsync(Path.Combine(oldTopic, TopicState.MetadataFileName), "faustish-topic 2\npartitions=1\ncompacted=false\n");
        var error = Assert.Throws<InvalidOperationException>(() => EmbeddedTransport.Open(_directory.Path));
        Assert.Contains(Path.Combine("topics", "old", TopicState.MetadataFileName), error.Message, StringComparison.Ordinal);
        Assert.Contains("log addresses", error.Message, StringComparison.Ordinal);
        Assert.Contains("move or delete the data directory", error.Message, StringComparison.Ordinal);
        Directory.Delete(oldTopic, recursive: true);

        // Committed positions of the previous version.
        var oldPositions = Path.Combine(_directory.Path, "groups", "old-group.positions");
        await File.WriteAllTextAsync(oldPositions, "faustish-positions 1\nt\t0\t4160\nend 1 0000000000000000\n");
        error = Assert.Throws<InvalidOperationException>(() => EmbeddedTransport.Open(_directory.Path));
        Assert.Contains(Path.Combine("groups", "old-group.positions"), error.Message, StringComparison.Ordinal);
        File.Delete(oldPositions);

        // Refusing changed nothing: the directory opens again once the old files are gone.
        await using var reopened = EmbeddedTransport.Open(_directory.Path);
        Assert.Equal(new Watermarks(0, 1), reopened.GetWatermarks(P(0)));
    }

    private static void AssertStartsAnywhere(EmbeddedTransport transport, int records)
    {
        foreach (var partition in new[] { P(0), P(1) })
        {
            Assert.Equal(new Watermarks(0, records), transport.GetWatermarks(partition));
            foreach (var start in new long[] { 0, 1, 511, 1023, 1024, 1025, 2047, 2048, 3333, records - 1, records })
            {
                using var reader = transport.OpenReader(partition, start);
                Assert.Equal(start, reader.Position);
                var batch = new RecordBatch();
                if (start == records)
                {
                    Assert.False(reader.Fetch(batch, 1, TimeSpan.Zero, CancellationToken.None));
                    continue;
                }

                Assert.True(reader.Fetch(batch, 3, TimeSpan.FromSeconds(5), CancellationToken.None));
                Assert.Equal(start, batch[0].Offset);
                Assert.Equal($"k{start}", Text(batch.KeyOf(batch[0])));
                Assert.Equal(start + batch.Count, reader.Position);
            }
        }
    }

    private async Task<EmbeddedTransport> Open(int partitions, EmbeddedTransportOptions? options = null)
    {
        var transport = EmbeddedTransport.Open(_directory.Path, options);
        await transport.EnsureTopicsAsync([new TopicSpec(Topic, partitions)], CancellationToken.None);
        return transport;
    }

    private static TopicPartition P(int partition) => new(Topic, partition);
}
