using System;
using System.Linq;
using Faustish.EndToEnd.Worker;
using Faustish.Transport;
using Xunit.Abstractions;

namespace Faustish.EndToEnd.Tests;

/// <summary>
/// Kafka Streams' record cache: within one commit interval the changelog receives only the latest value of each
/// key, so a million increments of a thousand counters cost a thousand changelog records, not a million.
/// </summary>
public sealed class WriteCacheTests(ITestOutputHelper output)
{
    [Fact]
    public void A_million_increments_over_1000_keys_in_one_commit_interval_write_at_most_1000_changelog_records()
    {
        const int Events = 1_000_000;
        const int Users = 1_000;
        using var app = new TestApp(TestApp.ClicksModel); // CommitInterval: one hour, so the run is one interval
        app.Send(sender =>
        {
            for (var i = 0; i < Events; i++)
            {
                sender.Send(Clicks.Definition, i % Users, new Click(i % Users, 1, System.DateTimeOffset.UnixEpoch));
            }
        });

        app.RunUntil(Events); // stops with one commit: the only one of the run

        long changelogRecords = 0;
        for (var partition = 0; partition < Clicks.Definition.Partitions; partition++)
        {
            changelogRecords += DeadLetterTests.ReadAll(app, new TopicPartition("e2e-clicks-per-user-changelog", partition)).Count;
        }

        output.WriteLine($"{Events:N0} increments over {Users:N0} keys -> {changelogRecords:N0} changelog records");
        Assert.True(changelogRecords <= Users, $"{changelogRecords} changelog records for {Users} keys in one commit interval.");
        var counts = app.ReadTable(ClicksPerUser.Definition);
        Assert.Equal(Users, counts.Count);
        Assert.All(counts.Values, count => Assert.Equal(Events / Users, count));
    }
    [Fact]
    public void A_write_cache_bounded_to_16_keys_with_commits_every_10_ms_loses_no_increment_and_commits_every_position()
    {
        const int Events = 200_000;
        const int Users = 5_000;
        using var app = new TestApp(TestApp.ClicksModel, options =>
        {
            options.WriteCacheKeys = 16; // far fewer than the keys of a batch: most keys are flushed early
            options.CommitInterval = TimeSpan.FromMilliseconds(10); // commits begin while earlier ones become durable
        });
        app.Send(sender =>
        {
            for (var i = 0; i < Events; i++)
            {
                sender.Send(Clicks.Definition, i % Users, new Click(i % Users, 1, DateTimeOffset.UnixEpoch));
            }
        });

        var caughtUp = false;
        app.RunUntil(Events, worker =>
        {
            var deadline = System.Diagnostics.Stopwatch.StartNew();
            while (!(caughtUp = worker.IsCaughtUp()) && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                worker.RunOnce();
            }
        });

        Assert.True(caughtUp, "The worker's committed positions did not reach the end of its input within 30 s.");
        long changelogRecords = 0;
        for (var partition = 0; partition < Clicks.Definition.Partitions; partition++)
        {
            changelogRecords += DeadLetterTests.ReadAll(app, new TopicPartition("e2e-clicks-per-user-changelog", partition)).Count;
        }

        output.WriteLine($"{Events:N0} increments over {Users:N0} keys, 16 cached keys per partition -> {changelogRecords:N0} changelog records");
        Assert.True(changelogRecords > Users, $"{changelogRecords} changelog records: the write cache never flushed early.");
        var counts = app.ReadTable(ClicksPerUser.Definition); // rebuilt from the changelog
        Assert.Equal(Users, counts.Count);
        Assert.All(counts.Values, count => Assert.Equal(Events / Users, count));
    }
}
