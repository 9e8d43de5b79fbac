using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Faustish.Agents;
using Faustish.Benchmarks.CheckpointPause;
using Faustish.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

// How long a worker stops while its table is checkpointed. One partition, one table of 1,000,000 string keys: the
// agent first counts one event per key (the table fills), then keeps counting events on random keys of the million
// while measured. Two runs on the same log, in one process: checkpoints every second, and checkpoints off (one an
// hour: none during the run), both committing every 100 ms, after a shorter unreported warm-up run. Reported: the gaps
// between two processed batches (the worker's whole stop: commit, changelog flush, checkpoint), and the time the worker
// spent beginning checkpoints.
var keys = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var measured = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000_000;
var directory = Path.Combine(Path.GetTempPath(), "faustish-checkpoint-pause-" + Guid.NewGuid().ToString("N"));
try
{
    Seed(directory, keys, measured);
    // A shorter run first, not reported: the JIT compiles the commit, changelog and checkpoint paths (a method compiled
    // on the worker thread in the middle of a measured run showed up as a 40 ms stop of its own), so the two measured
    // runs below start equally warm.
    Run(directory, "warm-up", keys, measured / 4, TimeSpan.FromSeconds(1));
    var withCheckpoints = Run(directory, "every-second", keys, measured, TimeSpan.FromSeconds(1));
    var without = Run(directory, "off", keys, measured, TimeSpan.FromHours(1));

    Console.WriteLine();
    Console.WriteLine($"{keys:N0} keys, {measured:N0} measured events on random keys, 1 partition, commits every 100 ms, batches of at most {BatchSize} events, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
    Console.WriteLine($"{"checkpoints",-14} {"events/s",10} {"longest gap",12} {"p99.9 gap",10} {"p99 gap",9} {"median gap",11} {"checkpoints",12} {"longest begin",14} {"median begin",13} {"worker CPU in gaps: longest",28} {"p99.9",8} {"median",8}");
    foreach (var result in new[] { withCheckpoints, without })
    {
        Console.WriteLine($"{result.Name,-14} {result.Rate,10:N0} {result.Gaps.Max(),9:F1} ms {Percentile(result.Gaps, 0.999),7:F1} ms {Percentile(result.Gaps, 0.99),6:F1} ms {Percentile(result.Gaps, 0.5),8:F2} ms {result.Checkpoints,12} " +
            $"{(result.Begins.Count == 0 ? "-" : $"{result.Begins.Max():F2} ms"),14} {(result.Begins.Count == 0 ? "-" : $"{Percentile(result.Begins, 0.5):F2} ms"),13} " +
            $"{result.CpuGaps.Max(),25:F1} ms {Percentile(result.CpuGaps, 0.999),5:F1} ms {Percentile(result.CpuGaps, 0.5),5:F2} ms");
    }

    Console.WriteLine();
    Console.WriteLine($"longest gap at a batch where checkpoints began: {withCheckpoints.LongestGapWithCheckpoint:F1} ms; longest gap of the run without checkpoints: {without.Gaps.Max():F1} ms");
    foreach (var result in new[] { withCheckpoints, without })
    {
        Console.WriteLine($"longest gap, checkpoints {result.Name}: {result.Longest}");
    }
}
finally
{
    Directory.Delete(directory, recursive: true);
}

static double Percentile(List<double> values, double quantile)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];
}

static FaustishRuntime Open(string directory, string appId, TimeSpan checkpointInterval) => new(
    new FaustishOptions
    {
        AppId = appId,
        DataDirectory = directory,
        CommitInterval = TimeSpan.FromMilliseconds(100),
        CheckpointInterval = checkpointInterval,
        MaxBatchSize = BatchSize,
    }.Validate(appId),
    new AppModel([KeyedEvents.Definition], [EventsPerKey.Definition], [CountEvents.Definition]),
    NullLoggerFactory.Instance);

