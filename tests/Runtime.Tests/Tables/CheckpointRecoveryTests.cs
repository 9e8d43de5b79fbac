using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Faustish.Serialization;
using Faustish.Tables;
using Faustish.Tables.Faster;
using Faustish.Transport;
using Faustish.Transport.Embedded;
using Microsoft.Extensions.Logging;

namespace Faustish.Tests.Tables;

/// <summary>
/// Local checkpoints of FASTER table stores on the real embedded log: a restore loads the newest valid checkpoint and
/// replays only the changelog after it; damaged checkpoints fall back to the previous one, then to a full replay.
/// Every test compares every key with what the changelog says.
/// </summary>
public sealed class CheckpointRecoveryTests : IDisposable
{
    private const string App = "app";
    private const string OtherApp = "other-app";
    private static readonly TableDefinition<long, long> Counts = new("counts", 1, PrimitiveCodecs.Int64BigEndian, PrimitiveCodecs.Int64BigEndian,
        static options => new FasterBlittableStore<long, long>(options), static shard => new CountsTable(shard));

    private static readonly TopicPartition Changelog = new(Counts.ChangelogTopic(App), 0);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-recovery-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<long, long> _expected = [];
    private readonly CapturingLogger _log = new();

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_restart_after_a_clean_stop_replays_less_than_1_percent_of_the_changelog()
    {
        await using var transport = await OpenTransport();
        long changelogRecords;
        using (var node = Open(transport))
        {
            Assert.Equal(RestoreSource.Changelog, node.Restore.Source);
            // 4 commits of 30,000 keys: 120,000 changelog records.
            for (var round = 0; round < 4; round++)
            {
                node.Write(keys: 30_000, round, this);
            }

            changelogRecords = CountChangelogRecords(transport);
            node.Release(checkpoint: true);
        }

        Assert.True(changelogRecords >= 100_000, $"only {changelogRecords} changelog records");
        using (var node = Open(transport))
        {
            Assert.Equal(RestoreSource.Checkpoint, node.Restore.Source);
            Assert.True(node.Restore.RecordsReplayed < changelogRecords / 100, $"replayed {node.Restore.RecordsReplayed} of {changelogRecords}");
            Assert.Equal(0, node.Restore.RecordsReplayed);
            AssertContents(node);

            // A tail after the checkpoint, then a crash (no checkpoint): the next restore replays exactly that tail.
            node.Write(keys: 700, round: 9, this);
        }

        using var last = Open(transport);
        Assert.Equal(RestoreSource.Checkpoint, last.Restore.Source);
        Assert.Equal(700, last.Restore.RecordsReplayed);
        AssertContents(last);
        Assert.Equal(0, last.Metrics.RestoreRemaining);
    }

    [Fact]
    public async Task Another_app_with_a_table_of_the_same_name_on_the_same_data_directory_leaves_this_apps_checkpoints_alone()
    {
        // Apps that share the embedded log share its data directory; each app's table has its own changelog. Another
        // app's checkpoint read as this one's would restore its contents under this changelog's offsets.
        await using var transport = await OpenTransport();
        await transport.EnsureTopicsAsync([new TopicSpec(Counts.ChangelogTopic(OtherApp), 1, Compacted: true)], CancellationToken.None);
        using (var node = Open(transport))
        {
            node.Write(keys: 5_000, round: 0, this);
            node.Release(checkpoint: true);
        }

        using (var other = Open(transport, app: OtherApp))
        {
            Assert.Equal(RestoreSource.Changelog, other.Restore.Source);
            Assert.Empty(other.Shard.Scan());
            other.Put(key: 1, value: -1);
            other.Release(checkpoint: true);
        }

        Assert.DoesNotContain(_log.Lines, line => line.Contains("unusable", StringComparison.Ordinal));
        using var again = Open(transport);
        Assert.Equal(RestoreSource.Checkpoint, again.Restore.Source);
        Assert.Equal(0, again.Restore.RecordsReplayed);
        AssertContents(again);
        Assert.True(Directory.Exists(Path.Combine(_directory, "state", OtherApp, "counts", "0")));
    }

