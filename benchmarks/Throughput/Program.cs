using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using Faustish;
using Faustish.Agents;
using Faustish.Hosting;
using Faustish.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PageViews;

// Throughput of the PageViews example's stateful count on the embedded transport, against hand-written loops that
// read the same log and count into a Dictionary. Each contender runs several times on the same seeded log,
// alternating, and the medians are reported with their ratio (the machine is shared: compare within one run).
var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var store = args.Length > 2 ? Enum.Parse<Faustish.Tables.StoreKind>(args[2], ignoreCase: true) : Faustish.Tables.StoreKind.Faster;
var directory = Path.Combine(Path.GetTempPath(), "faustish-bench-" + Guid.NewGuid().ToString("N"));
try
{
    Seed(directory, events);
    var results = new Dictionary<string, List<double>>
    {
        ["faustish agent (CountViews: 2 FASTER tables + sends)"] = [],
        ["hand-written: JsonSerializer + Dictionary"] = [],
        ["hand-written: generated codec + Dictionary"] = [],
        ["faustish agent, ExactlyOnce (transactions)"] = [],
    };
    // One unmeasured round first: JIT tiers, FASTER's pages and the OS page cache warm up for every contender alike.
    RunAgent(directory, events, -1, store);
    RunHandWritten(directory, events, useGeneratedCodec: false);
    RunHandWritten(directory, events, useGeneratedCodec: true);
    RunAgent(directory, events, -2, store, ProcessingGuarantee.ExactlyOnce);
    Console.WriteLine("  (warm-up done)");
    for (var round = 0; round < rounds; round++)
    {
        results.ElementAt(0).Value.Add(RunAgent(directory, events, round, store));
        results.ElementAt(1).Value.Add(RunHandWritten(directory, events, useGeneratedCodec: false));
        results.ElementAt(2).Value.Add(RunHandWritten(directory, events, useGeneratedCodec: true));
        results.ElementAt(3).Value.Add(RunAgent(directory, events, round, store, ProcessingGuarantee.ExactlyOnce));
    }

    var baseline = Median(results.ElementAt(1).Value);
    Console.WriteLine();
    Console.WriteLine($"{events:N0} page-view events, 4 partitions, {rounds} rounds, {store} stores, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
    Console.WriteLine($"{"contender",-55} {"median events/s",16} {"min",12} {"max",12} {"vs JsonSerializer loop",24}");
    foreach (var (name, rates) in results)
    {
        Console.WriteLine($"{name,-55} {Median(rates),16:N0} {rates.Min(),12:N0} {rates.Max(),12:N0} {Median(rates) / baseline,23:F2}x");
    }

    // The cost of exactly-once: the same agent and commit interval (1 s), each commit one transaction.
    var atLeastOnce = Median(results.ElementAt(0).Value);
    var exactlyOnce = Median(results.ElementAt(3).Value);
    Console.WriteLine();
    Console.WriteLine($"{"guarantee (CountViews, commit interval 1 s)",-55} {"median events/s",16}");
    Console.WriteLine($"{"AtLeastOnce",-55} {atLeastOnce,16:N0}");
    Console.WriteLine($"{"ExactlyOnce",-55} {exactlyOnce,16:N0}");
    Console.WriteLine($"{"ExactlyOnce / AtLeastOnce",-55} {exactlyOnce / atLeastOnce,16:F2}x");
}
finally
{
    Directory.Delete(directory, recursive: true);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static FaustishRuntime Open(string directory, string appId, Faustish.Tables.StoreKind store = Faustish.Tables.StoreKind.Faster,
    ProcessingGuarantee guarantee = ProcessingGuarantee.AtLeastOnce) => new(
    new FaustishOptions { AppId = appId, DataDirectory = directory, CommitInterval = TimeSpan.FromSeconds(1), Store = store, Guarantee = guarantee }.Validate(appId),
    new AppModel([PageViewsTopic.Definition, Milestones.Definition], [PageCounts.Definition, PhoneCounts.Definition], [CountViews.Definition]),
    NullLoggerFactory.Instance);

static void Seed(string directory, int events)
{
    using var runtime = new Disposable(Open(directory, "seed"));
    runtime.Value.EnsureTopicsAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    var sender = runtime.Value.CreateSender();
    using var producer = sender.Producer;
    var random = new Random(42);
    var start = DateTimeOffset.UnixEpoch;
    for (var i = 0; i < events; i++)
    {
        var page = $"/page/{(int)(1000 * Math.Pow(random.NextDouble(), 3))}";
        var referrer = i % 3 == 0 ? null : new Referrer("news.example", i % 5 == 0 ? "autumn" : null);
        sender.Send(PageViewsTopic.Definition, page, new PageView(page, $"user-{random.Next(50_000)}", start.AddMilliseconds(i), (Device)(i % 3), referrer));
    }

    producer.Flush(CancellationToken.None);
}

// The example's agent, run by Faustish's worker: generated decode loop, FASTER tables, changelog, commits.
static double RunAgent(string directory, int events, int round, Faustish.Tables.StoreKind store,
    ProcessingGuarantee guarantee = ProcessingGuarantee.AtLeastOnce)
{
    // A fresh app id per round: its own consumer group (reads from the start) and its own changelogs.
    var suffix = guarantee == ProcessingGuarantee.ExactlyOnce ? "-eos" : "";
    using var runtime = new Disposable(Open(directory, (round < 0 ? $"warm-up{-round}" : $"bench-{round}") + suffix, store, guarantee));
    runtime.Value.EnsureTopicsAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    var worker = runtime.Value.CreateWorkers(new ServiceCollection().BuildServiceProvider()).Single();
    var clock = Stopwatch.StartNew();
    worker.Start(CancellationToken.None);
    while (worker.Processed < events && clock.Elapsed < TimeSpan.FromMinutes(5))
    {
        worker.RunOnce();
    }

    worker.Stop();
    var seconds = clock.Elapsed.TotalSeconds;
    worker.Dispose();
    Report(guarantee == ProcessingGuarantee.ExactlyOnce ? "faustish agent (ExactlyOnce)" : "faustish agent", worker.Processed, seconds);
    return worker.Processed / seconds;
}

// What a team writes by hand on the same log: read each partition, decode, count in a Dictionary.
static double RunHandWritten(string directory, int events, bool useGeneratedCodec)
{
    using var runtime = new Disposable(Open(directory, "hand"));
    var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
    var counts = new Dictionary<string, long>();
    var phoneCounts = new Dictionary<string, long>();
    var batch = new RecordBatch();
    long processed = 0;
    var clock = Stopwatch.StartNew();
    for (var partition = 0; partition < PageViewsTopic.Definition.Partitions; partition++)
    {
        using var reader = runtime.Value.Transport.OpenReader(new TopicPartition(PageViewsTopic.Definition.Name, partition), Offsets.Beginning);
        while (reader.Fetch(batch, 2048, TimeSpan.Zero, CancellationToken.None))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                ref readonly var record = ref batch[i];
                var page = System.Text.Encoding.UTF8.GetString(batch.KeyOf(in record));
                var view = useGeneratedCodec
                    ? PageViewsTopic.Definition.ValueCodec.Read(batch.ValueOf(in record))
                    : JsonSerializer.Deserialize<PageView>(batch.ValueOf(in record), options)!;
                counts[page] = counts.GetValueOrDefault(page) + 1;
                if (view.Device == Device.Phone)
                {
                    phoneCounts[page] = phoneCounts.GetValueOrDefault(page) + 1;
                }

                processed++;
            }
        }
    }

    var seconds = clock.Elapsed.TotalSeconds;
    if (processed != events || counts.Values.Sum() != events)
    {
        throw new InvalidOperationException($"The hand-written loop counted {counts.Values.Sum()} of {events} events.");
    }

    Report(useGeneratedCodec ? "hand-written (generated codec)" : "hand-written (JsonSerializer)", processed, seconds);
    return processed / seconds;
}

static void Report(string name, long processed, double seconds) =>
    Console.WriteLine($"  {name,-34} {processed,10:N0} events in {seconds,6:F2} s = {processed / seconds,12:N0} events/s");

/// <summary>Disposes an async-disposable runtime in a using statement of a synchronous harness.</summary>
internal sealed class Disposable(FaustishRuntime value) : IDisposable
{
    public FaustishRuntime Value { get; } = value;

    public void Dispose() => Value.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
