using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Hosting;
using Faustish.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Faustish.Tests.Timers;

/// <summary>
/// <c>[Timer]</c>, <c>[Crontab]</c>, <c>[OnStart]</c> and <c>[OnStop]</c> on the embedded log, driven by a fake clock: the
/// worker runs on its own thread, the test moves time and waits (bounded) for what should happen. "Nothing happened yet"
/// is checked after the worker has gone round its loop twice since the clock moved, never after a sleep.
/// </summary>
public sealed class TimerTests
{
    private static readonly AppModel Model = new([TimerClicks.Definition, TimerReports.Definition], [TimerClickCounts.Definition], [CountTimerClicks.Definition]);

    [Fact]
    public async Task Interval_timers_fire_every_interval_on_each_owned_partition_and_skip_ticks_missed_while_late()
    {
        var start = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
        await using var run = await TimerRun.StartAsync(start);
        run.WaitForLog("start", 2, "both partitions never started");

        run.Clock.Advance(TimeSpan.FromSeconds(9));
        run.WaitTurns();
        Assert.Empty(run.Log.Of("report"));

        run.Clock.Advance(TimeSpan.FromSeconds(1));
        run.WaitForLog("report", 2, "the first tick never fired");
        run.Clock.Advance(TimeSpan.FromSeconds(10));
        run.WaitForLog("report", 4, "the second tick never fired");

        // 35 s late: one run now, ticks +30 s, +40 s and +50 s skipped, the next at +60 s as scheduled.
        run.Clock.Advance(TimeSpan.FromSeconds(35));
        run.WaitForLog("report", 6, "the late tick never fired");
        run.WaitTurns();
        Assert.Equal(6, run.Log.Of("report").Length);
        run.Clock.Advance(TimeSpan.FromSeconds(4));
        run.WaitTurns();
        Assert.Equal(6, run.Log.Of("report").Length);
        run.Clock.Advance(TimeSpan.FromSeconds(1));
        run.WaitForLog("report", 8, "the tick after the skipped ones never fired");

        var reports = run.Log.Of("report");
        Assert.Equal(
            [10, 10, 20, 20, 55, 55, 60, 60],
            reports.Select(r => (int)(r.At - start).TotalSeconds));
        Assert.All(reports.GroupBy(r => r.At), tick => Assert.Equal([0, 1], tick.Select(r => r.Partition).Order()));
    }

    [Fact]
    public async Task A_crontab_in_Paris_fires_on_the_leader_only_at_half_past_two_local_time_across_the_spring_DST_change()
    {
        // Paris moves from UTC+1 to UTC+2 at 02:00 local on 29 March 2026: that night 02:30 does not exist, and Cronos
        // runs the job when the clocks have jumped (03:00 local, 01:00 UTC).
        var start = new DateTimeOffset(2026, 3, 27, 12, 0, 0, TimeSpan.Zero);
        await using var run = await TimerRun.StartAsync(start);
        run.WaitForLog("start", 2, "both partitions never started");

        DateTimeOffset[] expected =
        [
            new(2026, 3, 28, 1, 30, 0, TimeSpan.Zero), // 02:30 CET
            new(2026, 3, 29, 1, 0, 0, TimeSpan.Zero),  // 03:00 CEST, right after the gap
            new(2026, 3, 30, 0, 30, 0, TimeSpan.Zero), // 02:30 CEST
        ];
        foreach (var (instant, index) in expected.Select((instant, index) => (instant, index)))
        {
            // A second early: nothing; then at the instant: one run.
            run.Clock.SetUtcNow(instant - TimeSpan.FromSeconds(1));
            run.WaitTurns();
            Assert.Equal(index, run.Log.Of("nightly").Length);
            run.Clock.SetUtcNow(instant);
            run.WaitForLog("nightly", index + 1, $"the run at {instant:O} never came");
        }

        var nightly = run.Log.Of("nightly");
        Assert.Equal(expected, nightly.Select(n => n.At));
        Assert.All(nightly, n => Assert.Equal(0, n.Partition));
    }

