using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Hosting;
using Faustish.Routing;
using Faustish.Tables;
using Faustish.Tests.Kafka;
using Faustish.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Faustish.Kafka.Tests;

/// <summary>
/// On Kafka a restore runs between polls: one longer than <c>max.poll.interval.ms</c> finishes without the worker
/// leaving its group while its other partitions are processed, and a restore cut short by the worker leaving resumes
/// from its progress when the partition is taken again.
/// </summary>
public sealed class KafkaRestoreTests(ITestOutputHelper output)
{
    /// <summary>
    /// Enough for a restore of several seconds (over ten times max.poll.interval.ms), and well under the ~5 MiB per
    /// partition the mock cluster keeps: at 700,000 it dropped its oldest records in two of five full runs (the bytes
    /// stored depend on how the producer happened to batch and compress them).
    /// </summary>
    private const int ChangelogRecords = 400_000;
    private const int MaxPollIntervalMs = 600;
    private static readonly AppModel Model = new([Clicks.Definition], [ClicksPerUser.Definition], [CountClicks.Definition]);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_restore_longer_than_max_poll_interval_keeps_the_worker_in_its_group_while_other_partitions_flow()
    {
        using var cluster = StartCluster();
        var directory = NewDirectory();
        var logs = new CapturingLoggers();
        try
        {
            var runtime = Runtime(cluster, directory, logs);
            await using (runtime.ConfigureAwait(false))
            {
                FillChangelogOfPartition0(runtime);
                var clicks = SendClicks(runtime, users: 3_000, partition0: false);

                var worker = runtime.CreateWorkers(Services).Single();
                worker.Start(CancellationToken.None);
                long processedWhileRestoring = 0;
                try
                {
                    var waited = Stopwatch.StartNew();
                    while ((worker.IsRestoring || worker.Processed < clicks || worker.Restores.Count < 4) && waited.Elapsed < Bound)
                    {
                        worker.RunOnce();
                        if (worker.IsRestoring)
                        {
                            processedWhileRestoring = worker.Processed;
                        }
                    }
                }
                finally
                {
                    worker.Stop();
                    worker.Dispose();
                }

                var restore = Assert.Single(worker.Restores, r => r.Partition == 0);
                output.WriteLine($"partition 0 restored {restore.RecordsReplayed:N0} records in {restore.Elapsed.TotalMilliseconds:F0} ms (max.poll.interval.ms {MaxPollIntervalMs}); " +
                    $"{processedWhileRestoring:N0} of {clicks:N0} records of partitions 1-3 processed meanwhile");
                Assert.Equal(ChangelogRecords, restore.RecordsReplayed);
                Assert.True(restore.Elapsed > TimeSpan.FromMilliseconds(MaxPollIntervalMs),
                    $"the restore took {restore.Elapsed.TotalMilliseconds:F0} ms, not longer than max.poll.interval.ms: raise ChangelogRecords");
                Assert.True(processedWhileRestoring > 0, "no record of partitions 1-3 was processed while partition 0 restored");
                Assert.Equal(clicks, worker.Processed);

                // In the group throughout: one assignment, nothing lost, nothing revoked before the final stop.
                Assert.Single(logs.Lines("took clicks["));
                Assert.Empty(logs.Lines("lost"));
                Assert.Single(logs.Lines("released clicks["));
            }
        }
        finally
        {
            Delete(directory);
        }
    }

    [Fact]
    public async Task A_restore_cut_short_by_a_rebalance_resumes_from_its_progress()
    {
        using var cluster = StartCluster();
        var directory = NewDirectory();
        try
        {
            long firstApplied;
            var first = Runtime(cluster, directory, new CapturingLoggers());
            await using (first.ConfigureAwait(false))
            {
                FillChangelogOfPartition0(first);
                var worker = first.CreateWorkers(Services).Single();
                worker.Start(CancellationToken.None);
                try
                {
                    // Assigned, and part-way through partition 0's changelog, when the worker leaves the group. Wait for
                    // partition 0's restore itself (the only one with records to replay): the empty partitions' restores
                    // can begin and end before it starts, when the assignment comes in pieces.
                    var waited = Stopwatch.StartNew();
                    while ((!worker.IsRestoring || first.Metrics.RestoreRemaining == 0) && waited.Elapsed < Bound)
                    {
                        worker.RunOnce();
                    }

                    while (first.Metrics.RestoreRemaining is 0 or > ChangelogRecords - 50_000 && worker.IsRestoring && waited.Elapsed < Bound)
                    {
                        worker.RunOnce();
                    }

                    Assert.True(worker.IsRestoring, "the restore ended before the worker could leave mid-way");
                }
                finally
                {
                    worker.Stop();
                    worker.Dispose();
                }
            }

            // The group's next member (same process state) takes the partitions and resumes partition 0 where it stopped.
            var second = Runtime(cluster, directory, new CapturingLoggers());
            await using (second.ConfigureAwait(false))
            {
                var clicks = SendClicks(second, users: 2_000, partition0: true);
                var worker = second.CreateWorkers(Services).Single();
                worker.Start(CancellationToken.None);
                try
                {
                    var waited = Stopwatch.StartNew();
                    while ((worker.IsRestoring || worker.Processed < clicks) && waited.Elapsed < Bound)
                    {
                        worker.RunOnce();
                    }

                    worker.Commit();
                }
                finally
                {
                    worker.Stop();
                    worker.Dispose();
                }

                var restore = Assert.Single(worker.Restores, r => r.Partition == 0);
                firstApplied = restore.FromOffset;
                output.WriteLine($"the first member applied {firstApplied:N0} records; the second resumed from checkpoint {restore.CheckpointSequence} and replayed {restore.RecordsReplayed:N0}");
                Assert.Equal(RestoreSource.Checkpoint, restore.Source);
                Assert.InRange(firstApplied, 1, ChangelogRecords - 1);
                Assert.Equal(ChangelogRecords - firstApplied, restore.RecordsReplayed);
                Assert.Equal(clicks, worker.Processed);

                // Each clicked user of partition 0 had 1 in the restored table: now 2, so no restored key is missing.
                var counts = ReadTable(second);
                foreach (var user in UsersOf(partition0: true, 2_000))
                {
                    Assert.Equal(2, counts[user]);
                }
            }
        }
        finally
        {
            Delete(directory);
        }
    }

