using System;
using System.Collections;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Faustish.Serialization;
using Faustish.Tables;
using Faustish.Tables.Faster;
using Faustish.Tables.Windows;
using Faustish.Transport;
using Faustish.Transport.Embedded;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Faustish.Tests.Windows;

/// <summary>Runs the memory test alone: the live managed heap it samples is the whole process's.</summary>
[CollectionDefinition(nameof(WindowMemoryTests), DisableParallelization = true)]
public sealed class WindowMemoryAlone;

/// <summary>
/// A windowed table far larger than its store budget: 2,000,000 tumbling windows over 200,000 keys with a 32 MiB budget.
/// The live managed heap (which holds FASTER's pages and hash index: they are pinned managed arrays) is sampled after
/// full collections all along and must stay within the budget plus the stated margin; every window's value is checked
/// (by its close callback, once, and for a sample of keys by reading the restored table); and a restart restores the
/// table from its checkpoint plus exactly the changelog tail written after it.
/// </summary>
[Collection(nameof(WindowMemoryTests))]
public sealed class WindowMemoryTests(ITestOutputHelper output) : IDisposable
{
    private const string App = "app";
    private const int Keys = 200_000;
    private const int WindowsPerKey = 10;
    private const long Size = 10_000;
    private const int EventsPerCommit = 20_000;
    private const long Budget = 32L << 20;

    // Beyond the budget (which caps the store's log pages and its hash index as FASTER allocates it): the changelog's in-memory log pages (2 MiB),
    // the write cache of one commit interval (20,000 windows), the queues' directories and chunk tails, FASTER's I/O
    // buffers and epoch tables. Stated, not fitted: 8 MiB (a quarter of the budget).
    private const long Margin = 8L << 20;

    private static readonly WindowedTableDefinition<string, long> Definition = new("window-memory", 1,
        new WindowOptions("tumbling 10s", "2m"), PrimitiveCodecs.Utf8String, PrimitiveCodecs.Int64BigEndian, static shard => new CheckedCounts(shard));

    private static readonly TopicPartition Changelog = new(Definition.ChangelogTopic(App), 0);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-window-memory-" + Guid.NewGuid().ToString("N"));
    private readonly BitArray _closed = new(Keys * WindowsPerKey);
    private long _peakManaged;
    private long _peakStore;

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Two_million_windows_stay_within_a_32_MiB_budget_and_restore_from_a_checkpoint_plus_tail()
    {
        // The changelog's log keeps 2 MiB of pages in memory (its default is 8 MiB): counted in the margin.
        var transport = EmbeddedTransport.Open(Path.Combine(_directory, "log"), new EmbeddedTransportOptions { PageSizeBits = 20, MemorySizeBits = 21 });
        await using (transport.ConfigureAwait(true))
        {
            await transport.EnsureTopicsAsync([new TopicSpec(Changelog.Topic, 1, Compacted: true)], CancellationToken.None);
            var baseline = GC.GetTotalMemory(forceFullCollection: true);
            output.WriteLine($"before: live managed heap {baseline / 1048576.0:F1} MiB (test host, xunit, the transport)");
            var (checkpointOffset, tail) = WriteThenCrash(transport);
            output.WriteLine($"after the crash: live managed heap {GC.GetTotalMemory(forceFullCollection: true) / 1048576.0:F1} MiB");
            RestoreAndClose(transport, checkpointOffset, tail);

            for (var i = 0; i < _closed.Length; i++)
            {
                Assert.True(_closed[i], $"window {i % WindowsPerKey} of key {i / WindowsPerKey} never closed");
            }

            output.WriteLine($"peak live managed heap {_peakManaged / 1048576.0:F1} MiB over the {baseline / 1048576.0:F1} MiB before (store pages, hash index included); " +
                $"peak store memory (log pages + hash index) {_peakStore / 1048576.0:F1} MiB; budget {Budget >> 20} MiB, margin {Margin >> 20} MiB");
            Assert.True(_peakStore <= Budget, $"the store's memory peaked at {_peakStore:N0} bytes, over the {Budget:N0}-byte budget");
            Assert.True(_peakManaged - baseline <= Budget + Margin,
                $"the live managed heap grew by {_peakManaged - baseline:N0} bytes at its peak, over the budget ({Budget:N0}) plus margin ({Margin:N0})");
        }
    }