static void Seed(string directory, int keys, int measured)
{
    using var runtime = new Disposable(Open(directory, "seed", TimeSpan.FromHours(1)));
    runtime.Value.EnsureTopicsAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    var sender = runtime.Value.CreateSender();
    using var producer = sender.Producer;
    for (var i = 0; i < keys; i++)
    {
        sender.Send(KeyedEvents.Definition, Key(i), i);
    }

    var random = new Random(42);
    for (var i = 0; i < measured; i++)
    {
        sender.Send(KeyedEvents.Definition, Key(random.Next(keys)), i);
    }

    producer.Flush(CancellationToken.None);
}

static string Key(int i) => "key-" + i.ToString("D7", CultureInfo.InvariantCulture);

static Result Run(string directory, string name, int keys, int measured, TimeSpan checkpointInterval)
{
    using var runtime = new Disposable(Open(directory, "pause-" + name, checkpointInterval));
    runtime.Value.EnsureTopicsAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    var begins = new List<double>();
    var checkpoints = 0L;
    var begunInBatch = false;
    using var listener = new MeterListener();
    listener.InstrumentPublished = (instrument, l) =>
    {
        if (instrument.Meter.Name == FaustishMetrics.MeterName && instrument.Name is "faustish.table.checkpoint_pause" or "faustish.table.checkpoints")
        {
            l.EnableMeasurementEvents(instrument);
        }
    };
    listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
    {
        begins.Add(value);
        begunInBatch = true;
    });
    listener.SetMeasurementEventCallback<long>((_, value, _, _) => checkpoints += value);
    listener.Start();

    var worker = runtime.Value.CreateWorkers(new ServiceCollection().BuildServiceProvider()).Single();
    var total = keys + measured;
    var deadline = Stopwatch.StartNew();
    worker.Start(CancellationToken.None);

    // Fill the table: one event per key.
    while (worker.Processed < keys && deadline.Elapsed < TimeSpan.FromMinutes(10))
    {
        worker.RunOnce();
    }

    // Measure: the time between the ends of two consecutive RunOnce calls that processed events.
    begins.Clear();
    checkpoints = 0;
    var gaps = new List<double>();
    var longestWithCheckpoint = 0.0;
    var startProcessed = worker.Processed;
    var cpuGaps = new List<double>();
    var clock = Stopwatch.StartNew();
    var last = clock.Elapsed;
    var lastCpu = ThreadCpu.Milliseconds();
    var lastGc = GC.GetTotalPauseDuration();
    var lastWaitForCore = ThreadCpu.WaitingForCoreMilliseconds();
    var lastContentions = Monitor.LockContentionCount;
    var startJit = System.Runtime.JitInfo.GetCompilationTime(currentThread: true);
    int[] startCollections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    var lastJit = startJit;
    var longest = default(GapBreakdown);
    while (worker.Processed < total && deadline.Elapsed < TimeSpan.FromMinutes(10))
    {
        var before = worker.Processed;
        begunInBatch = false;
        worker.RunOnce();
        if (worker.Processed == before && !begunInBatch)
        {
            continue;
        }

        var now = clock.Elapsed;
        var gap = (now - last).TotalMilliseconds;
        last = now;
        var cpuNow = ThreadCpu.Milliseconds();
        var cpuGap = cpuNow - lastCpu;
        lastCpu = cpuNow;
        var gcNow = GC.GetTotalPauseDuration();
        var waitForCoreNow = ThreadCpu.WaitingForCoreMilliseconds();
        var contentionsNow = Monitor.LockContentionCount;
        var jitNow = System.Runtime.JitInfo.GetCompilationTime(currentThread: true);
        if (gap > longest.Wall)
        {
            longest = new GapBreakdown(gap, cpuGap, (gcNow - lastGc).TotalMilliseconds, waitForCoreNow - lastWaitForCore, contentionsNow - lastContentions, (jitNow - lastJit).TotalMilliseconds);
        }

        lastJit = jitNow;
        lastContentions = contentionsNow;
        lastGc = gcNow;
        lastWaitForCore = waitForCoreNow;
        if (worker.Processed == before)
        {
            // A commit with checkpoints and no events: its time belongs to the gap before the next batch.
            longestWithCheckpoint = Math.Max(longestWithCheckpoint, gap);
            continue;
        }

        gaps.Add(gap);
        cpuGaps.Add(cpuGap);
        if (begunInBatch)
        {
            longestWithCheckpoint = Math.Max(longestWithCheckpoint, gap);
        }
    }

    var seconds = clock.Elapsed.TotalSeconds;
    var jitTotal = (System.Runtime.JitInfo.GetCompilationTime(currentThread: true) - startJit).TotalMilliseconds;
    var collections = string.Join("/", Enumerable.Range(0, 3).Select(generation => GC.CollectionCount(generation) - startCollections[generation]));
    var processed = worker.Processed - startProcessed;
    worker.Stop();
    worker.Dispose();
    listener.RecordObservableInstruments();
    Console.WriteLine($"  checkpoints {name,-12} {processed:N0} events in {seconds:F2} s = {processed / seconds:N0} events/s; {begins.Count} checkpoint intervals begun, {checkpoints} checkpoints completed; the worker compiled methods for {jitTotal:F1} ms; garbage collections of generations 0/1/2: {collections}");
    return new Result(name, processed / seconds, gaps, cpuGaps, begins, checkpoints, longestWithCheckpoint, longest);
}