    private static IServiceProvider Services { get; } = new ServiceCollection().BuildServiceProvider();

    private static MockKafkaCluster StartCluster()
    {
        var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("clicks", partitions: 4);
        cluster.CreateTopic("e2e-clicks-per-user-changelog", partitions: 4);
        cluster.CreateTopic("e2e-dead-letters", partitions: 1);
        cluster.CreateAssignmentBoard("e2e");
        return cluster;
    }

    private static FaustishRuntime Runtime(MockKafkaCluster cluster, string directory, ILoggerFactory logs)
    {
        var options = new FaustishOptions
        {
            AppId = "e2e",
            DataDirectory = directory,
            Broker = "kafka://" + cluster.BootstrapServers,
            CommitInterval = TimeSpan.FromMilliseconds(100),
            PollTimeout = TimeSpan.FromMilliseconds(20),
        };
        options.Kafka.Consumer["max.poll.interval.ms"] = MaxPollIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        options.Kafka.Consumer["session.timeout.ms"] = MaxPollIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        options.Kafka.Consumer["heartbeat.interval.ms"] = "100";
        options.Validate("e2e");
        return new FaustishRuntime(options, Model, logs);
    }

    /// <summary>Writes a count of 1 for users 0 … <see cref="ChangelogRecords"/> − 1 straight into partition 0 of the table's changelog.</summary>
    private static void FillChangelogOfPartition0(FaustishRuntime runtime)
    {
        var changelog = new TopicPartition(ClicksPerUser.Definition.ChangelogTopic(runtime.Options.AppId), 0);
        using (var producer = runtime.Transport.CreateProducer())
        {
            Span<byte> key = stackalloc byte[8];
            Span<byte> value = stackalloc byte[8];
            BinaryPrimitives.WriteInt64BigEndian(value, 1);
            for (long user = 0; user < ChangelogRecords; user++)
            {
                BinaryPrimitives.WriteInt64BigEndian(key, user);
                producer.Produce(changelog, key, false, value, false, 0);
            }

            producer.Flush(CancellationToken.None);
        }

        // The mock cluster silently drops the oldest records beyond about 5 MiB per partition: make sure it kept all.
        var watermarks = runtime.Transport.GetWatermarks(changelog);
        Assert.Equal(new Watermarks(0, ChangelogRecords), watermarks);
    }

    /// <summary>Sends one click for each user (of <paramref name="users"/>) that is, or is not, on partition 0; returns how many.</summary>
    private static long SendClicks(FaustishRuntime runtime, int users, bool partition0)
    {
        var sender = runtime.CreateSender();
        using var producer = sender.Producer;
        long sent = 0;
        foreach (var user in UsersOf(partition0, users))
        {
            sender.Send(Clicks.Definition, user, new Click(user, 1, DateTimeOffset.UnixEpoch.AddSeconds(user)));
            sent++;
        }

        producer.Flush(CancellationToken.None);
        return sent;
    }

    private static IEnumerable<long> UsersOf(bool partition0, int users)
    {
        var key = new byte[8];
        for (long user = 0; user < users; user++)
        {
            BinaryPrimitives.WriteInt64BigEndian(key, user);
            if (KafkaPartitioner.Partition(key, Clicks.Definition.Partitions) == 0 == partition0)
            {
                yield return user;
            }
        }
    }

    private static Dictionary<long, long> ReadTable(FaustishRuntime runtime)
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

    private static string NewDirectory() => Path.Combine(Path.GetTempPath(), "faustish-kafka-restore-" + Guid.NewGuid().ToString("N"));

    private static void Delete(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Keeps every line any logger of the app writes at Information or above.</summary>
    private sealed class CapturingLoggers : ILoggerFactory, ILogger
    {
        private readonly List<string> _lines = [];

        public List<string> Lines(string containing)
        {
            lock (_lines)
            {
                return [.. _lines.Where(l => l.Contains(containing, StringComparison.Ordinal))];
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lock (_lines)
                {
                    _lines.Add(formatter(state, exception));
                }
            }
        }
    }
}
