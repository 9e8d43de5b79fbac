using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Faustish;
using Faustish.Hosting;
using Faustish.Serialization;
using Faustish.Tables;
using Faustish.Tables.Faster;
using Faustish.Transport;
using Faustish.Transport.Embedded;
using Microsoft.Extensions.Logging.Abstractions;

// Restore time of one table partition holding N keys (long -> long, FASTER store, embedded log): loading the local
// checkpoint and replaying the (empty) changelog tail after it, against replaying the whole changelog into a fresh
// store. Both contenders run alternately, after one unmeasured round each; medians are reported with their ratio.
var keys = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
const string App = "bench";
var table = new TableDefinition<long, long>("counts", 1, PrimitiveCodecs.Int64BigEndian, PrimitiveCodecs.Int64BigEndian,
    static options => new FasterBlittableStore<long, long>(options), static shard => new Counts(shard));
var changelog = new TopicPartition(table.ChangelogTopic(App), 0);
var directory = Path.Combine(Path.GetTempPath(), "faustish-restore-bench-" + Guid.NewGuid().ToString("N"));
try
{
    var options = new FaustishOptions { AppId = App, DataDirectory = directory }.Validate(App);
    await using var transport = EmbeddedTransport.Open(Path.Combine(directory, "log"));
    await transport.EnsureTopicsAsync([new TopicSpec(changelog.Topic, 1, Compacted: true)], CancellationToken.None);
    Seed(transport, changelog, keys);
    var watermarks = transport.GetWatermarks(changelog);

    // The checkpoint: a first restore (a full replay, there is none yet), then an orderly release.
    using (var metrics = new FaustishMetrics())
    {
        var manager = new TableStateManager(transport, options, metrics, NullLogger.Instance);
        using var shard = table.OpenShard(0, StoreKind.Faster, manager.StoreOptionsFor(table, 0));
        manager.Restore(shard, changelog, CancellationToken.None);
        var checkpointTime = Stopwatch.StartNew();
        manager.Release(0, checkpoint: true);
        Console.WriteLine($"checkpoint of {keys:N0} keys taken in {checkpointTime.Elapsed.TotalMilliseconds:F0} ms");
    }

    var fromCheckpoint = new List<double>();
    var fullReplay = new List<double>();
    for (var round = -1; round < rounds; round++)
    {
        var a = RestoreFromCheckpoint(transport, options, table, changelog, keys);
        var b = FullReplay(transport, options, table, changelog, keys, directory);
        if (round >= 0)
        {
            fromCheckpoint.Add(a);
            fullReplay.Add(b);
        }
        else
        {
            Console.WriteLine("  (warm-up done)");
        }
    }

    Console.WriteLine();
    Console.WriteLine($"{keys:N0} keys, changelog of {keys:N0} records ({(watermarks.High - watermarks.Low) / (1 << 20):N0} MiB on the embedded log), {rounds} rounds, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
    Console.WriteLine($"{"contender",-52} {"median ms",10} {"min",8} {"max",8}");
    Console.WriteLine($"{"checkpoint + empty changelog tail",-52} {Median(fromCheckpoint),10:F0} {fromCheckpoint.Min(),8:F0} {fromCheckpoint.Max(),8:F0}");
    Console.WriteLine($"{"full changelog replay into a fresh store",-52} {Median(fullReplay),10:F0} {fullReplay.Min(),8:F0} {fullReplay.Max(),8:F0}");
    Console.WriteLine($"full replay / checkpoint: {Median(fullReplay) / Median(fromCheckpoint):F1}x");
}
finally
{
    Directory.Delete(directory, recursive: true);
}

static double RestoreFromCheckpoint(ITransport transport, FaustishOptions options, TableDefinition<long, long> table, TopicPartition changelog, int keys)
{
    using var metrics = new FaustishMetrics();
    var manager = new TableStateManager(transport, options, metrics, NullLogger.Instance);
    var started = Stopwatch.StartNew();
    using var shard = (TableShard<long, long>)table.OpenShard(0, StoreKind.Faster, manager.StoreOptionsFor(table, 0));
    manager.Restore(shard, changelog, CancellationToken.None);
    var elapsed = started.Elapsed.TotalMilliseconds;
    var restore = manager.Restores.Single();
    if (restore.Source != RestoreSource.Checkpoint || restore.RecordsReplayed != 0)
    {
        throw new InvalidOperationException($"Expected a checkpoint restore with an empty tail, got {restore}.");
    }

    Check(shard, keys);
    manager.Release(0, checkpoint: false);
    return elapsed;
}

static double FullReplay(ITransport transport, FaustishOptions options, TableDefinition<long, long> table, TopicPartition changelog, int keys, string directory)
{
    var started = Stopwatch.StartNew();
    var storeOptions = new StoreOptions(Path.Combine(directory, "replay"), options.StoreMemoryBytes);
    using var shard = (TableShard<long, long>)table.OpenShard(0, StoreKind.Faster, storeOptions);
    var replayed = ChangelogRestore.ReadAll(shard, transport, changelog, CancellationToken.None);
    if (replayed != keys)
    {
        throw new InvalidOperationException($"Replayed {replayed} records, expected {keys}.");
    }

    var elapsed = started.Elapsed.TotalMilliseconds;
    Check(shard, keys);
    return elapsed;
}

static void Check(TableShard<long, long> shard, int keys)
{
    for (long key = 0; key < keys; key += 9_973)
    {
        if (!shard.TryGet(key, out var value) || value != key * 3)
        {
            throw new InvalidOperationException($"Key {key} restored wrong.");
        }
    }
}

static void Seed(ITransport transport, TopicPartition changelog, int keys)
{
    using var producer = transport.CreateProducer();
    Span<byte> key = stackalloc byte[8];
    Span<byte> value = stackalloc byte[8];
    for (long i = 0; i < keys; i++)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(key, i);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(value, i * 3);
        producer.Produce(changelog, key, false, value, false, 0);
    }

    producer.Flush(CancellationToken.None);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

internal sealed class Counts(TableShard<long, long> shard) : Table<long, long>(shard);
