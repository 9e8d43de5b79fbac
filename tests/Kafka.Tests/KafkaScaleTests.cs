using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Hosting;
using Faustish.Kafka.Tests.Support;
using Faustish.Tables;
using Faustish.Tests.Kafka;
using Faustish.Transport;
using Xunit.Abstractions;

namespace Faustish.Kafka.Tests;

/// <summary>
/// Scaling out and in on Kafka: app processes (the end-to-end worker, in child processes) share the group of the
/// CountClicks agent while members come and go, and the table they build is exact.
/// </summary>
[Collection(KafkaSystemTests.Name)]
public sealed class KafkaScaleTests(ITestOutputHelper output) : IDisposable
{
    private const string App = "e2e";
    private static readonly string Agent = CountClicks.Definition.Name;
    private const long Events = 500_000;
    private const int Users = 1_000;

    /// <summary>
    /// Fast enough that the 500,000 events take about 25 s to send, so they are still flowing while the fourth process
    /// joins and while one leaves (each a rebalance of about two session timeouts on the mock).
    /// </summary>
    private const double EventsPerSecond = 20_000;

    /// <summary>The mock broker's round trip (see where it is set).</summary>
    private const int RoundTripMs = 50;

    /// <summary>The bound of any one wait.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private static readonly AppModel ClicksModel = new([Clicks.Definition], [ClicksPerUser.Definition], [CountClicks.Definition]);

    /// <summary>
    /// The workers' settings. On librdkafka's mock cluster a rebalance round lasts the session timeout less a second
    /// (it waits that long for members to rejoin), and a cooperative rebalance that moves partitions takes two rounds:
    /// 6 s keeps a membership change near 10 s, while 12 heartbeats a session leave ample room on a loaded 2-core
    /// machine (heartbeats come from librdkafka's own threads, not from the workers' loops). max.poll.interval.ms only
    /// evicts a worker that does not fetch for a minute (stuck). Commits every 200 ms keep the last owner's
    /// uncommitted work small and the changelog within what the mock keeps.
    /// </summary>
    private static readonly Dictionary<string, string> WorkerSettings = new(StringComparer.Ordinal)
    {
        ["Faustish__CommitInterval"] = "00:00:00.200",
        ["Faustish__Kafka__Consumer__session.timeout.ms"] = "6000",
        ["Faustish__Kafka__Consumer__heartbeat.interval.ms"] = "500",
        ["Faustish__Kafka__Consumer__max.poll.interval.ms"] = "60000",
    };

