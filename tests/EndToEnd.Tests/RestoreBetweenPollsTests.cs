using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Faustish.EndToEnd.Worker;
using Faustish.Routing;
using Faustish.Tables;
using Faustish.Transport;
using Xunit.Abstractions;

namespace Faustish.EndToEnd.Tests;

/// <summary>
/// A newly assigned partition restores its tables between polls, paused, never inside the assignment callback: the
/// worker's other partitions flow meanwhile, and a restore cut short by a revoke resumes where it stopped.
/// </summary>
public sealed class RestoreBetweenPollsTests(ITestOutputHelper output)
{
    private const int ChangelogRecords = 300_000;

    [Fact]
    public void Other_partitions_are_processed_while_one_partition_restores_a_long_changelog()
    {
        using var app = new TestApp(TestApp.ClicksModel, options => options.PollTimeout = TimeSpan.FromMilliseconds(5));
        FillChangelogOfPartition0(app);
        var clicks = SendClicksOutsidePartition0(app, 2_000);

        var worker = app.Runtime.CreateWorkers(TestApp.Services).Single();
        worker.Start(CancellationToken.None);
        var processedWhileRestoring = 0L;
        var deadline = Stopwatch.StartNew();
        try
        {
            while ((worker.IsRestoring || worker.Processed < clicks) && deadline.Elapsed < TimeSpan.FromSeconds(60))
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

        output.WriteLine($"processed while partition 0 restored: {processedWhileRestoring:N0} of {clicks:N0}");
        Assert.False(worker.IsRestoring);
        Assert.Equal(clicks, worker.Processed);
        Assert.True(processedWhileRestoring > 0, "no record of partitions 1-3 was processed while partition 0 restored");
        var restore = Assert.Single(worker.Restores, r => r.Partition == 0);
        Assert.Equal(ChangelogRecords, restore.RecordsReplayed);
    }

    [Fact]
    public void A_restore_cut_short_by_a_revoke_resumes_where_it_stopped()
    {
        var directory = TestApp.NewDirectory();
        try
        {
            long firstApplied;
            using (var first = new TestApp(TestApp.ClicksModel, options => options.PollTimeout = TimeSpan.FromMilliseconds(5), directory))
            {
                FillChangelogOfPartition0(first);
                var worker = first.Runtime.CreateWorkers(TestApp.Services).Single();
                worker.Start(CancellationToken.None);
                try
                {
                    // A few slices: partition 0 is part-way through its changelog when the worker leaves the group.
                    for (var turn = 0; turn < 5; turn++)
                    {
                        worker.RunOnce();
                    }

                    Assert.True(worker.IsRestoring);
                }
                finally
                {
                    worker.Stop();
                    worker.Dispose();
                }

                Assert.DoesNotContain(worker.Restores, r => r.Partition == 0);
            }

            using (var second = new TestApp(TestApp.ClicksModel, directory: directory))
            {
                var worker = second.RunUntil(0, w =>
                {
                    var deadline = Stopwatch.StartNew();
                    while (!w.Restores.Any(r => r.Partition == 0) && deadline.Elapsed < TimeSpan.FromSeconds(60))
                    {
                        w.RunOnce();
                    }
                });

                var restore = Assert.Single(worker.Restores, r => r.Partition == 0);
                firstApplied = restore.FromOffset;
                output.WriteLine($"first worker applied {firstApplied:N0} records before the revoke; the second replayed {restore.RecordsReplayed:N0} from checkpoint {restore.CheckpointSequence}");
                Assert.Equal(RestoreSource.Checkpoint, restore.Source);
                Assert.InRange(firstApplied, 1, ChangelogRecords - 1);
                Assert.Equal(ChangelogRecords - firstApplied, restore.RecordsReplayed);

                var counts = second.ReadTable(ClicksPerUser.Definition);
                Assert.Equal(ChangelogRecords, counts.Count);
            }
        }
        finally
        {
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>Writes <see cref="ChangelogRecords"/> counts straight into partition 0 of the table's changelog.</summary>
    private static void FillChangelogOfPartition0(TestApp app)
    {
        var changelog = new TopicPartition(ClicksPerUser.Definition.ChangelogTopic(app.Options.AppId), 0);
        using var producer = app.Runtime.Transport.CreateProducer();
        Span<byte> key = stackalloc byte[8];
        Span<byte> value = stackalloc byte[8];
        for (long user = 0; user < ChangelogRecords; user++)
        {
            BinaryPrimitives.WriteInt64BigEndian(key, user);
            BinaryPrimitives.WriteInt64BigEndian(value, 1);
            producer.Produce(changelog, key, false, value, false, 0);
        }

        producer.Flush(CancellationToken.None);
    }

    /// <summary>Sends clicks of users whose partition is not 0; returns how many.</summary>
    private static long SendClicksOutsidePartition0(TestApp app, int users)
    {
        long sent = 0;
        app.Send(sender =>
        {
            Span<byte> key = stackalloc byte[8];
            for (long user = 0; user < users; user++)
            {
                BinaryPrimitives.WriteInt64BigEndian(key, user);
                if (KafkaPartitioner.Partition(key, Clicks.Definition.Partitions) != 0)
                {
                    sender.Send(Clicks.Definition, user, new Click(user, 1, DateTimeOffset.UnixEpoch.AddSeconds(user)));
                    sent++;
                }
            }
        });
        return sent;
    }
}