    /// <summary>Writes every window; checkpoints after windows 0-7; a crash after windows 8 and 9 (the tail).</summary>
    private (long CheckpointOffset, long Tail) WriteThenCrash(EmbeddedTransport transport)
    {
        using var node = Node.Open(transport, Options(), this);
        Assert.Equal(RestoreSource.Changelog, node.Restore.Source);
        long events = 0;
        long checkpointOffset = -1;
        for (var w = 0; w < WindowsPerKey; w++)
        {
            if (w == 8)
            {
                // Windows 0-7 written (1,600,000), 0-6 closed: a checkpoint; windows 8 and 9 become the tail.
                node.Commit();
                node.Manager.CheckpointNow();
                checkpointOffset = transport.GetWatermarks(Changelog).High;
                Assert.Equal(1, node.Manager.CheckpointsTaken);
            }

            for (var k = 0; k < Keys; k++)
            {
                node.Write(k, w);
                if (++events % EventsPerCommit == 0)
                {
                    node.Commit();
                }

                if (events % 100_000 == 0)
                {
                    Sample(node, events % 400_000 == 0 ? $"after {events:N0} events" : null);
                }
            }
        }

        node.Commit();
        Sample(node);

        // Windows 0-8 closed as stream time passed their ends (grace 0): 1,800,000 callbacks, each checked.
        Assert.Equal(9L * Keys, node.Shard.ClosedWindows);
        Assert.Equal(Keys * WindowsPerKey, node.Shard.WindowCount);
        output.WriteLine($"written: {events:N0} events, {node.Shard.WindowCount:N0} windows; index entries in memory: {node.Shard.IndexEntriesInMemory}");

        // A crash: no checkpoint at the end, so the restart restores the checkpoint plus the tail.
        var tail = transport.GetWatermarks(Changelog).High - checkpointOffset;
        Assert.True(tail > 2 * Keys, $"a tail of {tail} changelog records");
        return (checkpointOffset, tail);
    }

    /// <summary>Restores from the checkpoint plus the tail, reads a sample, and closes window 9 from the restored state.</summary>
    private void RestoreAndClose(EmbeddedTransport transport, long checkpointOffset, long tail)
    {
        using var node = Node.Open(transport, Options(), this);
        Assert.Equal(RestoreSource.Checkpoint, node.Restore.Source);
        Assert.Equal(checkpointOffset, node.Restore.FromOffset);
        Assert.Equal(tail, node.Restore.RecordsReplayed);
        Assert.Equal(Keys * WindowsPerKey, node.Shard.WindowCount);
        output.WriteLine($"restore: checkpoint {node.Restore.CheckpointSequence} at offset {checkpointOffset:N0}, replayed {node.Restore.RecordsReplayed:N0} records in {node.Restore.Elapsed.TotalMilliseconds:N0} ms");
        Sample(node, "restored");

        // Reads of the restored table: every window of every 50th key.
        for (var k = 0; k < Keys; k += 50)
        {
            var windows = node.Table.Windows(Key(k));
            Assert.Equal(WindowsPerKey, windows.Count);
            for (var w = 0; w < WindowsPerKey; w++)
            {
                Assert.Equal(new Window(w * Size, (w + 1) * Size), windows[w].Window);
                Assert.Equal(Expected(k, w), windows[w].Value);
            }
        }

        // Stream time reaches the end of window 9: its 200,000 windows close from the restored state; windows closed
        // before the crash do not close again (the bit array fails a second close).
        node.Shard.Advance(WindowsPerKey * Size, 0);
        Sample(node, "window 9 closed");
        Assert.Equal(Keys, node.Shard.ClosedWindows);
    }

    private static string Key(int k) => "key-" + k.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>What window <paramref name="w"/> of key <paramref name="k"/> sums to: one write, and a second for every 10th key.</summary>
    private static long Expected(int k, int w) => 1 + (((k * 7L) + (w * 13L)) % 1000) + (k % 10 == 0 ? 5 : 0);

    private FaustishOptions Options() => new FaustishOptions
    {
        AppId = App,
        DataDirectory = _directory,
        StoreMemoryBytes = Budget,
        CheckpointsKept = 1,
    }.Validate(App);