internal sealed record Result(string Name, double Rate, List<double> Gaps, List<double> CpuGaps, List<double> Begins, long Checkpoints, double LongestGapWithCheckpoint, GapBreakdown Longest);

/// <summary>
/// Where one gap's wall time went: the worker's CPU, GC pauses (which stop every thread), and time it was runnable but
/// waiting for a core (other threads or processes on it). The rest, wall minus CPU minus waiting for a core, is time
/// it was blocked: in a lock, a wait or a disk read, or suspended by a GC. Contended locks are counted for the whole
/// process (Monitor.LockContentionCount): a hint whether the worker may have waited for one. JIT is the time the worker
/// spent compiling methods itself (a first call, or an on-stack replacement of a loop), part of its CPU.
/// </summary>
internal readonly record struct GapBreakdown(double Wall, double Cpu, double GcPause, double WaitingForCore, long LockContentions, double Jit)
{
    public double Blocked => Math.Max(0, Wall - Cpu - WaitingForCore);

    public override string ToString() =>
        $"{Wall:F1} ms = CPU {Cpu:F1} + waiting for a core {WaitingForCore:F1} + blocked {Blocked:F1} (GC pauses {GcPause:F1}; JIT on the worker {Jit:F1}; contended locks in the process {LockContentions})";
}

/// <summary>
/// The calling thread's CPU time (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>). On a shared machine a gap on the wall clock
/// also holds the time the worker waited for a core; its CPU time over the same gap is the work the worker did.
/// </summary>
internal static class ThreadCpu
{
    private const int ThreadCpuClock = 3;

    public static double Milliseconds() =>
        OperatingSystem.IsLinux() && ClockGetTime(ThreadCpuClock, out var time) == 0 ? (time.Seconds * 1e3) + (time.Nanoseconds / 1e6) : double.NaN;

    /// <summary>
    /// How long the calling thread has been runnable but waiting for a core, in total (Linux schedstat's run delay);
    /// NaN where the kernel does not say.
    /// </summary>
    public static double WaitingForCoreMilliseconds()
    {
        const string Path = "/proc/thread-self/schedstat";
        return File.Exists(Path) && long.TryParse(File.ReadAllText(Path).Split(' ')[1], NumberStyles.None, CultureInfo.InvariantCulture, out var nanoseconds)
            ? nanoseconds / 1e6
            : double.NaN;
    }

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

/// <summary>Settings shared by the runs.</summary>
internal static partial class Program
{
    public const int BatchSize = 512;
}
