using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Hosting;
using Faustish.Kafka.Tests.Support;
using Faustish.Tables;
using Faustish.Tests.Kafka;
using Faustish.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Faustish.Kafka.Tests;

/// <summary>
/// Brokers failing under a running app: the CountClicks agent runs in this process (the worker service of the
/// <c>worker</c> command, on a Kafka runtime), so its metrics can be read as an exporter reads them.
/// </summary>
[Collection(KafkaSystemTests.Name)]
public sealed class KafkaBrokerFaultTests(ITestOutputHelper output) : IDisposable
{
    private const string App = "e2e";
    private const int Users = 500;
    private const int PhaseEvents = 10_000;
    private const string Unavailable = "faustish.transport.brokers_unavailable";
    private const string Outages = "faustish.transport.outages";

    /// <summary>The bound of any one wait.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static readonly AppModel ClicksModel = new([Clicks.Definition], [ClicksPerUser.Definition], [CountClicks.Definition]);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-kafka-fault-" + Guid.NewGuid().ToString("N"));
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly LogCapture _logs = new();
    private long _sent;

    [Fact]
    public async Task One_broker_down_for_5_s_then_all_down_for_10_s_lose_no_event_and_the_outage_is_logged_and_measured()
    {
        using var cluster = MockKafkaCluster.Start(brokers: 3);
        // Every topic the app needs, replicated on all three brokers (the mock does not move leaders to live replicas:
        // a partition led by a broker that is down waits for it, as producers, fetches and commits then must).
        foreach (var topic in new AppTopology(ClicksModel, App).RequiredTopics())
        {
            cluster.CreateTopic(topic.Name, topic.Partitions, replicationFactor: 3);
        }

        cluster.CreateAssignmentBoard(App, replicationFactor: 3);

        using var metrics = new MetricReader(Unavailable, Outages);
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Faustish:AppId"] = App,
            ["Faustish:DataDirectory"] = _directory,
            ["Faustish:Broker"] = "kafka://" + cluster.BootstrapServers,
            ["Faustish:CommitInterval"] = "00:00:00.200",
        };
        // The default session timeout (45 s) outlasts both outages: the worker keeps its partitions throughout.
        using var host = FaustishApp.BuildHost(settings, ClicksModel, new WorkerRunOptions(), builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(_logs);
        });
        var runtime = host.Services.GetRequiredService<FaustishRuntime>();
        var sender = runtime.CreateSender();
        using var producer = sender.Producer;
        var epoch = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        try
        {
            await host.StartAsync().WaitAsync(Bound);
            WaitUntil("the worker processes all four partitions", () => _logs.Entries.Count(e => e.Message.Contains(" restored clicks[", StringComparison.Ordinal)) >= 4);
            Assert.Equal(0, metrics.Read(Unavailable));
            Assert.Equal(0, metrics.Read(Outages));

            // Before: the pipeline works.
            Send(sender, PhaseEvents, TimeSpan.Zero, epoch);
            Flush(producer);
            WaitForCount(runtime, _sent);
            Log($"{_sent:N0} events counted before the outages");

            // One broker of three down for 5 s while events keep coming; its partitions wait for it.
            cluster.SetBrokerDown(1);
            Log("broker 1 down");
            var singleSamples = Send(sender, PhaseEvents, TimeSpan.FromSeconds(5), epoch, () => metrics.Read(Unavailable));
            cluster.SetBrokerUp(1);
            Log($"broker 1 up; the unavailable gauge read {string.Join("", singleSamples)} meanwhile");
            Send(sender, PhaseEvents, TimeSpan.Zero, epoch);
            Flush(producer);
            WaitForCount(runtime, _sent);
            var outagesAfterOne = metrics.Read(Outages);
            Log($"{_sent:N0} events counted after broker 1 came back; outages counted: {outagesAfterOne}");

            // All three down for 10 s while events keep coming: producers buffer and retry, the worker waits.
            var logsBefore = _logs.Entries.Count;
            for (var broker = 1; broker <= cluster.BrokerCount; broker++)
            {
                cluster.SetBrokerDown(broker);
            }

            Log("all brokers down");
            var allSamples = Send(sender, PhaseEvents, TimeSpan.FromSeconds(10), epoch, () => metrics.Read(Unavailable));
            var upAt = DateTimeOffset.UtcNow;
            for (var broker = 1; broker <= cluster.BrokerCount; broker++)
            {
                cluster.SetBrokerUp(broker);
            }

            Log($"all brokers up; the unavailable gauge read {string.Join("", allSamples)} meanwhile");

            // After: more events, then every one of them is in the table.
            Send(sender, PhaseEvents, TimeSpan.Zero, epoch);
            Flush(producer);
            WaitForCount(runtime, _sent);
            Log($"{_sent:N0} events counted after the outage");
            WaitUntil("the transport reports the brokers reachable", () => metrics.Read(Unavailable) == 0 && !runtime.Metrics.BrokersUnavailable);
            var outageLogs = _logs.Entries.Skip(logsBefore).Where(e => e.Category.StartsWith("Faustish.Transport.Kafka", StringComparison.Ordinal)).ToList();
            using (var stopping = new CancellationTokenSource(Bound))
            {
                await host.StopAsync(stopping.Token);
            }

            foreach (var entry in _logs.Entries.Where(e => e.Level >= LogLevel.Warning).Take(40))
            {
                Log("  " + entry);
            }

            Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Critical);
            Assert.True(host.Services.GetServices<IHostedService>().OfType<FaustishWorkerService>().Single().ExecuteTask is { IsCompletedSuccessfully: true },
                "the worker service failed");

            // No event lost, none counted twice; the producer's retries wrote no duplicate either.
            var counts = ReadCounts(runtime);
            var expected = Enumerable.Range(0, Users).ToDictionary(k => (long)k, k => _sent / Users + (k < _sent % Users ? 1 : 0));
            var wrong = expected.Where(e => counts.GetValueOrDefault(e.Key) != e.Value)
                .Select(e => $"user {e.Key}: {counts.GetValueOrDefault(e.Key)} (expected {e.Value})").ToList();
            Assert.True(wrong.Count == 0 && counts.Count == Users,
                $"{wrong.Count} counts differ from the input (total {counts.Values.Sum():N0} of {_sent:N0}): {string.Join("; ", wrong.Take(10))}");
            var records = Enumerable.Range(0, Clicks.Definition.Partitions)
                .Select(p => runtime.Transport.GetWatermarks(new TopicPartition(Clicks.Definition.Name, p)))
                .Sum(w => w.High - w.Low);
            Assert.Equal(_sent, records);

            // The outage was logged by the transport, with how long it lasted, and the metrics showed it while it lasted.
            var unreachable = Assert.Single(outageLogs, e => e.Level == LogLevel.Warning && e.Message.Contains("are unreachable", StringComparison.Ordinal));
            var reachable = Assert.Single(outageLogs, e => e.Level == LogLevel.Information && e.Message.Contains("are reachable again after", StringComparison.Ordinal));
            Assert.True(unreachable.Logged < upAt, $"the outage was logged only after the brokers came back: {unreachable}");
            Assert.True(reachable.Logged > upAt, $"the end of the outage was logged before the brokers came back: {reachable}");
            Assert.Contains(1L, allSamples);
            // One broker of three down is no outage: the others answer.
            Assert.All(singleSamples, sample => Assert.Equal(0, sample));
            Assert.Equal(0, outagesAfterOne);
            Assert.Equal(0, metrics.Read(Unavailable));
            Assert.True(metrics.Read(Outages) > outagesAfterOne, $"the outage counter did not move ({metrics.Read(Outages)})");
            Log($"done in {_clock.Elapsed.TotalSeconds:F1} s");
        }
        catch
        {
            Log("log:\n" + _logs.Tail(200));
            throw;
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>
    /// Sends <paramref name="count"/> events in ten equal chunks spread over <paramref name="over"/>; returns what
    /// <paramref name="sample"/> read after each chunk.
    /// </summary>
    private List<long> Send(RecordSender sender, int count, TimeSpan over, DateTimeOffset epoch, Func<long>? sample = null)
    {
        const int Chunks = 10;
        var samples = new List<long>();
        var started = Stopwatch.StartNew();
        for (var chunk = 0; chunk < Chunks; chunk++)
        {
            for (var i = 0; i < count / Chunks; i++)
            {
                var n = _sent++;
                sender.Send(Clicks.Definition, n % Users, new Click(n % Users, (int)(n % 50), epoch.AddMilliseconds(n)));
            }

            if (sample is not null)
            {
                samples.Add(sample());
            }

            // Pacing, not synchronisation: the outage lasts its time whatever happens.
            var due = over * (chunk + 1) / Chunks - started.Elapsed;
            if (due > TimeSpan.Zero)
            {
                Thread.Sleep(due);
            }
        }

        return samples;
    }

    private static void Flush(IRecordProducer producer)
    {
        using var timeout = new CancellationTokenSource(Bound);
        producer.Flush(timeout.Token);
    }

    private void WaitForCount(FaustishRuntime runtime, long events) =>
        WaitUntil($"the table counts {events:N0} events", () => ReadCounts(runtime).Values.Sum() >= events, TimeSpan.FromMilliseconds(500));

    private static Dictionary<long, long> ReadCounts(FaustishRuntime runtime)
    {
        IReadOnlyList<ITableShard> shards;
        try
        {
            shards = runtime.ReadTable(ClicksPerUser.Definition, CancellationToken.None);
        }
        catch (InvalidOperationException exception) when (exception.Message.Contains("does not exist", StringComparison.Ordinal))
        {
            // The mock cluster creates a changelog partition with its first record, which the worker writes at its first
            // commit with a change: until then there is nothing to count.
            return [];
        }

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

    private void WaitUntil(string what, Func<bool> condition, TimeSpan? poll = null)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > Bound)
            {
                throw new TimeoutException($"Not within {Bound}: {what}.");
            }

            Thread.Sleep(poll ?? TimeSpan.FromMilliseconds(100));
        }

        Log($"{what}: after {waited.Elapsed.TotalSeconds:F1} s");
    }

    private void Log(string message) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,6:F1} s] {message}"));
}
