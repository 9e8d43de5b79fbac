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
using Faustish.Benchmarks.Throughput;
using Faustish.Hosting;
using Faustish.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PageViews;

// Throughput of the PageViews example's stateful count on the embedded transport, against hand-written loops that
// read the same log and count into a Dictionary. Each contender runs several times on the same seeded log,
// alternating, and the medians are reported with their ratio (the machine is shared: compare within one run).
// The agent runs on the example's four partitions and, as a copy of it (OnePartition.cs), on one partition; both
// with one worker thread.
var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var store = args.Length > 2 ? Enum.Parse<Faustish.Tables.StoreKind>(args[2], ignoreCase: true) : Faustish.Tables.StoreKind.Faster;
var directory = Path.Combine(Path.GetTempPath(), "faustish-bench-" + Guid.NewGuid().ToString("N"));
try
{
    Seed(directory, events);
    // Every contender, in the order they alternate. A fourth argument keeps only those whose name contains it (and the
    // two hand-written loops, the baselines of the ratios), e.g. "1 partition" to profile the one-thread agent.
    (string Name, Func<int, Measurement> Run)[] contenders =
    [
        ("faustish agent (CountViews: 2 FASTER tables + sends)", round => RunAgent(directory, events, round, store)),
        ("hand-written: JsonSerializer + Dictionary", _ => RunHandWritten(directory, events, useGeneratedCodec: false)),
        ("hand-written: generated codec + Dictionary", _ => RunHandWritten(directory, events, useGeneratedCodec: true)),
        ("faustish agent, ExactlyOnce (transactions)", round => RunAgent(directory, events, round, store, ProcessingGuarantee.ExactlyOnce)),
        ("faustish agent, 1 partition, 1 worker thread", round => RunAgent(directory, events, round, store, onePartition: true)),
    ];
    if (args.Length > 3)
    {
        contenders = [.. contenders.Where(c => c.Name.StartsWith("hand-written", StringComparison.Ordinal) || c.Name.Contains(args[3], StringComparison.OrdinalIgnoreCase))];
    }

    var results = contenders.ToDictionary(c => c.Name, _ => new List<Measurement>());
    // One unmeasured round first: JIT tiers, FASTER's pages and the OS page cache warm up for every contender alike.
    // Warm-up rounds use app ids of their own (negative rounds), so their groups and changelogs are not reused.
    for (var i = 0; i < contenders.Length; i++)
    {
        contenders[i].Run(-1 - i);
    }

    Console.WriteLine("  (warm-up done)");
    for (var round = 0; round < rounds; round++)
    {
        foreach (var (name, run) in contenders)
        {
            results[name].Add(run(round));
        }
    }

    var baseline = Median(results["hand-written: JsonSerializer + Dictionary"].Select(m => m.Rate));
    var generated = Median(results["hand-written: generated codec + Dictionary"].Select(m => m.Rate));
    var generatedCpu = Median(results["hand-written: generated codec + Dictionary"].Select(m => m.CpuMicroseconds));
    Console.WriteLine();
    Console.WriteLine($"{events:N0} page-view events, 4 partitions (1 for the one-partition agent), {rounds} rounds, {store} stores, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
    Console.WriteLine($"{"contender",-55} {"median events/s",16} {"min",12} {"max",12} {"vs JsonSerializer loop",23} {"vs generated-codec loop",24} {"µs CPU/event",13} {"CPU vs generated",17}");
    foreach (var (name, measurements) in results)
    {
        var rates = measurements.Select(m => m.Rate).ToList();
        var cpu = Median(measurements.Select(m => m.CpuMicroseconds));
        Console.WriteLine($"{name,-55} {Median(rates),16:N0} {rates.Min(),12:N0} {rates.Max(),12:N0} {Median(rates) / baseline,22:F2}x {Median(rates) / generated,23:F2}x {cpu,13:F2} {generatedCpu / cpu,16:F2}x");
    }

    // The cost of exactly-once: the same agent and commit interval (1 s), each commit one transaction.
    if (!results.TryGetValue("faustish agent (CountViews: 2 FASTER tables + sends)", out var atLeastOnceRuns) ||
        !results.TryGetValue("faustish agent, ExactlyOnce (transactions)", out var exactlyOnceRuns))
    {
        return;
    }

    var atLeastOnce = Median(atLeastOnceRuns.Select(m => m.Rate));
    var exactlyOnce = Median(exactlyOnceRuns.Select(m => m.Rate));
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

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static FaustishRuntime Open(string directory, string appId, Faustish.Tables.StoreKind store = Faustish.Tables.StoreKind.Faster,
    ProcessingGuarantee guarantee = ProcessingGuarantee.AtLeastOnce, AppModel? model = null) => new(
    new FaustishOptions { AppId = appId, DataDirectory = directory, CommitInterval = TimeSpan.FromSeconds(1), Store = store, Guarantee = guarantee }.Validate(appId),
    model ?? new AppModel([PageViewsTopic.Definition, Milestones.Definition], [PageCounts.Definition, PhoneCounts.Definition], [CountViews.Definition]),
    NullLoggerFactory.Instance);

static AppModel OnePartitionModel() => new(
    [PageViewsOnePartition.Definition, Milestones.Definition], [PageCountsOnePartition.Definition, PhoneCountsOnePartition.Definition], [CountViewsOnOnePartition.Definition]);

static void Seed(string directory, int events)
{
    // The same events on the example's topic and on the one-partition copy.
    using var runtime = new Disposable(Open(directory, "seed", model: new AppModel(
        [PageViewsTopic.Definition, PageViewsOnePartition.Definition, Milestones.Definition], [], [])));
    runtime.Value.EnsureTopicsAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    var sender = runtime.Value.CreateSender();
    using var producer = sender.Producer;
    var random = new Random(42);
    var start = DateTimeOffset.UnixEpoch;
    for (var i = 0; i < events; i++)
    {
        var page = $"/page/{(int)(1000 * Math.Pow(random.NextDouble(), 3))}";
        var referrer = i % 3 == 0 ? null : new Referrer("news.example", i % 5 == 0 ? "autumn" : null);
        var view = new PageView(page, $"user-{random.Next(50_000)}", start.AddMilliseconds(i), (Device)(i % 3), referrer);
        sender.Send(PageViewsTopic.Definition, page, view);
        sender.Send(PageViewsOnePartition.Definition, page, view);
    }

    producer.Flush(CancellationToken.None);
}

// The example's agent, run by Faustish's worker: generated decode loop, FASTER tables, changelog, commits.
static Measurement RunAgent(string directory, int events, int round, Faustish.Tables.StoreKind store,
    ProcessingGuarantee guarantee = ProcessingGuarantee.AtLeastOnce, bool onePartition = false)
{
    // A fresh app id per round: its own consumer group (reads from the start) and its own changelogs.
    var suffix = (guarantee == ProcessingGuarantee.ExactlyOnce ? "-eos" : "") + (onePartition ? "-one" : "");
    using var runtime = new Disposable(Open(directory, (round < 0 ? $"warm-up{-round}" : $"bench-{round}") + suffix, store, guarantee,
        onePartition ? OnePartitionModel() : null));
    runtime.Value.EnsureTopicsAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    var worker = runtime.Value.CreateWorkers(new ServiceCollection().BuildServiceProvider()).Single();
    // Timed from the worker's start (stores opened, restored, the group joined) to the last event processed, commits
    // on the way included; the worker's Stop (its final commit and checkpoints) is shut-down, outside, as the hand
    // loops have none. Each round also reports its start-up (to the first event) and the worker thread's own CPU time,
    // which waiting for a core on a shared machine does not inflate.
    var cpu = Cpu.Start();
    var threadCpu = ThreadCpu.Milliseconds();
    var clock = Stopwatch.StartNew();
    worker.Start(CancellationToken.None);
    var firstEvent = TimeSpan.Zero;
    var threadCpuAtFirst = 0.0;
    while (worker.Processed < events && clock.Elapsed < TimeSpan.FromMinutes(5))
    {
        worker.RunOnce();
        if (firstEvent == TimeSpan.Zero && worker.Processed > 0)
        {
            firstEvent = clock.Elapsed;
            threadCpuAtFirst = ThreadCpu.Milliseconds();
        }
    }

    var seconds = clock.Elapsed.TotalSeconds;
    var threadCpuEnd = ThreadCpu.Milliseconds();
    var cpuPerEvent = cpu.MicrosecondsPer(worker.Processed);
    worker.Stop();
    worker.Dispose();
    Report(guarantee == ProcessingGuarantee.ExactlyOnce ? "faustish agent (ExactlyOnce)" : onePartition ? "faustish agent (1 partition)" : "faustish agent",
        worker.Processed, seconds, cpuPerEvent, $"first event after {firstEvent.TotalMilliseconds:F0} ms (worker CPU {threadCpuAtFirst - threadCpu:F0} ms); then {(worker.Processed - 1) / (seconds - firstEvent.TotalSeconds):N0} events/s, worker CPU {(threadCpuEnd - threadCpuAtFirst) * 1000 / worker.Processed:F3} µs/event");
    return new Measurement(worker.Processed / seconds, cpuPerEvent);
}

// What a team writes by hand on the same log: read each partition, decode, count in a Dictionary.
static Measurement RunHandWritten(string directory, int events, bool useGeneratedCodec)
{
    using var runtime = new Disposable(Open(directory, "hand"));
    var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
    var counts = new Dictionary<string, long>();
    var phoneCounts = new Dictionary<string, long>();
    var batch = new RecordBatch();
    long processed = 0;
    var cpu = Cpu.Start();
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

    var cpuPerEvent = cpu.MicrosecondsPer(processed);
    Report(useGeneratedCodec ? "hand-written (generated codec)" : "hand-written (JsonSerializer)", processed, seconds, cpuPerEvent);
    return new Measurement(processed / seconds, cpuPerEvent);
}

static void Report(string name, long processed, double seconds, double cpuPerEvent, string note = "") =>
    Console.WriteLine($"  {name,-34} {processed,10:N0} events in {seconds,6:F2} s = {processed / seconds,12:N0} events/s, {cpuPerEvent,5:F2} µs CPU/event {note}");

/// <summary>One contender's round: events per second (wall clock) and the process's CPU time per event.</summary>
internal readonly record struct Measurement(double Rate, double CpuMicroseconds);

/// <summary>
/// The process's CPU time (all its threads: FASTER's I/O and the GC too) since <see cref="Start"/>. On a shared machine
/// the wall clock also counts time spent waiting for a core; CPU time per event does not.
/// </summary>
internal readonly record struct Cpu(TimeSpan Started)
{
    public static Cpu Start() => new(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime);

    public double MicrosecondsPer(long events) =>
        (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - Started).TotalMicroseconds / Math.Max(1, events);
}

/// <summary>The calling thread's CPU time (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>): the worker's own work, without its waits for a core.</summary>
internal static class ThreadCpu
{
    private const int ThreadCpuClock = 3;

    public static double Milliseconds() =>
        OperatingSystem.IsLinux() && ClockGetTime(ThreadCpuClock, out var time) == 0 ? (time.Seconds * 1e3) + (time.Nanoseconds / 1e6) : double.NaN;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

/// <summary>Disposes an async-disposable runtime in a using statement of a synchronous harness.</summary>
internal sealed class Disposable(FaustishRuntime value) : IDisposable
{
    public FaustishRuntime Value { get; } = value;

    public void Dispose() => Value.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
