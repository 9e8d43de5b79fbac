using System;
using System.Collections.Generic;
using System.Linq;
using Faustish.EndToEnd.Worker;
using Faustish.Kafka.Tests.Support;
using Faustish.Transport;
using Xunit.Abstractions;
using static Faustish.Kafka.Tests.Support.GroupScenario;

namespace Faustish.Kafka.Tests;

/// <summary>
/// Failover on Kafka: three processes count 500,000 clicks; one is SIGKILLed mid-stream. With a standby replica the
/// process taking its partition over was the standby and replays almost nothing; without one it restores from its
/// checkpoint and the changelog. The standby test runs inside the first: standbys follow the changelogs, are re-placed
/// when a fourth process joins and leaves, and never process input.
/// </summary>
[Collection(KafkaSystemTests.Name)]
public sealed class KafkaFailoverTests(ITestOutputHelper output)
{
    private const long Events = 500_000;
    private const double EventsPerSecond = 25_000;

    [Fact]
    public void KafkaStandby_and_KafkaFailover_with_one_standby_the_process_taking_over_replays_under_one_percent_of_the_changelog()
    {
        using var scenario = new GroupScenario(output, nameof(KafkaFailoverTests) + "-standby");
        var settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["Faustish__StandbyReplicas"] = "1" };
        try
        {
            // While members come and go, a network's round trip (see KafkaScaleTests: the mock's racy SyncGroup).
            scenario.Cluster.SetBrokerRtt(1, 50);
            using var sender = scenario.Sender(Events, EventsPerSecond);
            sender.OpenUpTo(100_000);
            var first = Enumerable.Range(1, 3).Select(n => scenario.StartWorker(n, settings)).ToList();
            var workers = scenario.Workers;
            scenario.WaitUntil("three processes own the partitions and every partition has a standby elsewhere", first, sender,
                () => StandbysPlaced(first));
            scenario.Log(Describe(first));

            // KafkaStandby: standbys follow while the active writes, and a fourth process re-places them as it joins and leaves.
            sender.OpenUpTo(200_000);
            var fourth = scenario.StartWorker(4, settings);
            scenario.WaitUntil("the fourth process owns a partition and keeps a standby", workers, sender,
                () => workers.All(w => Held(w).Count == 1) && Standbys(fourth).Count > 0 && StandbysPlaced(workers));
            scenario.Log(Describe(workers));
            var left = DateTimeOffset.UtcNow;
            scenario.Stop(fourth);
            scenario.WaitUntil("the three own every partition again and the standbys are re-placed", first, sender, () => StandbysPlaced(first));
            scenario.Log(Describe(first));
            Assert.True(first.Any(w => StandbyLog.Intervals(w, Topic, DateTimeOffset.MaxValue).Any(i => i.Start > left)),
                "no process started a standby after the fourth left:\n" + scenario.Diagnostics());

            // KafkaFailover: a process owning one partition is killed; the balance gives it to the other process owning
            // one, which is where the placement keeps its standby.
            sender.OpenUpTo(350_000);
            scenario.WaitUntil("350,000 events are sent", first, sender, () => sender.Sent >= 350_000);
            var victim = first.First(w => Held(w).Count == 1);
            var partition = Held(victim).Single();
            var standby = first.Single(w => Standbys(w).Contains(partition));
            scenario.Log($"killing {victim.Name} (owns {Topic}[{partition}]; its standby is on {standby.Name}); {sender.Sent:N0} events sent");
            var killed = DateTimeOffset.UtcNow;
            victim.KillHard();
            scenario.Exits[victim.Name] = killed;
            var survivors = first.Where(w => w != victim).ToList();
            scenario.WaitUntil($"a survivor processes {Topic}[{partition}]", survivors, sender, () => survivors.Any(w => Held(w).Contains(partition)));
            var taker = survivors.Single(w => Held(w).Contains(partition));
            var changelog = scenario.Runtime.Transport.GetWatermarks(new TopicPartition(ClicksPerUser.Definition.ChangelogTopic(App), partition));
            var restore = StandbyLog.Restores(taker, Table, partition, killed).Last();
            var processing = PartitionOwnership.Intervals(taker, Agent, Topic, DateTimeOffset.MaxValue).Last(i => i.Partition == partition).Start;
            scenario.Log($"{taker.Name} took {Topic}[{partition}] over: replayed {restore.Records:N0} of the changelog's {changelog.High:N0} offsets; " +
                $"kill to processing {(processing - killed).TotalSeconds:F1} s. {restore.Line}");
            Assert.Equal(standby.Name, taker.Name);
            Assert.True(taker.CountLines($"hands its standby of {Topic}[{partition}] over") > 0, $"{taker.Name} did not take over from its standby:\n{taker.Tail()}");
            Assert.True(restore.FromCheckpoint, restore.Line);
            Assert.True(restore.Records < changelog.High / 100, $"{taker.Name} replayed {restore.Records:N0} records, not under 1% of {changelog.High:N0}: {restore.Line}");

            // At-least-once: nothing lost (the victim's uncommitted work is processed again, so counts may be higher).
            scenario.Cluster.SetBrokerRtt(1, 0);
            sender.OpenUpTo(Events);
            FinishAndCheckNoCountLost(scenario, sender, survivors);
            NoStandbyEverProcessed(scenario);
        }
        catch
        {
            scenario.Log(scenario.Diagnostics());
            throw;
        }
    }

    [Fact]
    public void KafkaFailover_without_standbys_the_process_taking_over_restores_from_checkpoint_and_changelog()
    {
        using var scenario = new GroupScenario(output, nameof(KafkaFailoverTests) + "-cold");
        try
        {
            scenario.Cluster.SetBrokerRtt(1, 50);
            using var sender = scenario.Sender(Events, EventsPerSecond);
            sender.OpenUpTo(250_000);
            var first = Enumerable.Range(1, 3).Select(n => scenario.StartWorker(n)).ToList();
            scenario.WaitUntil("three processes own the four partitions", first, sender,
                () => first.All(w => Held(w).Count > 0) && first.SelectMany(Held).Distinct().Count() == 4);
            scenario.WaitUntil("250,000 events are sent", first, sender, () => sender.Sent >= 250_000);

            var victim = first.First(w => Held(w).Count == 1);
            var partition = Held(victim).Single();
            var changelogPartition = new TopicPartition(ClicksPerUser.Definition.ChangelogTopic(App), partition);
            scenario.WaitUntil($"{victim.Name} has written 2,000 changelog records of {Topic}[{partition}]", first, sender,
                () => scenario.Runtime.Transport.GetWatermarks(changelogPartition).High >= 2_000);
            scenario.Log($"killing {victim.Name} (owns {Topic}[{partition}]); {sender.Sent:N0} events sent");
            var killed = DateTimeOffset.UtcNow;
            victim.KillHard();
            scenario.Exits[victim.Name] = killed;
            sender.OpenUpTo(350_000);
            var survivors = first.Where(w => w != victim).ToList();
            scenario.WaitUntil($"a survivor processes {Topic}[{partition}]", survivors, sender, () => survivors.Any(w => Held(w).Contains(partition)));
            var taker = survivors.Single(w => Held(w).Contains(partition));
            var changelog = scenario.Runtime.Transport.GetWatermarks(new TopicPartition(ClicksPerUser.Definition.ChangelogTopic(App), partition));
            var restore = StandbyLog.Restores(taker, Table, partition, killed).Last();
            var processing = PartitionOwnership.Intervals(taker, Agent, Topic, DateTimeOffset.MaxValue).Last(i => i.Partition == partition).Start;
            scenario.Log($"{taker.Name} took {Topic}[{partition}] over: replayed {restore.Records:N0} of the changelog's {changelog.High:N0} offsets; " +
                $"kill to processing {(processing - killed).TotalSeconds:F1} s. {restore.Line}");
            Assert.Equal(0, taker.CountLines("standby"));
            Assert.True(restore.Records >= 1_000 && restore.Records >= changelog.High / 100,
                $"{taker.Name} replayed only {restore.Records:N0} of {changelog.High:N0} without a standby: {restore.Line}");

            scenario.Cluster.SetBrokerRtt(1, 0);
            sender.OpenUpTo(Events);
            FinishAndCheckNoCountLost(scenario, sender, survivors);
        }
        catch
        {
            scenario.Log(scenario.Diagnostics());
            throw;
        }
    }

    /// <summary>Every partition owned by one process and kept as a standby by another (with three or four processes, N = 1).</summary>
    private static bool StandbysPlaced(IReadOnlyList<ChildApp> workers) =>
        workers.SelectMany(Held).Distinct().Count() == 4 && workers.Sum(w => Held(w).Count) == 4
        && workers.SelectMany(Standbys).Distinct().Count() == 4 && workers.Sum(w => Standbys(w).Count) == 4
        && workers.All(w => !Held(w).Overlaps(Standbys(w)));

    private static void FinishAndCheckNoCountLost(GroupScenario scenario, PacedSender sender, List<ChildApp> survivors)
    {
        scenario.WaitUntil("all events are delivered and counted", survivors, sender, () => sender.Done && scenario.ReadCounts().Values.Sum() >= Events,
            poll: TimeSpan.FromSeconds(1));
        scenario.StopAll(survivors);

        var counts = scenario.ReadCounts();
        var lost = Expected(Events).Where(e => counts.GetValueOrDefault(e.Key) < e.Value)
            .Select(e => $"user {e.Key}: {counts.GetValueOrDefault(e.Key)} (expected at least {e.Value})").ToList();
        scenario.Log($"the table counts {counts.Values.Sum():N0} clicks of {Events:N0} (at-least-once: the killed process's uncommitted work is counted again)");
        Assert.True(lost.Count == 0, $"{lost.Count} counts lost clicks: {string.Join("; ", lost.Take(10))}");
    }

    /// <summary>No process ever processed a partition while it kept a standby of it, by its own log.</summary>
    private static void NoStandbyEverProcessed(GroupScenario scenario)
    {
        foreach (var worker in scenario.Workers)
        {
            var end = scenario.Exits.GetValueOrDefault(worker.Name, DateTimeOffset.UtcNow);
            var processed = PartitionOwnership.Intervals(worker, Agent, Topic, end);
            var standbys = StandbyLog.Intervals(worker, Topic, end);
            var both = standbys.SelectMany(s => processed.Where(p => p.Partition == s.Partition && p.Overlaps(s)).Select(p => $"{s} and {p}")).ToList();
            Assert.True(both.Count == 0, $"{worker.Name} processed partitions it kept standbys of: {string.Join("; ", both)}");
        }
    }
}