    [Fact]
    public async Task A_timer_reads_its_partitions_table_and_its_sends_land_on_the_topic()
    {
        var start = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
        await using var run = await TimerRun.StartAsync(start);
        run.WaitForLog("start", 2, "both partitions never started");
        run.SendClicks(("home", 3), ("about", 2), ("home", 4));
        run.WaitFor(() => run.Worker.Processed == 3, "the clicks were never processed");

        run.Clock.Advance(TimeSpan.FromSeconds(10));
        var reports = run.WaitForReports(2, "the timer's reports never landed on timer-reports");
        Assert.Equal([("about", 2L), ("home", 7L)], reports.OrderBy(r => r.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task OnStart_runs_before_the_first_timer_and_OnStop_after_the_last_with_its_sends_committed()
    {
        var start = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
        await using var run = await TimerRun.StartAsync(start);
        run.WaitForLog("start", 2, "both partitions never started");
        run.SendClicks(("home", 1));
        run.WaitFor(() => run.Worker.Processed == 1, "the click was never processed");
        run.Clock.Advance(TimeSpan.FromSeconds(10));
        run.WaitForLog("report", 2, "the timer never fired");

        run.StopWorker();

        var order = run.Log.Entries.Select(e => e.What).ToArray();
        Assert.Equal(["start", "start", "report", "report", "stop", "stop"], order);
        Assert.Equal([0, 1], run.Log.Of("stop").Select(s => s.Partition).Order());
        var stopped = run.WaitForReports(3, "the [OnStop] hooks' sends were not committed").Where(r => r.Key.StartsWith("stopped-", StringComparison.Ordinal));
        Assert.Equal(["stopped-0", "stopped-1"], stopped.Select(r => r.Key).Order(StringComparer.Ordinal));
    }

    /// <summary>One worker of the timer app on the embedded log, its loop on a thread of its own, and a fake clock.</summary>
    private sealed class TimerRun : IAsyncDisposable
    {
        private readonly string _directory;
        private readonly FaustishRuntime _runtime;
        private readonly CancellationTokenSource _stop = new();
        private Thread? _thread;
        private long _turns;

        private TimerRun(DateTimeOffset start)
        {
            _directory = Path.Combine(Path.GetTempPath(), "faustish-timers-" + Guid.NewGuid().ToString("N"));
            Clock = new FakeTimeProvider(start);
            Log = new TimerLog(Clock);
            var options = new FaustishOptions
            {
                AppId = "timers",
                DataDirectory = _directory,
                PollTimeout = TimeSpan.FromMilliseconds(10),
                CommitInterval = TimeSpan.FromMilliseconds(50),
            };
            options.Validate("timers");
            _runtime = new FaustishRuntime(options, Model, NullLoggerFactory.Instance) { Clock = Clock };
        }

        public FakeTimeProvider Clock { get; }

        public TimerLog Log { get; }

        public AgentWorker Worker { get; private set; } = null!;

        public static async Task<TimerRun> StartAsync(DateTimeOffset start)
        {
            var run = new TimerRun(start);
            await run._runtime.EnsureTopicsAsync(CancellationToken.None);
            run.Worker = run._runtime.CreateWorkers(new ServiceCollection().AddSingleton(run.Log).BuildServiceProvider()).Single();
            run._thread = new Thread(run.Loop) { IsBackground = true, Name = "timer-test-worker" };
            run._thread.Start();
            return run;
        }

        private void Loop()
        {
            Worker.Start(_stop.Token);
            var deadline = Stopwatch.StartNew();
            while (!_stop.IsCancellationRequested && deadline.Elapsed < TimeSpan.FromSeconds(120))
            {
                Worker.RunOnce();
                Interlocked.Increment(ref _turns);
            }

            Worker.Stop();
        }

        /// <summary>Waits until the worker has gone round its loop twice more, so it has seen the clock as it is now.</summary>
        public void WaitTurns()
        {
            var from = Interlocked.Read(ref _turns);
            WaitFor(() => Interlocked.Read(ref _turns) >= from + 2, "the worker stopped turning");
        }

        /// <summary>
        /// Waits until the log holds <paramref name="count"/> entries of <paramref name="what"/>, then until the worker has
        /// finished that turn (a run ends after its log entry: moving the clock before would make it skip a tick).
        /// </summary>
        public void WaitForLog(string what, int count, string message)
        {
            WaitFor(() => Log.Of(what).Length >= count, message);
            WaitTurns();
            Assert.Equal(count, Log.Of(what).Length);
        }

        public void WaitFor(Func<bool> condition, string what)
        {
            var deadline = Stopwatch.StartNew();
            while (!condition())
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"Timed out: {what}");
                Assert.True(_thread!.IsAlive || _stop.IsCancellationRequested, $"The worker thread ended early, while waiting: {what}");
                Thread.Sleep(5);
            }
        }

        public void SendClicks(params (string Page, long Clicks)[] clicks)
        {
            var sender = _runtime.CreateSender();
            using var producer = sender.Producer;
            foreach (var (page, count) in clicks)
            {
                sender.Send(TimerClicks.Definition, page, count);
            }

            producer.Flush(CancellationToken.None);
        }

        /// <summary>Reads timer-reports until it holds <paramref name="count"/> records (bounded).</summary>
        public List<(string Key, long Value)> WaitForReports(int count, string what)
        {
            var records = new List<(string Key, long Value)>();
            WaitFor(() =>
            {
                records = ReadReports();
                return records.Count >= count;
            }, what);
            return records;
        }

        private List<(string Key, long Value)> ReadReports()
        {
            var result = new List<(string, long)>();
            using var reader = _runtime.Transport.OpenReader(new TopicPartition(TimerReports.Definition.Name, 0), Offsets.Beginning);
            var batch = new RecordBatch();
            while (reader.Fetch(batch, 100, TimeSpan.Zero, CancellationToken.None))
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    ref readonly var record = ref batch[i];
                    result.Add((TimerReports.Definition.KeyCodec.Read(batch.KeyOf(in record)), TimerReports.Definition.ValueCodec.Read(batch.ValueOf(in record))));
                }
            }

            return result;
        }

        public void StopWorker()
        {
            _stop.Cancel();
            Assert.True(_thread!.Join(TimeSpan.FromSeconds(30)), "The worker did not stop within 30 seconds");
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _thread?.Join(TimeSpan.FromSeconds(30));
            await _runtime.DisposeAsync();
            _stop.Dispose();
            if (Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
    }
}
