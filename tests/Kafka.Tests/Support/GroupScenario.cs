using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Hosting;
using Faustish.Tables;
using Faustish.Tables.Standby;
using Faustish.Tests.Kafka;
using Xunit.Abstractions;

namespace Faustish.Kafka.Tests.Support;

/// <summary>
/// What the multi-process Kafka tests share: a mock cluster with the end-to-end worker's topics, an in-test runtime to
/// send clicks and read the table, worker processes of CountClicks in child processes, and bounded waits that fail
/// with every worker's log when a worker exits or the time runs out.
/// </summary>
internal sealed class GroupScenario : IDisposable
{
    public const string App = "e2e";
    public const int Users = 1_000;
    public static readonly string Agent = CountClicks.Definition.Name;
    public static readonly string Topic = Clicks.Definition.Name;
    public static readonly string Table = ClicksPerUser.Definition.Name;

    /// <summary>The bound of any one wait.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    /// <summary>As in <see cref="KafkaScaleTests"/>: membership changes near 10 s on the mock, commits every 200 ms.</summary>
    private static readonly Dictionary<string, string> WorkerSettings = new(StringComparer.Ordinal)
    {
        ["Faustish__CommitInterval"] = "00:00:00.200",
        ["Faustish__CheckpointInterval"] = "00:00:02",
        ["Faustish__Kafka__Consumer__session.timeout.ms"] = "6000",
        ["Faustish__Kafka__Consumer__heartbeat.interval.ms"] = "500",
        ["Faustish__Kafka__Consumer__max.poll.interval.ms"] = "60000",
        // Whether a partition was restored from a checkpoint or by a full replay, and from which offset, is logged at
        // Debug (per table); the failover tests read those lines.
        ["Logging__LogLevel__Faustish.Agents"] = "Debug",
    };

    private static readonly AppModel ClicksModel = new([Clicks.Definition], [ClicksPerUser.Definition], [CountClicks.Definition]);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "faustish-kafka-group-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;
    private readonly string _test;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly LogCapture _logs = new();
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _loggers;

    public GroupScenario(ITestOutputHelper output, string test)
    {
        _output = output;
        _test = test;
        // The initial delay lets the first three processes (started together) form the group in one round.
        Cluster = MockKafkaCluster.Start(brokers: 1, initialRebalanceDelayMs: 3000);
        foreach (var topic in new AppTopology(KafkaScaleTests.WorkerModel(), App).RequiredTopics())
        {
            Cluster.CreateTopic(topic.Name, topic.Partitions);
        }

        Cluster.CreateTopic(AssignmentBoard.TopicOf(App), 1);
        _loggers = _logs.CreateFactory();
        var options = new FaustishOptions { AppId = App, Broker = "kafka://" + Cluster.BootstrapServers, DataDirectory = Path.Combine(_root, "test") };
        Runtime = new FaustishRuntime(options.Validate(App), ClicksModel, _loggers);
    }

    public MockKafkaCluster Cluster { get; }

    public FaustishRuntime Runtime { get; }

    public List<ChildApp> Workers { get; } = [];

    public Dictionary<string, DateTimeOffset> Exits { get; } = new(StringComparer.Ordinal);

    /// <summary>Clicks 0 … <paramref name="events"/>-1, user i % <see cref="Users"/>, paced.</summary>
    public PacedSender Sender(long events, double perSecond)
    {
        var epoch = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return new PacedSender(Runtime.CreateSender(), events, perSecond,
            (s, i) => s.Send(Clicks.Definition, i % Users, new Click(i % Users, (int)(i % 50), epoch.AddMilliseconds(i))));
    }