    [Fact]
    public async Task A_truncated_file_in_the_newest_checkpoint_falls_back_to_the_older_checkpoint()
    {
        await using var transport = await OpenTransport();
        var (older, newer) = TwoCheckpointsAndATail(transport);
        var file = Directory.EnumerateFiles(Path.Combine(StoreDirectory, "checkpoints"), "ht.dat*", SearchOption.AllDirectories)
            .Single(f => f.Contains(newer.Token.ToString(), StringComparison.Ordinal));
        using (var stream = new FileStream(file, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }

        using var node = Open(transport);
        Assert.Equal(RestoreSource.Checkpoint, node.Restore.Source);
        Assert.Equal(older.Sequence, node.Restore.CheckpointSequence);
        Assert.Equal(older.ChangelogOffset, node.Restore.FromOffset);
        Assert.Contains(_log.Lines, l => l.Contains($"Checkpoint {newer.Sequence} of counts[0] is unusable", StringComparison.Ordinal) && l.Contains("truncated", StringComparison.Ordinal));
        AssertContents(node);
    }

    [Fact]
    public async Task Flipped_bytes_in_the_FASTER_checkpoint_data_fall_back_to_the_older_checkpoint()
    {
        await using var transport = await OpenTransport();
        var (older, newer) = TwoCheckpointsAndATail(transport);
        var snapshot = Directory.EnumerateFiles(Path.Combine(StoreDirectory, "checkpoints"), "snapshot.dat*", SearchOption.AllDirectories)
            .Single(f => f.Contains(newer.Token.ToString(), StringComparison.Ordinal));
        FlipBytes(snapshot);

        using var node = Open(transport);
        Assert.Equal(RestoreSource.Checkpoint, node.Restore.Source);
        Assert.Equal(older.Sequence, node.Restore.CheckpointSequence);
        Assert.Contains(_log.Lines, l => l.Contains("fails its checksum", StringComparison.Ordinal));
        AssertContents(node);
        // The unusable newer checkpoint is gone; the next one continues the sequence.
        Assert.DoesNotContain(node.Store.ListCheckpoints(), c => c.Sequence == newer.Sequence);
    }

    [Fact]
    public async Task A_flipped_byte_in_the_newest_manifest_falls_back_to_the_older_checkpoint()
    {
        await using var transport = await OpenTransport();
        var (older, newer) = TwoCheckpointsAndATail(transport);
        FlipBytes(Path.Combine(StoreDirectory, "checkpoints", CheckpointManifest.FileName(newer.Sequence)), offset: 20);

        using var node = Open(transport);
        Assert.Equal(RestoreSource.Checkpoint, node.Restore.Source);
        Assert.Equal(older.Sequence, node.Restore.CheckpointSequence);
        Assert.Contains(_log.Lines, l => l.Contains("manifest", StringComparison.Ordinal) && l.Contains("checksum", StringComparison.Ordinal));
        AssertContents(node);
    }

    [Fact]
    public async Task A_checkpoint_FASTER_cannot_recover_falls_back_to_the_older_one()
    {
        await using var transport = await OpenTransport();
        var (older, newer) = TwoCheckpointsAndATail(transport);
        // A manifest that reads back whole but names a checkpoint FASTER does not have.
        (newer with { Token = Guid.NewGuid(), Files = [] }).Write(Path.Combine(StoreDirectory, "checkpoints", CheckpointManifest.FileName(newer.Sequence)));

        using var node = Open(transport);
        Assert.Equal(older.Sequence, node.Restore.CheckpointSequence);
        Assert.Contains(_log.Lines, l => l.Contains("FASTER could not recover it", StringComparison.Ordinal));
        AssertContents(node);
    }

    [Fact]
    public async Task When_every_checkpoint_is_damaged_the_store_is_rebuilt_from_the_whole_changelog()
    {
        await using var transport = await OpenTransport();
        var (older, newer) = TwoCheckpointsAndATail(transport);
        FlipBytes(Path.Combine(StoreDirectory, "checkpoints", CheckpointManifest.FileName(newer.Sequence)), offset: 30);
        var olderIndex = Directory.EnumerateFiles(Path.Combine(StoreDirectory, "checkpoints"), "ht.dat*", SearchOption.AllDirectories)
            .Single(f => f.Contains(older.Token.ToString(), StringComparison.Ordinal));
        FlipBytes(olderIndex);

        using var node = Open(transport);
        Assert.Equal(RestoreSource.Changelog, node.Restore.Source);
        Assert.Equal(CountChangelogRecords(transport), node.Restore.RecordsReplayed);
        Assert.Contains(_log.Lines, l => l.Contains("falling back to a full replay", StringComparison.Ordinal));
        AssertContents(node);
    }

    [Fact]
    public async Task Deleting_every_checkpoint_means_a_full_replay_with_the_right_contents()
    {
        await using var transport = await OpenTransport();
        TwoCheckpointsAndATail(transport);
        Directory.Delete(Path.Combine(StoreDirectory, "checkpoints"), recursive: true);

        using var node = Open(transport);
        Assert.Equal(RestoreSource.Changelog, node.Restore.Source);
        Assert.Equal("no local checkpoint", node.Restore.Reason);
        AssertContents(node);
    }

    [Fact]
    public async Task A_checkpoint_beyond_the_end_of_a_recreated_changelog_is_not_used()
    {
        var logDirectory = Path.Combine(_directory, "log");
        await using (var transport = await OpenTransport())
        {
            TwoCheckpointsAndATail(transport);
        }

        // The changelog is lost and recreated with less in it than the checkpoints cover.
        Directory.Delete(logDirectory, recursive: true);
        _expected.Clear();
        await using var recreated = await OpenTransport();
        using (var producer = recreated.CreateProducer())
        {
            for (long key = 0; key < 50; key++)
            {
                Produce(producer, key, key + 1_000);
            }

            producer.Flush(CancellationToken.None);
        }

        using var node = Open(recreated);
        Assert.Equal(RestoreSource.Changelog, node.Restore.Source);
        Assert.Contains(_log.Lines, l => l.Contains("beyond the changelog's end", StringComparison.Ordinal));
        AssertContents(node);
        Assert.False(node.Shard.TryGet(10_000, out _));
    }

    [Fact]
    public async Task Only_the_newest_checkpoints_are_kept()
    {
        await using var transport = await OpenTransport();
        using var node = Open(transport, keep: 2);
        for (var round = 0; round < 5; round++)
        {
            node.Write(keys: 100, round, this);
            node.Checkpoint();
        }

        var checkpoints = node.Store.ListCheckpoints();
        Assert.Equal([5L, 4L], checkpoints.Select(c => c.Sequence));
        var tokens = checkpoints.Select(c => c.Manifest!.Token.ToString()).ToHashSet();
        var folders = Directory.EnumerateDirectories(Path.Combine(StoreDirectory, "checkpoints"), "*", SearchOption.AllDirectories)
            .Select(Path.GetFileName).Where(name => Guid.TryParse(name, out _)).ToList();
        Assert.All(folders, name => Assert.Contains(name!, tokens));
        Assert.Equal(4, folders.Count); // index and log folders of two checkpoints
    }

    [Fact]
    public async Task A_long_restore_logs_its_progress_and_the_remaining_gauge_returns_to_zero()
    {
        await using var transport = await OpenTransport();
        using (var producer = transport.CreateProducer())
        {
            for (long key = 0; key < 50_000; key++)
            {
                Produce(producer, key, key);
            }

            producer.Flush(CancellationToken.None);
        }

        using var node = Open(transport, progressInterval: TimeSpan.FromTicks(1));
        Assert.Equal(50_000, node.Restore.RecordsReplayed);
        var progress = _log.Lines.Where(l => l.StartsWith("Restoring counts[0]: ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(progress);
        Assert.Contains(progress, l => l.Contains("records replayed at", StringComparison.Ordinal) && l.Contains("offsets", StringComparison.Ordinal) && l.Contains("left", StringComparison.Ordinal));
        Assert.Equal(0, node.Metrics.RestoreRemaining);
        AssertContents(node);
    }

    [Fact]
    public async Task A_table_that_restored_nothing_and_wrote_nothing_takes_no_checkpoint_until_its_changelog_moves()
    {
        await using var transport = await OpenTransport();
        using (var node = Open(transport))
        {
            node.Release(checkpoint: true);
            Assert.Empty(node.Store.ListCheckpoints());
        }

        using (var node = Open(transport))
        {
            // The restart replays the same empty changelog; then writes make the next release checkpoint them.
            Assert.Equal(RestoreSource.Changelog, node.Restore.Source);
            Assert.Equal(0, node.Restore.RecordsReplayed);
            node.Write(keys: 500, round: 0, this);
            node.Release(checkpoint: true);
            Assert.Single(node.Store.ListCheckpoints());
        }

        using var last = Open(transport);
        Assert.Equal(RestoreSource.Checkpoint, last.Restore.Source);
        Assert.Equal(0, last.Restore.RecordsReplayed);
        AssertContents(last);
    }

    [Fact]
    public async Task An_in_memory_store_is_always_restored_by_a_full_replay()
    {
        await using var transport = await OpenTransport();
        using (var producer = transport.CreateProducer())
        {
            for (long key = 0; key < 1_000; key++)
            {
                Produce(producer, key, key * 3);
            }

            producer.Flush(CancellationToken.None);
        }

        var manager = new TableStateManager(transport, Options(2, TimeSpan.FromSeconds(5), App), new FaustishMetrics(), _log);
        using var shard = (TableShard<long, long>)Counts.OpenShard(0, StoreKind.Memory, manager.StoreOptionsFor(Counts, 0));
        Assert.Null(shard.LocalCheckpoints);
        Assert.Equal(1_000, manager.Restore(shard, Changelog, CancellationToken.None));
        Assert.Equal(RestoreSource.Changelog, manager.Restores.Single().Source);
        manager.Release(0, checkpoint: true);
        Assert.Equal(0, manager.CheckpointsTaken);
        Assert.False(Directory.Exists(Path.Combine(_directory, "state")));
    }

    private string StoreDirectory => Path.Combine(_directory, "state", App, "counts", "0");

    /// <summary>Checkpoint A, more writes, checkpoint B, then a tail that no checkpoint covers (a crash).</summary>
    private (CheckpointManifest Older, CheckpointManifest Newer) TwoCheckpointsAndATail(EmbeddedTransport transport)
    {
        using var node = Open(transport);
        node.Write(keys: 20_000, round: 0, this);
        node.Checkpoint();
        node.Write(keys: 5_000, round: 1, this);
        node.Write(keys: 30_000, round: 2, this); // new keys beyond the first checkpoint too
        node.Release(checkpoint: true);
        node.Write(keys: 1_000, round: 3, this);
        var checkpoints = node.Store.ListCheckpoints();
        Assert.Equal(2, checkpoints.Count);
        return (checkpoints[1].Manifest!, checkpoints[0].Manifest!);
    }

    private void AssertContents(Node node)
    {
        foreach (var (key, value) in _expected)
        {
            Assert.True(node.Shard.TryGet(key, out var actual), $"key {key} is missing");
            Assert.Equal(value, actual);
        }

        // Nothing more than expected: the whole changelog, replayed into a dictionary, agrees.
        Assert.Equal(_expected.Count, node.Shard.Scan().Count());
    }

    private static long CountChangelogRecords(EmbeddedTransport transport)
    {
        using var reader = transport.OpenReader(Changelog, Offsets.Beginning);
        var batch = new RecordBatch();
        long count = 0;
        for (var i = 0; i < 10_000 && reader.Fetch(batch, 4096, TimeSpan.Zero, CancellationToken.None); i++)
        {
            count += batch.Count;
        }

        return count;
    }

    private static void FlipBytes(string path, int offset = -1)
    {
        var bytes = File.ReadAllBytes(path);
        var at = offset >= 0 ? offset : bytes.Length / 3;
        for (var i = at; i < Math.Min(bytes.Length, at + 8); i++)
        {
            bytes[i] ^= 0x5A;
        }

        File.WriteAllBytes(path, bytes);
    }

    private void Produce(IRecordProducer producer, long key, long value)
    {
        Span<byte> k = stackalloc byte[8];
        Span<byte> v = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(k, key);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(v, value);
        producer.Produce(Changelog, k, false, v, false, 0);
        _expected[key] = value;
    }

    private async Task<EmbeddedTransport> OpenTransport()
    {
        var transport = EmbeddedTransport.Open(Path.Combine(_directory, "log"));
        await transport.EnsureTopicsAsync([new TopicSpec(Changelog.Topic, 1, Compacted: true)], CancellationToken.None);
        return transport;
    }

    private FaustishOptions Options(int keep, TimeSpan progressInterval, string app) => new FaustishOptions
    {
        AppId = app,
        DataDirectory = _directory,
        StoreMemoryBytes = 4L << 20,
        CheckpointsKept = keep,
        RestoreProgressInterval = progressInterval,
    }.Validate(app);

    private Node Open(EmbeddedTransport transport, int keep = 2, TimeSpan? progressInterval = null, string app = App)
    {
        var metrics = new FaustishMetrics();
        var manager = new TableStateManager(transport, Options(keep, progressInterval ?? TimeSpan.FromMinutes(1), app), metrics, _log);
        var shard = (TableShard<long, long>)Counts.OpenShard(0, StoreKind.Faster, manager.StoreOptionsFor(Counts, 0));
        var changelog = new TopicPartition(Counts.ChangelogTopic(app), 0);
        try
        {
            manager.Restore(shard, changelog, CancellationToken.None);
        }
        catch
        {
            shard.Dispose();
            metrics.Dispose();
            throw;
        }

        return new Node(transport, manager, shard, metrics, changelog);
    }

    private sealed class CountsTable(TableShard<long, long> shard) : Table<long, long>(shard);

    /// <summary>One "process": a manager and the restored shard of partition 0.</summary>
    private sealed class Node(EmbeddedTransport transport, TableStateManager manager, TableShard<long, long> shard, FaustishMetrics metrics, TopicPartition changelog) : IDisposable
    {
        private readonly IRecordProducer _producer = transport.CreateProducer();

        public TableShard<long, long> Shard { get; } = shard;

        public FaustishMetrics Metrics { get; } = metrics;

        public ShardRestore Restore => manager.Restores.Single();

        public ICheckpointableStore Store => Shard.LocalCheckpoints!;

        /// <summary>Sets keys 0..keys-1 to values of this round, then commits them to the changelog.</summary>
        public void Write(int keys, int round, CheckpointRecoveryTests test)
        {
            var offset = round * 1_000_000L;
            for (long key = 0; key < keys; key++)
            {
                var id = key + (round == 2 ? 100_000 : 0);
                Shard.Put(id, offset + key);
                test._expected[id] = offset + key;
            }

            Shard.FlushChangelog(_producer, changelog);
            _producer.Flush(CancellationToken.None);
        }

        /// <summary>Sets one key outside the test's expectations (another app's table), then commits it.</summary>
        public void Put(long key, long value)
        {
            Shard.Put(key, value);
            Shard.FlushChangelog(_producer, changelog);
            _producer.Flush(CancellationToken.None);
        }

        /// <summary>An orderly release (checkpoint) or a lost partition (none).</summary>
        public void Release(bool checkpoint) => manager.Release(0, checkpoint);

        /// <summary>A checkpoint now, as at a commit once the interval has passed.</summary>
        public void Checkpoint() => manager.CheckpointNow();

        public void Dispose()
        {
            _producer.Dispose();
            Shard.Dispose();
            Metrics.Dispose();
        }
    }

    private sealed class CapturingLogger : ILogger
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            lock (_lines)
            {
                _lines.Add(formatter(state, exception));
            }
        }
    }
}
