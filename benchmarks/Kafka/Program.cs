using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using Confluent.Kafka;
using Faustish.Agents;
using Faustish.Hosting;
using Faustish.Tests.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PageViews;
using TopicPartition = Faustish.Transport.TopicPartition;

// Throughput of the PageViews example's stateful count on the Kafka transport, on both fetch paths (Confluent.Kafka's
// Consume, and librdkafka's messages read in place), against the raw Confluent.Kafka consume loop a careful user would
// write for the same count (JsonSerializer + Dictionary), all reading the same topic of librdkafka's mock cluster (one
// broker, in this process) in the same run. Each contender runs once unmeasured, then `rounds` times, rotating which
// goes first; medians, minimums, maximums, bytes allocated per event (every thread: Confluent.Kafka's and FASTER's too;
// and on the processing thread alone) and the ratios are printed. The machine is shared: compare within one run only.
//
// Arguments: [events = 1,000,000] [rounds = 5] [codec = zstd]. The mock keeps only 5 MiB per partition and drops older
// records silently (checked: the run stops if it did). The example's records take ~23 B each with lz4 even at its best
// level, and one partition gets 32% of them (page 0 alone is 10% of the views), so lz4 holds about 700,000 of them:
// 1,000,000 need zstd (~15 B each). Run "650000 5 lz4" for the lz4 variant.
var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var codec = args.Length > 2 ? args[2] : "zstd";
var root = Path.Combine(Path.GetTempPath(), "faustish-kafka-bench-" + Guid.NewGuid().ToString("N"));
using var cluster = MockKafkaCluster.Start(brokers: 1);
var bench = new Bench(cluster, root, events, codec);
try
{
    Console.WriteLine($"  load average at the start: {LoadAverage()}");
    bench.Seed();

    // One unmeasured round of each first: JIT tiers, FASTER's pages, librdkafka's buffers. It also checks that both
    // contenders count the same thing: the agent's table (rebuilt from its changelog) equals the raw loop's Dictionary.
    bench.RunFaustish("warm-up", verify: true);
    bench.CheckSameCounts(bench.RunRaw("warm-up").Counts!);
    Console.WriteLine("  (warm-up done: the agent's page-counts table equals the raw loop's Dictionary)");

    bench.RunFaustish("warm-up", guarantee: ProcessingGuarantee.ExactlyOnce);
    bench.RunFaustish("warm-up", fetchPath: KafkaFetchPath.InPlace);
    var faustish = new List<Result>();
    var inPlace = new List<Result>();
    var exactlyOnce = new List<Result>();
    var raw = new List<Result>();
    var contenders = new List<Action<string>>
    {
        name => faustish.Add(bench.RunFaustish(name)),
        name => inPlace.Add(bench.RunFaustish(name, fetchPath: KafkaFetchPath.InPlace)),
        name => exactlyOnce.Add(bench.RunFaustish(name, guarantee: ProcessingGuarantee.ExactlyOnce)),
        name => raw.Add(bench.RunRaw(name)),
    };
    for (var round = 0; round < rounds; round++)
    {
        // Rotate the order, so that no contender always runs on a heap (or a machine) another just left.
        for (var i = 0; i < contenders.Count; i++)
        {
            contenders[(round + i) % contenders.Count]($"round-{round}");
        }
    }

    var faustishRate = Median(faustish.Select(r => r.EventsPerSecond));
    var rawRate = Median(raw.Select(r => r.EventsPerSecond));
    var faustishBytes = Median(faustish.Select(r => r.BytesPerEvent));
    var rawBytes = Median(raw.Select(r => r.BytesPerEvent));
    Console.WriteLine();
    Console.WriteLine($"{events:N0} keyed PageView JSON records, topic page-views (4 partitions, {codec}), 1 mock broker, {rounds} rounds, " +
        $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, Confluent.Kafka {Library.VersionString}");
    Console.WriteLine($"Load average at the end: {LoadAverage()}");
    Console.WriteLine($"{"contender",-58} {"median events/s",16} {"min",12} {"max",12} {"B/event",9} {"thread B/ev",12} {"vs raw",8}");
    Print("faustish: CountViews on Kafka, FetchPath=Client", faustish, rawRate);
    Print("faustish: the same, FetchPath=InPlace", inPlace, rawRate);
    Print("faustish: FetchPath=Client, --guarantee ExactlyOnce", exactlyOnce, rawRate);
    Print("raw Confluent.Kafka: JsonSerializer + Dictionary", raw, rawRate);
    Console.WriteLine();
    Console.WriteLine($"{"of which",-58} {"to first record",16} {"then events/s",16}");
    Console.WriteLine($"{"faustish",-58} {Median(faustish.Select(r => r.StartupMs)),13:F0} ms {Median(faustish.Select(r => r.SteadyEventsPerSecond)),16:N0}");
    Console.WriteLine($"{"faustish in place",-58} {Median(inPlace.Select(r => r.StartupMs)),13:F0} ms {Median(inPlace.Select(r => r.SteadyEventsPerSecond)),16:N0}");
    Console.WriteLine($"{"faustish exactly-once",-58} {Median(exactlyOnce.Select(r => r.StartupMs)),13:F0} ms {Median(exactlyOnce.Select(r => r.SteadyEventsPerSecond)),16:N0}");
    Console.WriteLine($"{"raw",-58} {Median(raw.Select(r => r.StartupMs)),13:F0} ms {Median(raw.Select(r => r.SteadyEventsPerSecond)),16:N0}");
    Console.WriteLine();
    Console.WriteLine($"Faustish / raw: {faustishRate / rawRate:F2}x events/s (bar: 0.85x), {faustishBytes:F0} B vs {rawBytes:F0} B per event " +
        $"(bar: no more than raw) -> {(faustishRate / rawRate >= 0.85 && faustishBytes <= rawBytes ? "meets the bar" : "BELOW THE BAR")}");
    var inPlaceRate = Median(inPlace.Select(r => r.EventsPerSecond));
    Console.WriteLine($"In place / raw: {inPlaceRate / rawRate:F2}x events/s (target 1.5x), in place / client: {inPlaceRate / faustishRate:F2}x; " +
        $"processing thread {Median(inPlace.Select(r => r.ThreadBytesPerEvent)):F0} B vs {Median(faustish.Select(r => r.ThreadBytesPerEvent)):F0} B per event " +
        $"(after the first record: {Median(inPlace.Select(r => r.SteadyThreadBytesPerEvent)):F2} B vs {Median(faustish.Select(r => r.SteadyThreadBytesPerEvent)):F2} B) " +
        $"-> {(inPlaceRate / rawRate >= 1.5 ? "meets the target" : "BELOW THE TARGET")}");
    Console.WriteLine($"Exactly-once / at-least-once: {Median(exactlyOnce.Select(r => r.EventsPerSecond)) / faustishRate:F2}x events/s, " +
        $"{Median(exactlyOnce.Select(r => r.BytesPerEvent)):F0} B vs {faustishBytes:F0} B per event (same run, same topic; commits every 1 s either way)");
}
finally
{
    if (Directory.Exists(root))
    {
        Directory.Delete(root, recursive: true);
    }
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static void Print(string name, List<Result> results, double baseline)
{
    var rates = results.Select(r => r.EventsPerSecond).ToList();
    var median = Median(rates);
    Console.WriteLine($"{name,-58} {median,16:N0} {rates.Min(),12:N0} {rates.Max(),12:N0} {Median(results.Select(r => r.BytesPerEvent)),9:F0} " +
        $"{Median(results.Select(r => r.ThreadBytesPerEvent)),12:F0} {median / baseline,7:F2}x");
}

/// <summary>One measured run: events/s, bytes allocated per event (all threads), and the counts when asked for.</summary>
/// <param name="EventsPerSecond">Events over the whole timed run (joining the group included).</param>
/// <param name="BytesPerEvent">Bytes allocated over the timed run, every thread, per event.</param>
/// <param name="StartupMs">From the start of the run to the first record processed (group join; tables opened and restored).</param>
/// <param name="SteadyEventsPerSecond">Events after the first, over the time after the first.</param>
/// <param name="ThreadBytesPerEvent">Bytes allocated by the processing thread alone (fetch, decode, agent, tables), per event.</param>
/// <param name="SteadyThreadBytesPerEvent">
/// The same, from the first record processed to the last (fetching, decoding, the agent, its tables, commits and
/// changelogs; not the group join and the opening of the tables before it), per event after the first batch.
/// </param>
internal sealed record Result(double EventsPerSecond, double BytesPerEvent, double StartupMs, double SteadyEventsPerSecond, double ThreadBytesPerEvent,
    Dictionary<string, long>? Counts = null, double SteadyThreadBytesPerEvent = double.NaN);

/// <summary>The cluster, the seeded topic and the two contenders.</summary>
internal sealed class Bench(MockKafkaCluster cluster, string root, int events, string codec)
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(5);

    // FAUSTISH_BENCH_SAMPLE=1: say what the Faustish runs allocate after their first record (GCAllocationTick samples).
    private static readonly bool SampleAllocations = Environment.GetEnvironmentVariable("FAUSTISH_BENCH_SAMPLE") == "1";
    private static readonly AppModel Model = new([PageViewsTopic.Definition, Milestones.Definition], [PageCounts.Definition, PhoneCounts.Definition], [CountViews.Definition]);
    private readonly HashSet<string> _created = new(StringComparer.Ordinal);
    private Dictionary<string, long>? _faustishCounts;

    /// <summary>
    /// Writes the events once with the example's own DemoSeed (keyed by page, through Faustish's producer), compressed
    /// with <c>codec</c> at a high level (only the producer pays for it: decompressing costs the same at any level),
    /// and checks that the mock kept every one of them.
    /// </summary>
    public void Seed()
    {
        var clock = Stopwatch.StartNew();
        using var runtime = new Disposable(Open("page-views-seed", new Dictionary<string, string?>
        {
            ["compression.type"] = codec,
            ["compression.level"] = codec switch { "lz4" => "12", "zstd" => "9", _ => "-1" },
        }));
        CreateTopics(runtime.Value);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Demo:Events"] = events.ToString(CultureInfo.InvariantCulture) })
            .Build();
        new DemoSeed(configuration).OnStartingAsync(runtime.Value, CancellationToken.None).GetAwaiter().GetResult();

        // The mock keeps about 5 MiB per partition and silently drops the oldest records beyond it: every partition
        // must still start at offset 0, and the partitions together must hold every record.
        long total = 0;
        var sizes = new List<string>();
        for (var p = 0; p < PageViewsTopic.Definition.Partitions; p++)
        {
            var watermarks = runtime.Value.Transport.GetWatermarks(new TopicPartition(PageViewsTopic.Definition.Name, p));
            if (watermarks.Low != 0)
            {
                throw new InvalidOperationException(
                    $"The mock cluster dropped the first {watermarks.Low:N0} records of page-views[{p}] (it keeps about 5 MiB per partition): seed fewer events or compress better.");
            }

            total += watermarks.High;
            sizes.Add(watermarks.High.ToString("N0", CultureInfo.InvariantCulture));
        }

        if (total != events)
        {
            throw new InvalidOperationException($"page-views holds {total:N0} records, not the {events:N0} seeded.");
        }

        Console.WriteLine($"  seeded {events:N0} records in {clock.Elapsed.TotalSeconds:F1} s; page-views partitions hold {string.Join(" + ", sizes)}, all from offset 0");
    }

    /// <summary>
    /// The example's agent on the Kafka transport, run by Faustish's worker as a worker thread runs it: generated decode
    /// loop, FASTER tables, changelogs and commits on the default interval. A fresh app id per run: its own consumer
    /// group (which reads page-views from the start), its own changelogs and data directory (its tables start empty).
    /// Timed from the worker's start (joining the group) until the last record is processed, like the raw loop.
    /// </summary>
    public Result RunFaustish(string name, bool verify = false, ProcessingGuarantee guarantee = ProcessingGuarantee.AtLeastOnce,
        KafkaFetchPath fetchPath = KafkaFetchPath.Client)
    {
        var appId = (guarantee == ProcessingGuarantee.ExactlyOnce ? "bench-eos-" : fetchPath == KafkaFetchPath.InPlace ? "bench-inplace-" : "bench-") + name;
        try
        {
            return RunFaustish(appId, name, verify, guarantee, fetchPath);
        }
        finally
        {
            Directory.Delete(Path.Combine(root, appId), recursive: true);
        }
    }

    private Result RunFaustish(string appId, string name, bool verify, ProcessingGuarantee guarantee, KafkaFetchPath fetchPath)
    {
        using var runtime = new Disposable(Open(appId, guarantee: guarantee, fetchPath: fetchPath));
        CreateTopics(runtime.Value);
        var worker = runtime.Value.CreateWorkers(new ServiceCollection().BuildServiceProvider()).Single();
        Result result;
        try
        {
            Settle();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var threadAllocated = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            worker.Start(CancellationToken.None);
            var first = TimeSpan.Zero;
            long processedAtFirst = 0, threadAllocatedAtFirst = 0;
            AllocationSampler? sampler = null;
            while (worker.Processed < events && clock.Elapsed < Bound)
            {
                worker.RunOnce();
                if (first == TimeSpan.Zero && worker.Processed > 0)
                {
                    first = clock.Elapsed;
                    processedAtFirst = worker.Processed;
                    threadAllocatedAtFirst = GC.GetAllocatedBytesForCurrentThread();
                    sampler = SampleAllocations ? new AllocationSampler() : null;
                }
            }

            if (sampler is not null)
            {
                sampler.Dispose();
                Console.WriteLine($"    allocations sampled after the first record (one per ~100 KB, by thread): {sampler.Describe()}");
            }

            var seconds = clock.Elapsed.TotalSeconds;
            var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            var threadBytes = GC.GetAllocatedBytesForCurrentThread() - threadAllocated;
            var steadyThreadBytes = GC.GetAllocatedBytesForCurrentThread() - threadAllocatedAtFirst;
            worker.Stop();
            if (worker.Processed != events)
            {
                throw new InvalidOperationException($"The agent processed {worker.Processed:N0} of {events:N0} records within {Bound.TotalMinutes} minutes.");
            }

            result = new Result(events / seconds, (double)bytes / events, first.TotalMilliseconds, (events - 1) / (seconds - first.TotalSeconds),
                (double)threadBytes / events, SteadyThreadBytesPerEvent: (double)steadyThreadBytes / (events - processedAtFirst));
            Report(guarantee == ProcessingGuarantee.ExactlyOnce ? "faustish exactly-once" : fetchPath == KafkaFetchPath.InPlace ? "faustish in place" : "faustish (CountViews)",
                name, seconds, first, result);
        }
        finally
        {
            worker.Dispose();
        }

        if (verify)
        {
            _faustishCounts = [];
            foreach (var shard in runtime.Value.ReadTable(PageCounts.Definition, CancellationToken.None))
            {
                using (shard)
                {
                    foreach (var (page, views) in ((PageCounts)shard.Table).Entries())
                    {
                        _faustishCounts.Add(page, views);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>
    /// What a careful user writes with Confluent.Kafka alone: a consumer with the settings that matter for a fast reader
    /// (fetch.queue.backoff.ms low, as Faustish sets it; no marshalling of the fields it does not read; earliest),
    /// <c>IConsumer&lt;string, byte[]&gt;</c>,
    /// <c>JsonSerializer</c> with web defaults (how the example's records are written), a count per page and per page
    /// from phones in <c>Dictionary</c>s (what CountViews keeps in its two tables). A fresh group per run; offsets
    /// auto-committed in the background (librdkafka's default). Timed from building the consumer until the last record.
    /// </summary>
    public Result RunRaw(string name)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "raw-" + name,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchQueueBackoffMs = 10,
            // Marshal nothing the loop does not read (topic name, headers, timestamp): fewer objects per message.
            ConsumeResultFields = "none",
        };
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var counts = new Dictionary<string, long>();
        var phoneCounts = new Dictionary<string, long>();
        long processed = 0;
        Settle();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var threadAllocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var first = TimeSpan.Zero;
        var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        try
        {
            consumer.Subscribe(PageViewsTopic.Definition.Name);
            while (processed < events && clock.Elapsed < Bound)
            {
                var consumed = consumer.Consume(100);
                if (consumed is null)
                {
                    continue;
                }

                var page = consumed.Message.Key;
                var view = JsonSerializer.Deserialize<PageView>(consumed.Message.Value, options)!;
                counts[page] = counts.GetValueOrDefault(page) + 1;
                if (view.Device == Device.Phone)
                {
                    phoneCounts[page] = phoneCounts.GetValueOrDefault(page) + 1;
                }

                if (processed++ == 0)
                {
                    first = clock.Elapsed;
                }
            }

            var seconds = clock.Elapsed.TotalSeconds;
            var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            var threadBytes = GC.GetAllocatedBytesForCurrentThread() - threadAllocated;
            consumer.Close();
            if (processed != events || counts.Values.Sum() != events)
            {
                throw new InvalidOperationException($"The raw loop counted {counts.Values.Sum():N0} of {events:N0} records within {Bound.TotalMinutes} minutes.");
            }

            var result = new Result(processed / seconds, (double)bytes / events, first.TotalMilliseconds, (processed - 1) / (seconds - first.TotalSeconds),
                (double)threadBytes / events, counts);
            Report("raw Confluent.Kafka", name, seconds, first, result);
            return result;
        }
        finally
        {
            consumer.Dispose();
        }
    }

    /// <summary>The agent's page counts (warm-up, from its changelog) must equal the raw loop's.</summary>
    public void CheckSameCounts(Dictionary<string, long> raw)
    {
        var faustish = _faustishCounts ?? throw new InvalidOperationException("Run the agent with verify first.");
        var differing = raw.Where(p => faustish.GetValueOrDefault(p.Key) != p.Value).Select(p => p.Key)
            .Concat(faustish.Keys.Where(k => !raw.ContainsKey(k))).Take(5).ToList();
        if (differing.Count > 0 || faustish.Count != raw.Count)
        {
            throw new InvalidOperationException(
                $"The agent's table ({faustish.Count:N0} pages) and the raw loop's Dictionary ({raw.Count:N0} pages) differ, e.g. at {string.Join(", ", differing)}.");
        }
    }

    private FaustishRuntime Open(string appId, Dictionary<string, string?>? producer = null, ProcessingGuarantee guarantee = ProcessingGuarantee.AtLeastOnce,
        KafkaFetchPath fetchPath = KafkaFetchPath.Client) => new(
        new FaustishOptions
        {
            AppId = appId,
            Guarantee = guarantee,
            Broker = "kafka://" + cluster.BootstrapServers,
            DataDirectory = Path.Combine(root, appId),
            Kafka = new KafkaOptions { Producer = producer ?? [], FetchPath = fetchPath },
        }.Validate(appId),
        Model,
        Loggers);

    // FAUSTISH_BENCH_LOG=1 prints the runtime's log lines with milliseconds (where a run spends its start-up).
    private static readonly Microsoft.Extensions.Logging.ILoggerFactory Loggers = Environment.GetEnvironmentVariable("FAUSTISH_BENCH_LOG") is null
        ? NullLoggerFactory.Instance
        : Microsoft.Extensions.Logging.LoggerFactory.Create(b => Microsoft.Extensions.Logging.ConsoleLoggerExtensions.AddSimpleConsole(b, o => { o.TimestampFormat = "HH:mm:ss.fff "; o.SingleLine = true; }));

    /// <summary>
    /// Creates the app's topics that do not exist yet through the mock's own API (it answers no admin CreateTopics),
    /// then lets the runtime check them as it does at start.
    /// </summary>
    private void CreateTopics(FaustishRuntime runtime)
    {
        foreach (var topic in runtime.RequiredTopics())
        {
            if (_created.Add(topic.Name))
            {
                cluster.CreateTopic(topic.Name, topic.Partitions);
            }
        }

        runtime.EnsureTopicsAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Starts every run on a collected heap, so that neither pays for the other's garbage.</summary>
    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static void Report(string contender, string name, double seconds, TimeSpan first, Result result) =>
        Console.WriteLine($"  {contender,-22} {name,-8} {seconds,6:F2} s = {result.EventsPerSecond,10:N0} events/s, {result.BytesPerEvent,5:F0} B/event ({result.ThreadBytesPerEvent:F0} on its thread" +
            $"{(double.IsNaN(result.SteadyThreadBytesPerEvent) ? "" : $", {result.SteadyThreadBytesPerEvent:F2} after the first record")}) " +
            $"(first record after {first.TotalMilliseconds:F0} ms, then {result.SteadyEventsPerSecond:N0} events/s)");
}

/// <summary>Disposes an async-disposable runtime in a using statement of a synchronous harness.</summary>
internal sealed class Disposable(FaustishRuntime value) : IDisposable
{
    public FaustishRuntime Value { get; } = value;

    public void Dispose() => Value.DisposeAsync().AsTask().GetAwaiter().GetResult();
}

/// <summary>Samples the types allocated in the process (the runtime's GCAllocationTick events, about one per 100 KB), by OS thread.</summary>
internal sealed class AllocationSampler : System.Diagnostics.Tracing.EventListener
{
    private readonly Dictionary<string, int> _types = new(StringComparer.Ordinal);

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true)
        {
            return;
        }

        var index = eventData.PayloadNames?.IndexOf("TypeName") ?? -1;
        var type = index >= 0 ? eventData.Payload![index] as string ?? "?" : "?";
        var key = $"[{eventData.OSThreadId}] {type}";
        lock (_types)
        {
            _types[key] = _types.GetValueOrDefault(key) + 1;
        }
    }

    public string Describe()
    {
        lock (_types)
        {
            return _types.Count == 0 ? "none" : string.Join(", ", _types.OrderByDescending(t => t.Value).Take(12).Select(t => $"{t.Key} x{t.Value}"));
        }
    }
}
