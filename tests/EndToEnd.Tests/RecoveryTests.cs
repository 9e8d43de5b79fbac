using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Faustish.EndToEnd.Worker;
using Faustish.Hosting;
using Faustish.Tables;
using Faustish.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Faustish.EndToEnd.Tests;

/// <summary>
/// Workers restore their tables from local checkpoints plus the changelog after them: after a clean stop almost
/// nothing is replayed, and after SIGKILL the checkpoint plus the changelog tail equals the whole changelog.
/// </summary>
public sealed class RecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public void A_restart_after_a_clean_stop_replays_less_than_1_percent_of_the_changelog()
    {
        const int Users = 120_000;
        var directory = TestApp.NewDirectory();
        try
        {
            using (var first = new TestApp(TestApp.ClicksModel, directory: directory))
            {
                first.Send(sender =>
                {
                    for (var user = 0; user < Users; user++)
                    {
                        sender.Send(Clicks.Definition, user, new Click(user, 1, DateTimeOffset.UnixEpoch.AddSeconds(user)));
                    }
                });
                var worker = first.RunUntil(Users);
                Assert.All(worker.Restores, r => Assert.Equal(RestoreSource.Changelog, r.Source));
            }

            long changelogRecords;
            using (var second = new TestApp(TestApp.ClicksModel, directory: directory))
            {
                changelogRecords = CountChangelog(second);
                second.Send(sender =>
                {
                    for (var user = 0; user < 1_000; user++)
                    {
                        sender.Send(Clicks.Definition, user, new Click(user, 2, DateTimeOffset.UnixEpoch.AddSeconds(user)));
                    }
                });
                var worker = second.RunUntil(1_000);
                var replayed = worker.Restores.Sum(r => r.RecordsReplayed);
                output.WriteLine($"changelog records: {changelogRecords:N0}; replayed after a clean stop: {replayed:N0} ({string.Join(", ", worker.Restores.Select(r => $"[{r.Partition}] {r.Source} {r.RecordsReplayed}"))})");
                Assert.Equal(4, worker.Restores.Count);
                Assert.All(worker.Restores, r => Assert.Equal(RestoreSource.Checkpoint, r.Source));
                Assert.True(changelogRecords >= 100_000, $"only {changelogRecords} changelog records");
                Assert.True(replayed * 100 < changelogRecords, $"replayed {replayed} of {changelogRecords} changelog records");
            }

            // The increments after the restart landed on the restored counts.
            using var check = new TestApp(TestApp.ClicksModel, directory: directory);
            var counts = check.ReadTable(ClicksPerUser.Definition);
            Assert.Equal(Users, counts.Count);
            for (var user = 0; user < Users; user++)
            {
                Assert.Equal(user < 1_000 ? 2 : 1, counts[user]);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void After_SIGKILL_a_checkpoint_plus_the_changelog_tail_equals_the_whole_changelog()
    {
        const int Users = 20_000;
        const int PerUser = 10;
        var directory = TestApp.NewDirectory();
        try
        {
            using (var seed = new TestApp(TestApp.ClicksModel, directory: directory))
            {
                seed.Send(sender =>
                {
                    for (var i = 0; i < Users * PerUser; i++)
                    {
                        sender.Send(Clicks.Definition, i % Users, new Click(i % Users, i % 7, DateTimeOffset.UnixEpoch.AddSeconds(i)));
                    }
                });
            }

            var random = new Random(20261127);
            var killed = 0;
            var restoredFromCheckpoints = 0;
            for (var round = 0; round < 4; round++)
            {
                using var worker = ChildWorker.Start(directory, Clicks.Definition.Name, settings: new Dictionary<string, string> { ["CheckpointInterval"] = "00:00:00.200" });
                worker.WaitUntilProcessing(TimeSpan.FromSeconds(60), partitions: Clicks.Definition.Partitions);
                // Kill at a random moment after the worker's first checkpoint (on a loaded machine one can take a second).
                worker.WaitForLine("covers the changelog up to offset", TimeSpan.FromSeconds(30));
                Thread.Sleep(random.Next(0, 800));
                if (!worker.HasExited)
                {
                    worker.Kill();
                    killed++;
                }

                Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), "The killed worker did not exit.");
                restoredFromCheckpoints += worker.Output.Split('\n').Count(l => l.Contains("restored from checkpoint", StringComparison.Ordinal));
            }

            // Right after the last kill: what a restart loads (checkpoint + tail) equals the whole changelog, key by key.
            var (fromCheckpoints, tail) = CompareRestoredStoresWithTheChangelog(directory);

            using (var last = ChildWorker.Start(directory, Clicks.Definition.Name, settings: new Dictionary<string, string> { ["CheckpointInterval"] = "00:00:00.200" }))
            {
                Assert.True(last.WaitForExit(TimeSpan.FromMinutes(3)), "The final worker did not finish within 3 minutes.");
                Assert.True(last.ExitCode == 0, $"The final worker exited with {last.ExitCode}. Output:\n{last.Output}");
                restoredFromCheckpoints += last.Output.Split('\n').Count(l => l.Contains("restored from checkpoint", StringComparison.Ordinal));
            }

            CompareRestoredStoresWithTheChangelog(directory);
            using var check = new TestApp(TestApp.ClicksModel, directory: directory);
            var counts = check.ReadTable(ClicksPerUser.Definition);
            var total = counts.Values.Sum();
            output.WriteLine($"kills: {killed}; partitions restored from a checkpoint by workers: {restoredFromCheckpoints}; after the last kill {fromCheckpoints} of 4 partitions had a checkpoint, plus {tail:N0} tail records; counted {total:N0} of {Users * PerUser:N0} events (at-least-once duplicates: {total - (Users * PerUser):N0})");
            Assert.True(killed >= 1, "No worker was killed while running.");
            Assert.True(restoredFromCheckpoints >= 1, "No worker restored from a checkpoint.");
            Assert.Equal(Users, counts.Count);
            Assert.All(counts, c => Assert.True(c.Value >= PerUser, $"user {c.Key} counted {c.Value} < {PerUser}"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Restores each partition as a worker would and compares every key with a full replay of the changelog.</summary>
    private static (int FromCheckpoints, long Tail) CompareRestoredStoresWithTheChangelog(string directory)
    {
        using var app = new TestApp(TestApp.ClicksModel, directory: directory);
        var expected = app.ReadTable(ClicksPerUser.Definition);
        var manager = new TableStateManager(app.Runtime.Transport, app.Options, app.Runtime.Metrics, NullLogger.Instance);
        var fromCheckpoints = 0;
        long tail = 0;
        var seen = 0;
        for (var partition = 0; partition < 4; partition++)
        {
            using var shard = (TableShard<long, long>)ClicksPerUser.Definition.OpenShard(partition, StoreKind.Faster, manager.StoreOptionsFor(ClicksPerUser.Definition, partition));
            var changelog = new TopicPartition(ClicksPerUser.Definition.ChangelogTopic(app.Options.AppId), partition);
            manager.Restore(shard, changelog, CancellationToken.None);
            var restore = manager.Restores[^1];
            if (restore.Source == RestoreSource.Checkpoint)
            {
                fromCheckpoints++;
                tail += restore.RecordsReplayed;
            }

            foreach (var (user, count) in expected)
            {
                if (shard.TryGet(user, out var actual))
                {
                    seen++;
                    Assert.Equal(count, actual);
                }
            }

            manager.Release(partition, checkpoint: false);
        }

        Assert.Equal(expected.Count, seen);
        return (fromCheckpoints, tail);
    }

    private static long CountChangelog(TestApp app)
    {
        long count = 0;
        var batch = new RecordBatch();
        for (var partition = 0; partition < 4; partition++)
        {
            using var reader = app.Runtime.Transport.OpenReader(new TopicPartition(ClicksPerUser.Definition.ChangelogTopic(app.Options.AppId), partition), Offsets.Beginning);
            for (var i = 0; i < 100_000 && reader.Fetch(batch, 4096, TimeSpan.Zero, CancellationToken.None); i++)
            {
                count += batch.Count;
            }
        }

        return count;
    }
}