    /// <summary>The live managed heap after a full collection, and the store's log memory, as peaks.</summary>
    private void Sample(Node node, string? label = null)
    {
        var managed = GC.GetTotalMemory(forceFullCollection: true);
        var store = node.Manager.Budget.InMemoryBytes + node.Manager.Budget.IndexBytes;
        _peakManaged = Math.Max(_peakManaged, managed);
        _peakStore = Math.Max(_peakStore, store);
        if (label is not null)
        {
            var info = GC.GetGCMemoryInfo();
            output.WriteLine($"{label}: live managed heap {managed / 1048576.0:F1} MiB, store memory {store / 1048576.0:F1} MiB, of which hash index {node.Manager.Budget.IndexBytes / 1048576.0:F1} MiB" +
                $" [gen0 {info.GenerationInfo[0].SizeAfterBytes >> 20}, gen1 {info.GenerationInfo[1].SizeAfterBytes >> 20}, gen2 {info.GenerationInfo[2].SizeAfterBytes >> 20}, loh {info.GenerationInfo[3].SizeAfterBytes >> 20}, poh {info.GenerationInfo[4].SizeAfterBytes >> 20} MiB]");
        }
    }

    private void Closed(string key, Window window, long value)
    {
        var k = int.Parse(key.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture);
        var w = (int)(window.StartMs / Size);
        Assert.Equal(w * Size, window.StartMs);
        Assert.Equal(Expected(k, w), value);
        var bit = (k * WindowsPerKey) + w;
        Assert.False(_closed[bit], $"window {w} of {key} closed twice");
        _closed[bit] = true;
    }

    private sealed class CheckedCounts(WindowedTableShard<string, long> shard) : WindowedTable<string, long>(shard)
    {
        public Action<string, Window, long>? OnClosed { get; set; }

        protected override void OnWindowClosed(string key, Window window, long value) => OnClosed?.Invoke(key, window, value);
    }

    private sealed class Node : IDisposable
    {
        private readonly IRecordProducer _producer;
        private readonly FaustishMetrics _metrics;
        private readonly FakeWindowContext _context = new();

        private Node(EmbeddedTransport transport, TableStateManager manager, WindowedTableShard<string, long> shard, FaustishMetrics metrics)
        {
            Manager = manager;
            Shard = shard;
            _metrics = metrics;
            _producer = transport.CreateProducer();
            shard.Bind(_context);
        }

        public TableStateManager Manager { get; }

        public WindowedTableShard<string, long> Shard { get; }

        public CheckedCounts Table => (CheckedCounts)Shard.Table;

        public ShardRestore Restore => Manager.Restores[0];

        public static Node Open(EmbeddedTransport transport, FaustishOptions options, WindowMemoryTests test)
        {
            var metrics = new FaustishMetrics();
            var manager = new TableStateManager(transport, options, metrics, NullLogger.Instance);
            var shard = (WindowedTableShard<string, long>)Definition.OpenShard(0, StoreKind.Faster, manager.StoreOptionsFor(Definition, 0));
            ((CheckedCounts)shard.Table).OnClosed = test.Closed;
            try
            {
                manager.Restore(shard, Changelog, CancellationToken.None);
            }
            catch
            {
                shard.Dispose();
                metrics.Dispose();
                throw;
            }

            return new Node(transport, manager, shard, metrics);
        }

        /// <summary>Window <paramref name="w"/>'s event(s) of key <paramref name="k"/>, at a time spread over the window.</summary>
        public void Write(int k, int w)
        {
            _context.At((w * Size) + (k * 7919L % Size));
            var key = Key(k);
            Table.Increment(key, Expected(k, w) - (k % 10 == 0 ? 5 : 0));
            if (k % 10 == 0)
            {
                Table.Increment(key, 5);
            }
        }

        /// <summary>What a worker does at a commit: time moves on, then the changelog is flushed.</summary>
        public void Commit()
        {
            Shard.Advance(_context.StreamTimeMs, 0);
            Shard.FlushChangelog(_producer, Changelog);
            _producer.Flush(CancellationToken.None);
        }

        public void Dispose()
        {
            _producer.Dispose();
            Shard.Dispose();
            _metrics.Dispose();
        }
    }
}
