using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Transport;
using Faustish.Transport.Embedded;
using static Faustish.Tests.Transport.EmbeddedTestData;

namespace Faustish.Tests.Transport;

public sealed class EmbeddedTransportTests : IDisposable
{
    private readonly EmbeddedTempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private EmbeddedTransport Open() => EmbeddedTransport.Open(_directory.Path);

    [Fact]
    public async Task Produce_flush_then_reader_reads_back_keys_values_nulls_headers_and_timestamps()
    {
        await using var transport = Open();
        await transport.EnsureTopicsAsync([new TopicSpec("orders", 2)], CancellationToken.None);
        var partition = new TopicPartition("orders", 1);
        using (var producer = transport.CreateProducer())
        {
            producer.Produce(partition, Utf8("k1"), false, Utf8("v1"), false, 1000);
            producer.Produce(partition, default, true, Utf8("no key"), false, 2000);
            producer.Produce(partition, Utf8("k1"), false, default, true, 3000);
            producer.Produce(partition, Utf8(""), false, Utf8(""), false, 4000);
            producer.Produce(partition, Utf8("k2"), false, Utf8("with headers"), false, 5000,
                [RecordHeader.Utf8("reason", "bad json"), new RecordHeader("empty", [])]);
            producer.Flush(CancellationToken.None);
        }

        using var reader = transport.OpenReader(partition, Offsets.Beginning);
        var batch = new RecordBatch(initialRecords: 2, initialBytes: 4);
        Assert.True(reader.Fetch(batch, 100, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal("orders", batch.Topic);
        Assert.Equal(1, batch.Partition);
        Assert.Equal(5, batch.Count);

        Assert.Equal("k1", Text(batch.KeyOf(batch[0])));
        Assert.Equal("v1", Text(batch.ValueOf(batch[0])));
        Assert.False(batch[0].KeyIsNull);
        Assert.Equal(1000, batch[0].TimestampMs);
        Assert.Empty(batch.HeadersOf(batch[0]));

        Assert.True(batch[1].KeyIsNull);
        Assert.Equal("no key", Text(batch.ValueOf(batch[1])));
        Assert.Equal(2000, batch[1].TimestampMs);

        Assert.Equal("k1", Text(batch.KeyOf(batch[2])));
        Assert.True(batch[2].ValueIsNull); // tombstone
        Assert.Equal(3000, batch[2].TimestampMs);

        Assert.False(batch[3].KeyIsNull);
        Assert.False(batch[3].ValueIsNull);
        Assert.Equal(0, batch.KeyOf(batch[3]).Length);
        Assert.Equal(0, batch.ValueOf(batch[3]).Length);

        var headers = batch.HeadersOf(batch[4]);
        Assert.Equal(2, headers.Count);
        Assert.Equal("reason", headers[0].Name);
        Assert.Equal("bad json", headers[0].ValueAsString());
        Assert.Equal("empty", headers[1].Name);
        Assert.Empty(headers[1].Value);
        Assert.Equal(5000, batch[4].TimestampMs);

        // Offsets are increasing positions; each record's NextOffset is the next record's Offset.
        for (var i = 1; i < batch.Count; i++)
        {
            Assert.Equal(batch[i - 1].NextOffset, batch[i].Offset);
        }

        Assert.Equal(batch[4].NextOffset, reader.Position);
        var watermarks = transport.GetWatermarks(partition);
        Assert.Equal(batch[0].Offset, watermarks.Low);
        Assert.Equal(batch[4].NextOffset, watermarks.High);

        // Reading from an offset in the middle starts at that record.
        using var middle = transport.OpenReader(partition, batch[2].Offset);
        var rest = ReadAll(middle);
        Assert.Equal(3, rest.Count);
        Assert.Equal(batch[2].Offset, rest[0].Offset);

        // The other partition is empty.
        using var empty = transport.OpenReader(new TopicPartition("orders", 0), Offsets.Beginning);
        Assert.Empty(ReadAll(empty));
        var emptyMarks = transport.GetWatermarks(new TopicPartition("orders", 0));
        Assert.Equal(emptyMarks.Low, emptyMarks.High);
    }

    [Fact]
    public async Task BeginFlush_returns_before_the_disk_sync_and_its_task_completes_once_every_record_is_durable_and_visible()
    {
        await using var transport = Open();
        await transport.EnsureTopicsAsync([new TopicSpec("t", 2)], CancellationToken.None);
        using var producer = transport.CreateProducer();
        for (var i = 0; i < 1_000; i++)
        {
            ProduceText(producer, "t", i % 2, $"k{i}", $"v{i}");
        }

        var durable = producer.BeginFlush();
        // Records produced after the call belong to the next flush, and the producer takes them at once.
        ProduceText(producer, "t", 0, "later", "x");
        await durable.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(500, transport.GetWatermarks(new TopicPartition("t", 0)).High);
        Assert.Equal(500, transport.GetWatermarks(new TopicPartition("t", 1)).High);
        using var reader = transport.OpenReader(new TopicPartition("t", 1), Offsets.Beginning);
        var read = ReadAll(reader);
        Assert.Equal(500, read.Count);
        Assert.Equal(("k999", "v999"), (read[^1].Key, read[^1].Value));

        await producer.BeginFlush().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(501, transport.GetWatermarks(new TopicPartition("t", 0)).High);
        Assert.True(producer.BeginFlush().IsCompletedSuccessfully); // nothing left to flush
    }

    [Fact]
    public async Task BeginFlush_on_a_transactional_producer_is_refused_with_what_to_call_instead()
    {
        await using var transport = Open();
        await transport.EnsureTopicsAsync([new TopicSpec("t", 1)], CancellationToken.None);
        using var producer = transport.CreateTransactionalProducer("app.worker#0");
        var refused = Assert.Throws<InvalidOperationException>(() => { _ = producer.BeginFlush(); }); // thrown at the call, not by the task
        Assert.Contains("CommitTransaction", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Records_are_invisible_until_flushed()
    {
        await using var transport = Open();
        await transport.EnsureTopicsAsync([new TopicSpec("t", 1)], CancellationToken.None);
        var partition = new TopicPartition("t", 0);
        using var producer = transport.CreateProducer();
        ProduceText(producer, "t", 0, "a", "1");
        ProduceText(producer, "t", 0, "b", "2");

        using var reader = transport.OpenReader(partition, Offsets.Beginning);
        var batch = new RecordBatch();
        Assert.False(reader.Fetch(batch, 10, TimeSpan.Zero, CancellationToken.None));
        var before = transport.GetWatermarks(partition);
        Assert.Equal(before.Low, before.High);

        producer.Flush(CancellationToken.None);
        Assert.True(reader.Fetch(batch, 10, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(2, batch.Count);
        Assert.True(transport.GetWatermarks(partition).High > before.High);
    }

    [Fact]
    public async Task Flushed_records_survive_dispose_and_reopen()
    {
        List<(string Key, string Value, long Offset, long NextOffset)> written;
        await using (var transport = Open())
        {
            await transport.EnsureTopicsAsync([new TopicSpec("t", 3, Compacted: true)], CancellationToken.None);
            using var producer = transport.CreateProducer();
            for (var i = 0; i < 50; i++)
            {
                ProduceText(producer, "t", 2, $"k{i}", $"v{i}");
            }

            producer.Flush(CancellationToken.None);
            using var reader = transport.OpenReader(new TopicPartition("t", 2), Offsets.Beginning);
            written = ReadAll(reader);
        }

        await using (var reopened = Open())
        {
            Assert.Equal(3, reopened.GetPartitionCount("t"));
            Assert.True(reopened.IsCompacted("t"));
            using var reader = reopened.OpenReader(new TopicPartition("t", 2), Offsets.Beginning);
            var read = ReadAll(reader);
            Assert.Equal(written, read);
            Assert.Equal(50, read.Count);
            Assert.Equal("k49", read[^1].Key);

            // New records append after the old ones.
            using var producer = reopened.CreateProducer();
            ProduceText(producer, "t", 2, "after", "reopen");
            producer.Flush(CancellationToken.None);
            var more = ReadAll(reader);
            Assert.Single(more);
            Assert.Equal(read[^1].NextOffset, more[0].Offset);
        }
    }

    [Fact]
    public async Task Records_produced_but_not_flushed_are_committed_by_dispose()
    {
        await using (var transport = Open())
        {
            await transport.EnsureTopicsAsync([new TopicSpec("t", 1)], CancellationToken.None);
            var producer = transport.CreateProducer();
            ProduceText(producer, "t", 0, "late", "record");
        }

        await using var reopened = Open();
        using var reader = reopened.OpenReader(new TopicPartition("t", 0), Offsets.Beginning);
        Assert.Equal("late", Assert.Single(ReadAll(reader)).Key);
    }

    [Fact]
    public async Task Flushed_records_survive_a_crash_without_dispose()
    {
        // A copy of the directory taken while the transport is open is what kill -9 leaves behind.
        var crashCopy = Path.Combine(_directory.Path, "crash-copy");
        await using (var transport = EmbeddedTransport.Open(Path.Combine(_directory.Path, "live")))
        {
            await transport.EnsureTopicsAsync([new TopicSpec("t", 1)], CancellationToken.None);
            using var producer = transport.CreateProducer();
            for (var i = 0; i < 20; i++)
            {
                ProduceText(producer, "t", 0, $"k{i}", "flushed");
            }

            producer.Flush(CancellationToken.None);
            ProduceText(producer, "t", 0, "x", "not flushed");
            CopyDirectory(Path.Combine(_directory.Path, "live"), crashCopy);
        }

        await using var recovered = EmbeddedTransport.Open(crashCopy);
        using var reader = recovered.OpenReader(new TopicPartition("t", 0), Offsets.Beginning);
        var records = ReadAll(reader);
        Assert.Equal(20, records.Count);
        Assert.All(records, r => Assert.Equal("flushed", r.Value));
    }

    [Fact]
    public async Task Partition_count_mismatch_says_what_to_change()
    {
        await using (var transport = Open())
        {
            await transport.EnsureTopicsAsync([new TopicSpec("x", 4)], CancellationToken.None);
            await transport.EnsureTopicsAsync([new TopicSpec("x", 4)], CancellationToken.None); // same count: fine
            var error = await Assert.ThrowsAsync<InvalidOperationException>(
                () => transport.EnsureTopicsAsync([new TopicSpec("x", 8)], CancellationToken.None).AsTask());
            Assert.StartsWith("Topic 'x' has 4 partitions on disk but the app declares 8. Declare Partitions = 4, or delete ", error.Message, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(_directory.Path, "topics", "x"), error.Message, StringComparison.Ordinal);
            Assert.EndsWith("to start over (losing its records).", error.Message, StringComparison.Ordinal);
        }

        await using var reopened = Open();
        Assert.Equal(4, reopened.GetPartitionCount("x"));
        var again = await Assert.ThrowsAsync<InvalidOperationException>(
            () => reopened.EnsureTopicsAsync([new TopicSpec("y", 1), new TopicSpec("x", 2)], CancellationToken.None).AsTask());
        Assert.Contains("has 4 partitions on disk but the app declares 2", again.Message, StringComparison.Ordinal);
        Assert.Null(reopened.GetPartitionCount("y")); // nothing is created when a check fails
    }

    [Fact]
    public async Task Unknown_and_invalid_topics()
    {
        await using var transport = Open();
        Assert.Null(transport.GetPartitionCount("missing"));
        Assert.Null(transport.GetPartitionCount("not/valid"));

        foreach (var name in new[] { "", "a b", "../etc", "ümlaut", ".", "..", new string('a', 250) })
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(
                () => transport.EnsureTopicsAsync([new TopicSpec(name, 1)], CancellationToken.None).AsTask());
            Assert.Contains("is not valid", error.Message, StringComparison.Ordinal);
        }

        await transport.EnsureTopicsAsync([new TopicSpec("Valid.name_with-dashes." + new string('z', 200), 1)], CancellationToken.None);

        using var producer = transport.CreateProducer();
        var missing = Assert.Throws<InvalidOperationException>(() => ProduceText(producer, "missing", 0, "k", "v"));
        Assert.Contains("Topic 'missing' does not exist", missing.Message, StringComparison.Ordinal);
        await transport.EnsureTopicsAsync([new TopicSpec("two", 2)], CancellationToken.None);
        Assert.Throws<ArgumentOutOfRangeException>(() => ProduceText(producer, "two", 2, "k", "v"));
        Assert.Throws<InvalidOperationException>(() => transport.CreateGroupConsumer("g", ["missing"], new EmbeddedRecordingListener("a", [])));
    }

    [Fact]
    public async Task A_second_transport_on_the_same_directory_fails_with_a_clear_message()
    {
        var first = Open();
        try
        {
            var error = Assert.ThrowsAny<InvalidOperationException>(() => EmbeddedTransport.Open(_directory.Path)); // DataDirectoryInUseException: tools share the directory instead
            Assert.Contains("Another Faustish worker is using", error.Message, StringComparison.Ordinal);
            Assert.Contains(_directory.Path, error.Message, StringComparison.Ordinal);
            Assert.Contains("--data-dir", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await first.DisposeAsync();
        }

        await using var second = Open(); // released on dispose
        Assert.StartsWith("embedded:", second.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_without_data_waits_and_returns_false_after_the_timeout_or_on_cancellation()
    {
        await using var transport = Open();
        await transport.EnsureTopicsAsync([new TopicSpec("t", 1)], CancellationToken.None);
        using var reader = transport.OpenReader(new TopicPartition("t", 0), Offsets.End);
        var batch = new RecordBatch();

        Assert.False(reader.Fetch(batch, 10, TimeSpan.FromMilliseconds(200), CancellationToken.None));
        Assert.False(reader.Fetch(batch, 10, TimeSpan.Zero, CancellationToken.None));

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        Assert.False(reader.Fetch(batch, 10, Timeout.InfiniteTimeSpan, cancelled.Token));

        using var later = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        Assert.False(reader.Fetch(batch, 10, Timeout.InfiniteTimeSpan, later.Token));
    }

    [Fact]
    public async Task A_waiting_fetch_wakes_up_when_another_thread_flushes()
    {
        await using var transport = Open();
        await transport.EnsureTopicsAsync([new TopicSpec("t", 1)], CancellationToken.None);
        using var reader = transport.OpenReader(new TopicPartition("t", 0), Offsets.End);
        using var started = new ManualResetEventSlim();
        var writer = Task.Run(() =>
        {
            started.Wait(TimeSpan.FromSeconds(10));
            Thread.Sleep(100);
            using var producer = transport.CreateProducer();
            ProduceText(producer, "t", 0, "k", "woke");
            producer.Flush(CancellationToken.None);
        });

        var batch = new RecordBatch();
        started.Set();
        Assert.True(reader.Fetch(batch, 10, TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Equal("woke", Text(batch.ValueOf(batch[0])));
        await writer;
    }

    [Fact]
    public async Task Disposing_the_transport_wakes_waiting_fetches()
    {
        var transport = Open();
        await transport.EnsureTopicsAsync([new TopicSpec("t", 2)], CancellationToken.None);
        var reader = transport.OpenReader(new TopicPartition("t", 0), Offsets.End);
        var consumer = transport.CreateGroupConsumer("g", ["t"], new EmbeddedRecordingListener("a", []));
        Assert.False(consumer.Fetch(new RecordBatch(), 1, TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(2, consumer.Assignment.Count);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // only a safety net
        var readerWait = Task.Run(() => reader.Fetch(new RecordBatch(), 1, Timeout.InfiniteTimeSpan, timeout.Token));
        var consumerWait = Task.Run(() => consumer.Fetch(new RecordBatch(), 1, Timeout.InfiniteTimeSpan, timeout.Token));
        await Task.Delay(100);
        await transport.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => readerWait);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => consumerWait);
        Assert.False(timeout.IsCancellationRequested);
        consumer.Close(); // after dispose: leaves without callbacks
        reader.Dispose();
    }

    [Fact]
    public async Task Many_producers_on_many_threads_lose_nothing()
    {
        await using var transport = Open();
        await transport.EnsureTopicsAsync([new TopicSpec("t", 2)], CancellationToken.None);
        var tasks = new Task[4];
        for (var w = 0; w < tasks.Length; w++)
        {
            var worker = w;
            tasks[w] = Task.Run(() =>
            {
                using var producer = transport.CreateProducer();
                for (var i = 0; i < 2000; i++)
                {
                    ProduceText(producer, "t", i % 2, $"{worker}-{i}", "v");
                    if (i % 500 == 499)
                    {
                        producer.Flush(CancellationToken.None);
                    }
                }

                producer.Flush(CancellationToken.None);
            });
        }

        await Task.WhenAll(tasks);
        var keys = new HashSet<string>();
        for (var p = 0; p < 2; p++)
        {
            using var reader = transport.OpenReader(new TopicPartition("t", p), Offsets.Beginning);
            foreach (var record in ReadAll(reader))
            {
                Assert.True(keys.Add(record.Key));
            }
        }

        Assert.Equal(8000, keys.Count);
    }

    [Fact]
    public async Task Use_after_dispose_fails_clearly()
    {
        var transport = Open();
        await transport.EnsureTopicsAsync([new TopicSpec("t", 1)], CancellationToken.None);
        var producer = transport.CreateProducer();
        ProduceText(producer, "t", 0, "k", "v");
        var reader = transport.OpenReader(new TopicPartition("t", 0), Offsets.Beginning);
        await transport.DisposeAsync();
        await transport.DisposeAsync(); // twice is fine

        Assert.Throws<ObjectDisposedException>(() => ProduceText(producer, "t", 0, "k", "v"));
        Assert.Throws<ObjectDisposedException>(() => producer.Flush(CancellationToken.None));
        Assert.Throws<ObjectDisposedException>(() => reader.Fetch(new RecordBatch(), 1, TimeSpan.Zero, CancellationToken.None));
        reader.Dispose();
        producer.Dispose();
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddedTransport.Open(_directory.Path, new EmbeddedTransportOptions { PageSizeBits = 40 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddedTransport.Open(_directory.Path, new EmbeddedTransportOptions { PageSizeBits = 20, MemorySizeBits = 20 }));
    }

    [Fact]
    public async Task A_record_larger_than_a_page_is_refused_with_a_hint()
    {
        await using var transport = EmbeddedTransport.Open(_directory.Path, new EmbeddedTransportOptions { PageSizeBits = 12, MemorySizeBits = 14, SegmentSizeBits = 16 });
        await transport.EnsureTopicsAsync([new TopicSpec("t", 1)], CancellationToken.None);
        using var producer = transport.CreateProducer();
        var error = Assert.Throws<ArgumentException>(() =>
            producer.Produce(new TopicPartition("t", 0), default, true, new byte[5000], false, 0));
        Assert.Contains("PageSizeBits", error.Message, StringComparison.Ordinal);

        // Records that fit still work, across many small pages and segment files.
        for (var i = 0; i < 500; i++)
        {
            producer.Produce(new TopicPartition("t", 0), Utf8($"k{i}"), false, new byte[300], false, i);
        }

        producer.Flush(CancellationToken.None);
        using var reader = transport.OpenReader(new TopicPartition("t", 0), Offsets.Beginning);
        Assert.Equal(500, ReadAll(reader).Count);
    }

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(source))
        {
            if (Path.GetFileName(file) == "faustish.lock")
            {
                continue;
            }

            using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var output = File.Create(Path.Combine(destination, Path.GetFileName(file)));
            input.CopyTo(output);
        }

        foreach (var directory in Directory.GetDirectories(source))
        {
            CopyDirectory(directory, Path.Combine(destination, Path.GetFileName(directory)));
        }
    }
}