    /// <summary>
    /// FAUSTISH_KAFKA_TESTS_DEBUG=1: the workers log their consumers' group protocol (librdkafka <c>debug=cgrp</c>) and the
    /// transport's debug lines, and every worker's full log is kept, passed or failed.
    /// </summary>
    private static readonly bool DebugLogs = Environment.GetEnvironmentVariable("FAUSTISH_KAFKA_TESTS_DEBUG") == "1";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "faustish-kafka-scale-" + Guid.NewGuid().ToString("N"));
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    [Fact]
    public async Task Three_processes_then_a_fourth_joins_and_one_leaves_while_500k_events_flow_counts_are_exact_and_no_partition_is_shared()
    {
        // The initial delay lets the first three processes (started together) form the group in one round.
        using var cluster = MockKafkaCluster.Start(brokers: 1, initialRebalanceDelayMs: 3000);
        // The mock answers no CreateTopics: create every topic the worker app declares (all its agents run), with its counts.
        foreach (var topic in new AppTopology(WorkerModel(), App).RequiredTopics())
        {
            cluster.CreateTopic(topic.Name, topic.Partitions);
        }

        cluster.CreateAssignmentBoard(App);

        // While members come and go, a network's round trip instead of loopback's microseconds. Without it the mock's
        // group coordinator, unlike Kafka's, makes rebalances race: it completes a round as soon as the leader's
        // SyncGroup arrives, answers a follower's SyncGroup that comes after it with INVALID_REQUEST (the follower
        // rejoins: a new round begins), and refuses every commit while members rejoin (Kafka accepts them). A member
        // revoking a partition then cannot commit its last positions, and the partition's next owner processes those
        // records again (at-least-once): a third of the runs counted a few thousand clicks twice. The leader needs one
        // more round trip than its followers before its SyncGroup (it reads the topics' metadata to assign), so a round
        // trip longer than a busy member's delay keeps the followers first. It is taken away once the group no longer
        // changes: the mock returns one record batch per partition and fetch, so it slows reading too.
        cluster.SetBrokerRtt(1, RoundTripMs);

        var logs = new LogCapture();
        using var loggers = logs.CreateFactory();
        var options = new FaustishOptions { AppId = App, Broker = "kafka://" + cluster.BootstrapServers, DataDirectory = Path.Combine(_root, "test") };
        await using var runtime = new FaustishRuntime(options.Validate(App), ClicksModel, loggers);

        var workers = new List<ChildApp>();
        var exits = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var epoch = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var sender = new PacedSender(runtime.CreateSender(), Events, EventsPerSecond,
            (s, i) => s.Send(Clicks.Definition, i % Users, new Click(i % Users, (int)(i % 50), epoch.AddMilliseconds(i))));
        try
        {
            // Three processes share the group while the first 100,000 events arrive.
            sender.OpenUpTo(100_000);
            for (var n = 1; n <= 3; n++)
            {
                workers.Add(StartWorker(n, cluster));
            }

            WaitUntil("the three processes share the four partitions", workers, sender, () =>
                workers.All(w => Held(w).Count > 0) && workers.SelectMany(Held).Distinct().Count() == 4);
            Log($"three processes own {Describe(workers)}; {sender.Sent:N0} events sent");

            // A fourth joins while the next 200,000 flow.
            sender.OpenUpTo(300_000);
            workers.Add(StartWorker(4, cluster));
            WaitUntil("the fourth process takes a partition (one each)", workers, sender, () => workers.All(w => Held(w).Count == 1));
            Log($"four processes own {Describe(workers)}; {sender.Sent:N0} events sent");

            // One of the first three leaves gracefully (SIGTERM) while the next 150,000 flow.
            sender.OpenUpTo(450_000);
            var leaving = workers[1];
            leaving.Terminate();
            Assert.True(leaving.WaitForExit(Bound), $"{leaving.Name} did not stop within {Bound} of SIGTERM:\n{leaving.Tail()}");
            exits[leaving.Name] = DateTimeOffset.UtcNow;
            Assert.True(leaving.ExitCode == 0, $"{leaving.Name} exited with {leaving.ExitCode}:\n{leaving.Tail()}");
            var staying = workers.Where(w => w != leaving).ToList();
            Log($"{leaving.Name} left; {sender.Sent:N0} events sent");

            cluster.SetBrokerRtt(1, 0);
            sender.OpenUpTo(Events);
            WaitUntil("the remaining three own every partition and all events are delivered", staying, sender, () =>
                sender.Done && staying.SelectMany(Held).Distinct().Count() == 4);
            Log($"all {Events:N0} events delivered; {Describe(staying)}");

            // Done when the changelog holds every event: the owners' commits (every 200 ms) write it.
            var counts = new Dictionary<long, long>();
            WaitUntil("the table counts every event", staying, sender, () =>
            {
                counts = ReadCounts(runtime);
                return counts.Values.Sum() >= Events;
            }, poll: TimeSpan.FromSeconds(1));
            Log($"the changelog counts {counts.Values.Sum():N0} events");

            foreach (var worker in staying)
            {
                worker.Terminate();
            }

            foreach (var worker in staying)
            {
                Assert.True(worker.WaitForExit(Bound), $"{worker.Name} did not stop within {Bound} of SIGTERM:\n{worker.Tail()}");
                exits[worker.Name] = DateTimeOffset.UtcNow;
                Assert.True(worker.ExitCode == 0, $"{worker.Name} exited with {worker.ExitCode}:\n{worker.Tail()}");
            }

            Log("all processes stopped");

            // Every record is still there (lz4 keeps each partition under what the mock retains) ...
            var clicksEnd = 0L;
            for (var p = 0; p < Clicks.Definition.Partitions; p++)
            {
                var input = runtime.Transport.GetWatermarks(new TopicPartition(Clicks.Definition.Name, p));
                var changelog = runtime.Transport.GetWatermarks(new TopicPartition(ClicksPerUser.Definition.ChangelogTopic(App), p));
                Assert.True(input.Low == 0, $"the mock dropped the oldest records of clicks[{p}] (low watermark {input.Low})");
                Assert.True(changelog.Low == 0, $"the mock dropped the oldest records of the changelog's partition {p} (low watermark {changelog.Low})");
                clicksEnd += input.High;
            }

            Assert.Equal(Events, clicksEnd);

            // ... and every key's count equals the input exactly: nothing lost, nothing counted twice.
            counts = ReadCounts(runtime);
            var expected = Enumerable.Range(0, Users).ToDictionary(k => (long)k, k => Events / Users + (k < Events % Users ? 1 : 0));
            var wrong = expected.Where(e => counts.GetValueOrDefault(e.Key) != e.Value)
                .Select(e => $"user {e.Key}: {counts.GetValueOrDefault(e.Key)} (expected {e.Value})").ToList();
            var extra = counts.Keys.Where(k => !expected.ContainsKey(k)).ToList();
            // A revoked partition whose last positions could not be committed is processed again by its next owner
            // (at-least-once); the transport says so. On librdkafka's mock cluster this happens when the group coordinator
            // refuses the revoking member's commit because a new round began (the mock refuses commits while members
            // rejoin, which Kafka accepts, and answers a follower's SyncGroup that comes after the leader's with
            // INVALID_REQUEST, which starts one): see the messages below.
            var givenUp = workers.SelectMany(w => w.Lines.Where(l => l.Text.Contains(" gave up clicks[", StringComparison.Ordinal))
                .Select(l => $"{w.Name}: {l.Text}")).ToList();
            // A record the client delivered twice to a member that kept its partition (the consumer says so).
            var again = workers.SelectMany(w => w.Lines.Where(l => l.Text.Contains(" again after records up to ", StringComparison.Ordinal))
                .Select(l => $"{w.Name}: {l.Text}")).ToList();
            Assert.True(wrong.Count == 0 && extra.Count == 0,
                $"{wrong.Count} of {Users} counts differ from the input (total {counts.Values.Sum():N0} of {Events:N0}); {extra.Count} unknown keys. " +
                $"First: {string.Join("; ", wrong.Take(10))}\n" +
                $"Positions given up at a revocation: {(givenUp.Count == 0 ? "none" : string.Join("\n", givenUp))}\n" +
                $"Records delivered again: {(again.Count == 0 ? "none" : string.Join("\n", again))}\n{Diagnostics(workers, exits)}");

            // No partition was processed by two processes at once, by the processes' own assignment logs; each process owned one.
            var intervals = workers.SelectMany(w => PartitionOwnership.Intervals(w, Agent, Clicks.Definition.Name, exits[w.Name])).ToList();
            foreach (var interval in intervals.OrderBy(i => i.Partition).ThenBy(i => i.Start))
            {
                Log("  " + interval);
            }

            var overlaps = PartitionOwnership.Overlaps(intervals);
            Assert.True(overlaps.Count == 0, "partitions processed by two processes at once: " + string.Join("; ", overlaps.Select(o => $"{o.First} and {o.Second}")));
            Assert.All(workers, w => Assert.True(intervals.Any(i => i.Process == w.Name), $"{w.Name} never processed a partition:\n{w.Tail()}"));
            Assert.All(intervals, i => Assert.True(i.Closed, $"{i.Process} stopped without releasing clicks[{i.Partition}]"));
            Assert.Equal(Enumerable.Range(0, Clicks.Definition.Partitions), intervals.Select(i => i.Partition).Distinct().Order());
            Log($"done in {_clock.Elapsed.TotalSeconds:F1} s");
        }
        catch
        {
            Log(Diagnostics(workers, exits));
            Log("full logs: " + ChildApp.SaveLogs(nameof(KafkaScaleTests), workers));
            throw;
        }
        finally
        {
            if (DebugLogs)
            {
                Log("full logs: " + ChildApp.SaveLogs(nameof(KafkaScaleTests), workers));
            }

            foreach (var worker in workers)
            {
                worker.Dispose();
            }
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>The worker app's whole model (every agent of it runs in each process), as its generated registry declares it.</summary>
    internal static AppModel WorkerModel()
    {
        // The worker assembly registers its generated model from its module initializer; this test assembly has none.
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(Clicks).Module.ModuleHandle);
        return AppModelRegistry.Current;
    }

    private ChildApp StartWorker(int n, MockKafkaCluster cluster)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"worker-{n}");
        var env = new Dictionary<string, string>(WorkerSettings);
        if (DebugLogs)
        {
            env["Faustish__Kafka__Consumer__debug"] = "cgrp";
            env["Logging__LogLevel__Faustish.Transport.Kafka"] = "Debug";
        }

        var worker = ChildApp.Start(name, ChildApp.AppPath("tests/EndToEnd.Worker", "Faustish.EndToEnd.Worker"),
            ["worker", "--app", App, "--data-dir", Path.Combine(_root, name), "--broker", "kafka://" + cluster.BootstrapServers], env);
        Log($"started {name}");
        return worker;
    }

    private static IReadOnlySet<int> Held(ChildApp worker) => PartitionOwnership.Held(worker, Agent, Clicks.Definition.Name);

    private static string Describe(IEnumerable<ChildApp> workers) =>
        string.Join(", ", workers.Select(w => $"{w.Name}: [{string.Join(",", Held(w).Order())}]"));

    /// <summary>The table rebuilt from its changelog, up to the watermarks.</summary>
    private static Dictionary<long, long> ReadCounts(FaustishRuntime runtime)
    {
        var shards = runtime.ReadTable(ClicksPerUser.Definition, CancellationToken.None);
        try
        {
            return shards.Cast<TableShard<long, long>>().SelectMany(s => s.Scan()).ToDictionary(e => e.Key, e => e.Value);
        }
        finally
        {
            foreach (var shard in shards)
            {
                shard.Dispose();
            }
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails if the time runs out, a worker exits or the sender fails.</summary>
    private void WaitUntil(string what, IReadOnlyList<ChildApp> workers, PacedSender sender, Func<bool> condition, TimeSpan? poll = null)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (workers.FirstOrDefault(w => w.HasExited) is { } gone)
            {
                throw new InvalidOperationException($"Waiting until {what}: {gone.Name} exited ({gone.ExitCode}).\n{gone.Tail()}");
            }

            if (waited.Elapsed > Bound)
            {
                throw new TimeoutException($"Not within {Bound}: {what}. {Describe(workers)}; {sender.Sent:N0} events sent.");
            }

            sender.ThrowIfFailed();
            Thread.Sleep(poll ?? TimeSpan.FromMilliseconds(100));
        }

        Log($"{what}: after {waited.Elapsed.TotalSeconds:F1} s");
    }

    private static string Diagnostics(IEnumerable<ChildApp> workers, Dictionary<string, DateTimeOffset> exits)
    {
        var lines = new List<string>();
        foreach (var worker in workers)
        {
            var end = exits.TryGetValue(worker.Name, out var exit) ? exit : DateTimeOffset.UtcNow;
            lines.Add($"--- {worker.Name}: {string.Join("; ", PartitionOwnership.Intervals(worker, Agent, Clicks.Definition.Name, end))}");
            lines.Add(worker.Tail(40));
        }

        return string.Join('\n', lines);
    }

    private void Log(string message) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,6:F1} s] {message}"));
}
