using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Serialization;
using Faustish.Tables;
using Faustish.Topics;
using Faustish.Transport;
using Faustish.Transport.Embedded;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Faustish.Tests.Transport;

/// <summary>
/// The embedded log has an end: segments past a topic's retention are deleted (Kafka's rule: the newest record of the
/// segment is older than the retention; never the active segment), changelogs are compacted to the latest record per
/// key with their offsets kept, and a log with a steady key set stays the same size however long it runs. Real
/// FasterLogs in a temporary folder, with small pages and segments; the clock is a fake one and the cleaner's passes
/// are run by the test (the background timer is off), so nothing waits.
/// </summary>
public sealed class RetentionTests(ITestOutputHelper output) : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly EmbeddedTempDirectory _directory = new();
    private readonly ManualClock _clock = new(Start);
    private readonly OutputLogger _logger = new(output);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_topic_with_one_hour_retention_keeps_no_segment_older_than_that_beyond_the_current_one()
    {
        var topic = new TopicPartition("events", 0);
        await using var transport = await Open(new TopicSpec(topic.Topic, 1, RetentionMs: (long)TimeSpan.FromHours(1).TotalMilliseconds));
        using var producer = transport.CreateProducer();
        using var behind = transport.OpenReader(topic, Offsets.Beginning); // a reader that stays at offset 0
        long written = 0;

        // Six hours of records, ten minutes at a time, the cleaner passing after each step.
        for (var step = 0; step < 36; step++)
        {
            for (var i = 0; i < 300; i++)
            {
                producer.Produce(topic, Long(written), false, Long(written), false, _clock.GetUtcNow().ToUnixTimeMilliseconds());
                written++;
            }

            producer.Flush(CancellationToken.None);
            transport.CleanLogs();
            _clock.Advance(TimeSpan.FromMinutes(10));
        }

        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var segments = SegmentsNewestTimestamps(transport.GetLog(topic));
        Assert.True(segments.Count >= 2, $"the test should span several segments, found {segments.Count}");
        var old = segments.Take(segments.Count - 1).Where(s => s.Newest < now - 3_600_000).ToList();
        Assert.True(old.Count == 0, $"segments older than the retention remain: {string.Join(", ", old.Select(s => s.Segment))}");

        // What remains is whole: from the log start to the end, every offset, none lost in between.
        var low = transport.GetWatermarks(topic).Low;
        Assert.True(low > 0, "nothing was deleted");
        using var reader = transport.OpenReader(topic, Offsets.Beginning);
        var offsets = ReadRecords(reader).Select(r => r.Offset).ToList();
        Assert.Equal(Enumerable.Range((int)low, (int)(written - low)).Select(i => (long)i), offsets);
        WaitForSegmentDeletion(transport.GetLog(topic));
        Assert.Equal(SegmentFilesOnDisk(transport, topic), segments.Count);

        // The reader left at offset 0 moves on to the log start (auto.offset.reset=earliest), neither crashing nor skipping kept records.
        var caughtUp = ReadRecords(behind).Select(r => r.Offset).ToList();
        Assert.Equal(offsets, caughtUp);

        // So does a second process (the CLI) asked for offset 0, saying so.
        var guest = EmbeddedGuestTransport.Open(_directory.Path, Options(), _logger);
        Assert.Equal(offsets, ReadRecords(guest.OpenReader(topic, 0)).Select(r => r.Offset));
        Assert.Equal(2, _logger.Warnings.Count(w => w.Contains("deleted by its retention", StringComparison.Ordinal) && w.Contains("events[0]", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Size_retention_deletes_the_oldest_segments_and_the_journal_forgets_aborted_transactions_below_the_log_start()
    {
        var topic = new TopicPartition("sized", 0);
        const long MaxBytes = 64 * 1024;
        await using var transport = await Open(new TopicSpec(topic.Topic, 1, RetentionBytes: MaxBytes));
        using (var transactional = transport.CreateTransactionalProducer("tx"))
        {
            transactional.Produce(topic, Long(1), false, Long(1), false, 1);
            transactional.AbortTransaction();
        }

        Assert.Equal(1, transport.Journal.AbortedRangeCount(topic));
        using var producer = transport.CreateProducer();
        for (var i = 0; i < 20_000; i++)
        {
            producer.Produce(topic, Long(i), false, Long(i), false, 1);
        }

        producer.Flush(CancellationToken.None);
        Assert.Equal(1, transport.CleanLogs());

        var log = transport.GetLog(topic);
        var size = log.CommittedUntil - log.Log.BeginAddress;
        Assert.InRange(size, MaxBytes, MaxBytes + (1L << SegmentSizeBits));
        Assert.Equal(0, transport.Journal.AbortedRangeCount(topic));
        Assert.Empty(log.Aborted);
        using var reader = transport.OpenReader(topic, Offsets.Beginning);
        var records = ReadRecords(reader);
        Assert.Equal(records[0].Offset, transport.GetWatermarks(topic).Low);
        Assert.Equal(20_000, records[^1].Offset); // offset 0 was the aborted record
    }

    [Fact]
    public async Task A_changelog_with_a_million_updates_over_a_thousand_keys_compacts_to_about_a_thousand_records_and_restores_the_same_table()
    {
        var changelog = new TopicPartition("app-counts-changelog", 0);
        const int Keys = 1000;
        const int Updates = 1_000_000;
        var expected = new Dictionary<long, long>();
        var expectedOffsets = new Dictionary<long, long>();
        await using (var transport = await Open(new TopicSpec(changelog.Topic, 1, Compacted: true)))
        {
            using var producer = transport.CreateProducer();
            using var reader = transport.OpenReader(changelog, Offsets.Beginning); // reads while compaction runs
            var batch = new RecordBatch();
            var seen = new Dictionary<long, long>();
            for (var i = 0; i < Updates; i++)
            {
                long key = i % Keys;
                producer.Produce(changelog, Long(key), false, Long(i), false, 1);
                expected[key] = i;
                expectedOffsets[key] = i;
                if (i % 100_000 == 99_999)
                {
                    producer.Flush(CancellationToken.None);
                    reader.Fetch(batch, 500, TimeSpan.Zero, CancellationToken.None);
                    Collect(batch, seen);
                    transport.CleanLogs();
                }
            }

            producer.Flush(CancellationToken.None);
            transport.CleanLogs();
            WaitForSegmentDeletion(transport.GetLog(changelog));

            var records = ReadRecords(transport.OpenReader(changelog, Offsets.Beginning));
            output.WriteLine($"{Updates:N0} updates over {Keys:N0} keys: {records.Count:N0} records after compaction, " +
                $"{DirectorySize(Path.Combine(_directory.Path, "topics", changelog.Topic)):N0} bytes on disk");
            var perSegment = (1 << SegmentSizeBits) / 56; // 52-byte records with FasterLog's 4-byte length, 8-aligned
            Assert.InRange(records.Count, Keys, Keys + perSegment);
            Assert.All(records, r => Assert.Equal(r.Offset, r.Value)); // offsets kept: update i was written at offset i
            Assert.Equal(records.Select(r => r.Offset).Order(), records.Select(r => r.Offset));

            // A second process (the CLI next to a running worker) reads the same: the compacted head, then the log.
            var guest = EmbeddedGuestTransport.Open(_directory.Path, Options(), _logger);
            Assert.Equal(records, ReadRecords(guest.OpenReader(changelog, Offsets.Beginning)));

            // The reader that was part-way through when compaction ran ends with the same table.
            while (reader.Fetch(batch, 4096, TimeSpan.Zero, CancellationToken.None))
            {
                Collect(batch, seen);
            }

            Assert.Equal(expected, seen);
        }

        // After a restart: the table restored from the compacted changelog is the one written, and offsets go on.
        await using (var reopened = await Open(new TopicSpec(changelog.Topic, 1, Compacted: true)))
        {
            var end = reopened.GetWatermarks(changelog).High;
            Assert.Equal(Updates, end);
            Assert.Equal(expected, Restore(reopened, changelog, end));
            using var producer = reopened.CreateProducer();
            producer.Produce(changelog, Long(7), false, Long(-7), false, 1);
            producer.Flush(CancellationToken.None);
            Assert.Equal(Updates + 1, reopened.GetWatermarks(changelog).High);
        }
    }

    [Fact]
    public async Task Tombstones_stay_for_the_tombstone_retention_then_compaction_removes_them()
    {
        var changelog = new TopicPartition("app-t-changelog", 0);
        await using var transport = await Open(new TopicSpec(changelog.Topic, 1, Compacted: true));
        using var producer = transport.CreateProducer();

        // Writes three segments' worth of updates of the even keys, so that what came before is compacted.
        void FillAndClean()
        {
            for (var i = 0; i < 3 * (1 << SegmentSizeBits) / 56; i++)
            {
                producer.Produce(changelog, Long(i % 50 * 2), false, Long(i), false, 1);
            }

            producer.Flush(CancellationToken.None);
            transport.CleanLogs();
        }

        for (long key = 0; key < 100; key++)
        {
            producer.Produce(changelog, Long(key), false, Long(key), false, 1);
        }

        for (long key = 1; key < 100; key += 2)
        {
            producer.Produce(changelog, Long(key), false, default, true, 1); // deletes the odd keys
        }

        FillAndClean();
        var coverEnd = transport.GetLog(changelog).Compacted!.CoverEnd;
        var compacted = ReadRecords(transport.OpenReader(changelog, Offsets.Beginning)).Where(r => r.Offset < coverEnd).ToList();
        Assert.Equal(50, compacted.Count(r => r.Tombstone)); // compacted, each odd key's tombstone stays; its value is gone
        Assert.DoesNotContain(compacted, r => r.Key % 2 == 1 && !r.Tombstone);

        _clock.Advance(TimeSpan.FromHours(23));
        FillAndClean();
        Assert.Equal(50, ReadRecords(transport.OpenReader(changelog, Offsets.Beginning)).Count(r => r.Tombstone)); // not yet 24 h

        _clock.Advance(TimeSpan.FromHours(2));
        FillAndClean();
        var after = ReadRecords(transport.OpenReader(changelog, Offsets.Beginning));
        Assert.DoesNotContain(after, r => r.Key % 2 == 1);
        Assert.Equal(Enumerable.Range(0, 50).Select(k => (long)k * 2), after.Select(r => r.Key).Distinct().Order());
    }

    [Fact]
    public async Task A_compacted_topic_with_a_retention_also_drops_records_older_than_it()
    {
        // Windowed tables' changelogs: compact and delete (their windows expire).
        var changelog = new TopicPartition("app-w-changelog", 0);
        await using var transport = await Open(new TopicSpec(changelog.Topic, 1, Compacted: true, RetentionMs: 3_600_000));
        using var producer = transport.CreateProducer();
        for (long key = 0; key < 100; key++)
        {
            producer.Produce(changelog, Long(key), false, Long(key), false, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        }

        _clock.Advance(TimeSpan.FromHours(2));
        for (var i = 0; i < 3 * (1 << SegmentSizeBits) / 56; i++)
        {
            producer.Produce(changelog, Long(100 + (i % 100)), false, Long(i), false, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        }

        producer.Flush(CancellationToken.None);
        Assert.Equal(1, transport.CleanLogs());
        var keys = ReadRecords(transport.OpenReader(changelog, Offsets.Beginning)).Select(r => r.Key).Distinct().Order().ToList();
        Assert.Equal(Enumerable.Range(100, 100).Select(k => (long)k), keys);
    }

    [Fact]
    public async Task A_compaction_stopped_after_writing_its_head_is_finished_when_the_log_opens_again()
    {
        var changelog = new TopicPartition("app-c-changelog", 0);
        var expected = new Dictionary<long, long>();
        void Write(IRecordProducer producer, int from, int count)
        {
            for (var i = from; i < from + count; i++)
            {
                producer.Produce(changelog, Long(i % 300), false, Long(i), false, 1);
                expected[i % 300] = i;
            }

            producer.Flush(CancellationToken.None);
        }

        var perSegment = (1 << SegmentSizeBits) / 56;
        await using (var transport = await Open(new TopicSpec(changelog.Topic, 1, Compacted: true)))
        {
            using var producer = transport.CreateProducer();
            Write(producer, 0, 3 * perSegment);
            transport.CleanLogs(); // a first compacted head
            Write(producer, 3 * perSegment, 4 * perSegment);
            transport.Options.AfterCompactedHeadWritten = _ => throw new SimulatedCrash();
            Assert.Throws<SimulatedCrash>(() => transport.CleanLogs()); // the second head is in place, the log not truncated
        }

        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(_directory.Path, "topics", changelog.Topic, "0"), CompactedSegment.FilePrefix + "*").Count());
        await using (var reopened = await Open(new TopicSpec(changelog.Topic, 1, Compacted: true)))
        {
            var log = reopened.GetLog(changelog);
            Assert.Equal(log.Compacted!.CleanAddress, log.Log.BeginAddress); // the truncation was finished
            Assert.Single(Directory.EnumerateFiles(log.Directory, CompactedSegment.FilePrefix + "*")); // the older head is gone
            var table = new Dictionary<long, long>();
            foreach (var record in ReadRecords(reopened.OpenReader(changelog, Offsets.Beginning)))
            {
                table[record.Key] = record.Value;
            }

            Assert.Equal(expected, table);
            Assert.Equal(7 * perSegment, reopened.GetWatermarks(changelog).High);
        }
    }

    private sealed class SimulatedCrash : Exception;

    [Fact]
    public async Task Disk_use_stays_flat_over_a_long_run_with_a_steady_key_set()
    {
        var changelog = new TopicPartition("app-steady-changelog", 0);
        await using var transport = await Open(new TopicSpec(changelog.Topic, 1, Compacted: true));
        using var producer = transport.CreateProducer();
        var directory = Path.Combine(_directory.Path, "topics", changelog.Topic);
        var sizes = new List<long>();
        long next = 0;
        for (var round = 0; round < 20; round++)
        {
            for (var i = 0; i < 20_000; i++, next++)
            {
                producer.Produce(changelog, Long(next % 500), false, Long(next), false, 1);
            }

            producer.Flush(CancellationToken.None);
            transport.CleanLogs();
            WaitForSegmentDeletion(transport.GetLog(changelog));
            sizes.Add(DirectorySize(directory));
        }

        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            output.WriteLine($"{Path.GetRelativePath(directory, file)}: {new FileInfo(file).Length:N0} bytes");
        }

        output.WriteLine($"bytes on disk after each round of 20,000 updates over 500 keys: {string.Join(", ", sizes.Select(s => s.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))}");
        var settled = sizes.Skip(5).ToList();
        // 400,000 updates of 56 bytes (22.4 MB) written; the disk holds the live set (500 × 64 B) plus at most a few segments.
        Assert.True(settled.Max() <= 6 * (1L << SegmentSizeBits) + 256 * 1024,
            $"disk use grew: {string.Join(", ", settled)}");
        Assert.True(settled[^1] <= settled[0] * 2, $"disk use grew from {settled[0]:N0} to {settled[^1]:N0} bytes");
    }

    [Fact]
    public async Task The_background_cleaner_deletes_expired_segments_and_a_group_behind_them_restarts_at_the_log_start_with_a_warning()
    {
        var topic = new TopicPartition("background", 0);
        var options = Options();
        options.CleanupInterval = TimeSpan.FromMilliseconds(20);
        await using var transport = EmbeddedTransport.Open(_directory.Path, options, _logger);
        await transport.EnsureTopicsAsync([new TopicSpec(topic.Topic, 1, RetentionMs: 60_000)], CancellationToken.None);
        var events = new List<string>();
        using (var consumer = transport.CreateGroupConsumer("g", [topic.Topic], new EmbeddedRecordingListener("c", events)))
        {
            consumer.Fetch(new RecordBatch(), 1, TimeSpan.FromMilliseconds(50), CancellationToken.None); // joins; nothing to read yet
            consumer.Commit([new TopicPartitionOffset(topic.Topic, 0, 0)]);
        }

        using var producer = transport.CreateProducer();
        for (var i = 0; i < 5000; i++)
        {
            producer.Produce(topic, Long(i), false, Long(i), false, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        }

        producer.Flush(CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(2));
        producer.Produce(topic, Long(-1), false, Long(-1), false, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        producer.Flush(CancellationToken.None);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (transport.GetWatermarks(topic).Low == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the background cleaner did not delete the expired segments within 10 s");
            Thread.Sleep(10);
        }

        // The group committed offset 0, now deleted: it restarts at the log start, saying so, and reads every kept record.
        var low = transport.GetWatermarks(topic).Low;
        using var again = transport.CreateGroupConsumer("g", [topic.Topic], new EmbeddedRecordingListener("d", events));
        var batch = new RecordBatch();
        Assert.True(again.Fetch(batch, 10, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(low, batch[0].Offset);
        Assert.Contains(_logger.Warnings, w => w.Contains("deleted by its retention", StringComparison.Ordinal) && w.Contains("background[0]", StringComparison.Ordinal));
    }

    [Fact]
    public void Retention_is_declared_on_the_topic_and_configuration_overrides_it_and_a_bad_one_says_what_to_change()
    {
        var declared = new TopicDefinition<long, long>("clicks", 2, PrimitiveCodecs.Int64BigEndian, PrimitiveCodecs.Int64BigEndian)
        {
            Retention = "1h",
            RetentionBytes = 1 << 20,
        };
        var spec = new TopicSpec(declared.Name, declared.Partitions, RetentionMs: declared.RetentionMs, RetentionBytes: declared.RetentionBytes);
        Assert.Equal(3_600_000, spec.RetentionMs);
        Assert.Equal(1 << 20, spec.RetentionBytes);

        var configured = new Dictionary<string, TopicRetention> { ["clicks"] = new() { Retention = "2d", RetentionBytes = 0 } };
        var applied = TopicRetention.Apply(spec, configured);
        Assert.Equal(2 * 86_400_000L, applied.RetentionMs);
        Assert.Null(applied.RetentionBytes); // 0 removes the limit
        Assert.Same(spec, TopicRetention.Apply(spec, new Dictionary<string, TopicRetention> { ["other"] = new() { Retention = "1m" } }));

        var bad = Assert.Throws<ArgumentException>(() => new TopicDefinition<long, long>("clicks", 2, PrimitiveCodecs.Int64BigEndian, PrimitiveCodecs.Int64BigEndian) { Retention = "an hour" });
        Assert.Contains("[Topic(\"clicks\")] Retention is 'an hour'", bad.Message, StringComparison.Ordinal);
        Assert.Contains("e.g. 500ms", bad.Message, StringComparison.Ordinal);
        var badConfig = Assert.Throws<ArgumentException>(() => TopicRetention.Apply(spec, new Dictionary<string, TopicRetention> { ["clicks"] = new() { Retention = "0s" } }));
        Assert.Contains("Faustish:Topics:clicks:Retention", badConfig.Message, StringComparison.Ordinal);
    }

    private const int SegmentSizeBits = 16;

    private async Task<EmbeddedTransport> Open(TopicSpec spec)
    {
        var transport = EmbeddedTransport.Open(_directory.Path, Options(), _logger);
        await transport.EnsureTopicsAsync([spec], CancellationToken.None);
        return transport;
    }

    private EmbeddedTransportOptions Options() => new()
    {
        PageSizeBits = 14,
        MemorySizeBits = 20,
        SegmentSizeBits = SegmentSizeBits,
        CleanupInterval = Timeout.InfiniteTimeSpan, // the test runs each pass
        Clock = _clock,
    };

    private static byte[] Long(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static List<(long Key, long Value, long Offset, bool Tombstone)> ReadRecords(IPartitionReader reader)
    {
        using (reader)
        {
            var batch = new RecordBatch();
            var records = new List<(long, long, long, bool)>();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && reader.Fetch(batch, 4096, TimeSpan.Zero, CancellationToken.None))
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    ref readonly var record = ref batch[i];
                    var value = record.ValueIsNull ? -1 : BinaryPrimitives.ReadInt64BigEndian(batch.ValueOf(record));
                    records.Add((BinaryPrimitives.ReadInt64BigEndian(batch.KeyOf(record)), value, record.Offset, record.ValueIsNull));
                }
            }

            return records;
        }
    }

    private static void Collect(RecordBatch batch, Dictionary<long, long> table)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var record = ref batch[i];
            table[BinaryPrimitives.ReadInt64BigEndian(batch.KeyOf(record))] = BinaryPrimitives.ReadInt64BigEndian(batch.ValueOf(record));
        }
    }

    /// <summary>A table restored by the runtime's own restore from the changelog, as a worker does at start.</summary>
    private Dictionary<long, long> Restore(EmbeddedTransport transport, TopicPartition changelog, long end)
    {
        var definition = new TableDefinition<long, long>("counts", 1, PrimitiveCodecs.Int64BigEndian, PrimitiveCodecs.Int64BigEndian,
            static _ => new InMemoryStore<long, long>(), static shard => new Counts(shard));
        using var shard = (TableShard<long, long>)definition.OpenShard(0, StoreKind.Memory, new StoreOptions(Path.Combine(_directory.Path, "state"), 1 << 16));
        using var restore = new ChangelogRestore(shard, transport.OpenReader(changelog, Offsets.Beginning), end);
        restore.RunToEnd(CancellationToken.None, TimeSpan.FromSeconds(60));
        Assert.True(restore.IsComplete);
        var table = new Dictionary<long, long>();
        for (long key = 0; key < 1000; key++)
        {
            if (shard.TryGet(key, out var value))
            {
                table[key] = value;
            }
        }

        return table;
    }

    private static unsafe List<(long Segment, long Newest)> SegmentsNewestTimestamps(PartitionLog log)
    {
        var newest = new SortedDictionary<long, long>();
        using var iterator = log.Log.Scan(log.Log.BeginAddress, log.CommittedUntil);
        while (iterator.UnsafeGetNext(out var entry, out var length, out var address, out _))
        {
            try
            {
                var timestamp = BinaryPrimitives.ReadInt64BigEndian(new ReadOnlySpan<byte>(entry, length)[8..]);
                var segment = address >> SegmentSizeBits;
                newest[segment] = Math.Max(newest.GetValueOrDefault(segment, long.MinValue), timestamp);
            }
            finally
            {
                iterator.UnsafeRelease();
            }
        }

        return [.. newest.Select(e => (e.Key, e.Value))];
    }

    private static int SegmentFilesOnDisk(EmbeddedTransport transport, TopicPartition partition) =>
        Directory.EnumerateFiles(transport.GetLog(partition).Directory, "log.*").Count();

    /// <summary>The bytes of the files in a directory (a file deleted while it is counted counts 0).</summary>
    private static long DirectorySize(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(f =>
        {
            var file = new FileInfo(f);
            return file.Exists ? file.Length : 0;
        });

    /// <summary>
    /// Waits (bounded) until FasterLog has deleted the segment files below the log's beginning: it deletes them in the
    /// background once the truncation is committed.
    /// </summary>
    private static void WaitForSegmentDeletion(PartitionLog log)
    {
        var first = log.Log.BeginAddress >> SegmentSizeBits;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.EnumerateFiles(log.Directory, "log.*")
            .Any(f => long.TryParse(Path.GetExtension(f).AsSpan(1), out var segment) && segment < first))
        {
            Assert.True(DateTime.UtcNow < deadline, "FasterLog did not delete the truncated segment files within 10 s");
            Thread.Sleep(5);
        }
    }

    private sealed class Counts(TableShard<long, long> shard) : Table<long, long>(shard);

    /// <summary>Writes log lines to the test's output and keeps the warnings.</summary>
    private sealed class OutputLogger(ITestOutputHelper output) : ILogger
    {
        private readonly List<string> _warnings = [];

        public IReadOnlyList<string> Warnings
        {
            get
            {
                lock (_warnings)
                {
                    return [.. _warnings];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}";
            if (logLevel >= LogLevel.Warning)
            {
                lock (_warnings)
                {
                    _warnings.Add(line);
                }
            }

            try
            {
                output.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // The test has finished (a background pass logging late).
            }
        }
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