    public ChildApp StartWorker(int n, IReadOnlyDictionary<string, string>? settings = null)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"worker-{n}");
        var env = new Dictionary<string, string>(WorkerSettings);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        var worker = ChildApp.Start(name, ChildApp.AppPath("tests/EndToEnd.Worker", "Faustish.EndToEnd.Worker"),
            ["worker", "--app", App, "--data-dir", DataDirectory(name), "--broker", "kafka://" + Cluster.BootstrapServers], env);
        Workers.Add(worker);
        Log($"started {name}");
        return worker;
    }

    public string DataDirectory(string worker) => Path.Combine(_root, worker);

    public static IReadOnlySet<int> Held(ChildApp worker) => PartitionOwnership.Held(worker, Agent, Topic);

    public static IReadOnlySet<int> Standbys(ChildApp worker) => StandbyLog.Kept(worker, Topic);

    public static string Describe(IEnumerable<ChildApp> workers) =>
        string.Join(", ", workers.Select(w => $"{w.Name}: [{string.Join(",", Held(w).Order())}] standby [{string.Join(",", Standbys(w).Order())}]"));

    /// <summary>Stops a worker with SIGTERM and checks it exits cleanly.</summary>
    public void Stop(ChildApp worker)
    {
        worker.Terminate();
        if (!worker.WaitForExit(Bound))
        {
            throw new TimeoutException($"{worker.Name} did not stop within {Bound} of SIGTERM:\n{worker.Tail()}");
        }

        Exits[worker.Name] = DateTimeOffset.UtcNow;
        if (worker.ExitCode != 0)
        {
            throw new InvalidOperationException($"{worker.Name} exited with {worker.ExitCode}:\n{worker.Tail()}");
        }
    }

    /// <summary>Stops workers with SIGTERM all at once (one rebalance instead of one each) and checks they exit cleanly.</summary>
    public void StopAll(IReadOnlyList<ChildApp> workers)
    {
        foreach (var worker in workers)
        {
            worker.Terminate();
        }

        foreach (var worker in workers)
        {
            Stop(worker);
        }
    }

    /// <summary>The table rebuilt from its changelog, up to the watermarks.</summary>
    public Dictionary<long, long> ReadCounts()
    {
        var shards = Runtime.ReadTable(ClicksPerUser.Definition, CancellationToken.None);
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

    /// <summary>What each user's count must be after <paramref name="events"/> clicks.</summary>
    public static Dictionary<long, long> Expected(long events) =>
        Enumerable.Range(0, Users).ToDictionary(k => (long)k, k => events / Users + (k < events % Users ? 1 : 0));

    /// <summary>Polls <paramref name="condition"/> until it holds; fails if the time runs out, a running worker exits or the sender fails.</summary>
    /// <param name="state">What the condition last saw, for the failure message.</param>
    public void WaitUntil(string what, IEnumerable<ChildApp> workers, PacedSender? sender, Func<bool> condition, TimeSpan? poll = null, Func<string>? state = null)
    {
        var watched = workers.ToList();
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (watched.FirstOrDefault(w => w.HasExited) is { } gone)
            {
                throw new InvalidOperationException($"Waiting until {what}: {gone.Name} exited ({gone.ExitCode}).\n{gone.Tail()}");
            }

            if (waited.Elapsed > Bound)
            {
                throw new TimeoutException($"Not within {Bound}: {what}. {state?.Invoke()} {Describe(watched)}; {sender?.Sent:N0} events sent.");
            }

            sender?.ThrowIfFailed();
            Thread.Sleep(poll ?? TimeSpan.FromMilliseconds(100));
        }

        Log($"{what}: after {waited.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Every worker's ownership and standby intervals and log tail, for failure messages.</summary>
    public string Diagnostics()
    {
        var lines = new List<string>();
        foreach (var worker in Workers)
        {
            var end = Exits.TryGetValue(worker.Name, out var exit) ? exit : DateTimeOffset.UtcNow;
            lines.Add($"--- {worker.Name}: {string.Join("; ", PartitionOwnership.Intervals(worker, Agent, Topic, end))}; standbys {string.Join("; ", StandbyLog.Intervals(worker, Topic, end))}");
            lines.Add(worker.Tail(40));
        }

        lines.Add("full logs: " + ChildApp.SaveLogs(_test, Workers));
        return string.Join('\n', lines);
    }

    public void Log(string message) =>
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,6:F1} s] {message}"));

    public void Dispose()
    {
        foreach (var worker in Workers)
        {
            worker.Dispose();
        }

        Runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _loggers.Dispose();
        Cluster.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
