using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Faustish.Transport;
using Faustish.Transport.Kafka;

namespace Faustish.Tests.Kafka;

/// <summary>Kafka group consumers against the mock cluster: assignment, batches, pause/resume/seek, commits, closing.</summary>
public sealed class KafkaGroupConsumerTests
{
    private static readonly TimeSpan Bound = KafkaTestCluster.Bound;

    [Theory]
    [InlineData(KafkaFetchPath.Client)]
    [InlineData(KafkaFetchPath.InPlace)]
    public async Task A_lone_member_gets_every_partition_reads_one_partition_per_batch_and_close_revokes_all(KafkaFetchPath fetchPath)
    {
        await using var kafka = KafkaTestCluster.Start(fetchPath: fetchPath);
        kafka.Cluster.CreateTopic("events", partitions: 3);
        for (var p = 0; p < 3; p++)
        {
            kafka.Produce("events", p, 50, prefix: $"p{p}-");
        }

        var listener = new RecordingListener();
        using var consumer = kafka.Transport.CreateGroupConsumer("g", ["events"], listener);
        var seen = FetchUntil(consumer, 150, maxRecords: 16);

        Assert.Equal([P("events", 0), P("events", 1), P("events", 2)], consumer.Assignment);
        Assert.Equal("assigned:events[0],events[1],events[2]", Assert.Single(listener.Events));
        for (var p = 0; p < 3; p++)
        {
            // Every record once, in order, within its partition.
            Assert.Equal(Enumerable.Range(0, 50).Select(i => $"p{p}-{i}"), seen.Where(r => r.Partition == p).Select(r => r.Value));
            Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), seen.Where(r => r.Partition == p).Select(r => r.Offset));
        }

        consumer.Close();
        Assert.Equal("revoked:events[0],events[1],events[2]", listener.Events.Last());
        Assert.Empty(consumer.Assignment);
    }

    [Theory]
    [InlineData(KafkaFetchPath.Client)]
    [InlineData(KafkaFetchPath.InPlace)]
    public async Task Commits_are_read_back_and_a_new_member_starts_from_them(KafkaFetchPath fetchPath)
    {
        await using var kafka = KafkaTestCluster.Start(fetchPath: fetchPath);
        kafka.Cluster.CreateTopic("orders", partitions: 2);
        kafka.Produce("orders", 0, 10);
        kafka.Produce("orders", 1, 10);

        using (var first = kafka.Transport.CreateGroupConsumer("billing", ["orders"], new RecordingListener()))
        {
            FetchUntil(first, 20);
            Assert.Null(first.Committed(P("orders", 0)));
            first.Commit([new TopicPartitionOffset("orders", 0, 4), new TopicPartitionOffset("orders", 1, 10)]);
            Assert.Equal(4, first.Committed(P("orders", 0)));
            Assert.Equal(10, first.Committed(P("orders", 1)));

            var membership = first.Membership;
            Assert.Equal("billing", membership.GroupId);
            Assert.False(string.IsNullOrEmpty(membership.MemberId));
            Assert.True(membership.Generation > 0);
            Assert.IsAssignableFrom<Confluent.Kafka.IConsumerGroupMetadata>(membership.TransportState);
            first.Close();
        }

        using var second = kafka.Transport.CreateGroupConsumer("billing", ["orders"], new RecordingListener());
        var rest = FetchUntil(second, 6);
        Assert.Equal(Enumerable.Range(4, 6).Select(i => $"v{i}"), rest.Select(r => r.Value));
        Assert.All(rest, r => Assert.Equal(0, r.Partition));
        Assert.False(second.Fetch(new RecordBatch(), 10, TimeSpan.FromMilliseconds(300), CancellationToken.None));
        second.Close();
    }

    [Theory]
    [InlineData(KafkaFetchPath.Client)]
    [InlineData(KafkaFetchPath.InPlace)]
    public async Task Two_members_split_the_partitions_and_a_cooperative_rebalance_revokes_only_what_moves(KafkaFetchPath fetchPath)
    {
        await using var kafka = KafkaTestCluster.Start(fetchPath: fetchPath);
        kafka.Cluster.CreateTopic("clicks", partitions: 4);
        var la = new RecordingListener();
        var lb = new RecordingListener();
        using var a = kafka.Transport.CreateGroupConsumer("split", ["clicks"], la);
        Pump(() => a.Assignment.Count == 4, a);

        using var b = kafka.Transport.CreateGroupConsumer("split", ["clicks"], lb);
        Pump(() => a.Assignment.Count == 2 && b.Assignment.Count == 2, a, b);

        Assert.Empty(a.Assignment.Intersect(b.Assignment));
        Assert.Equal(4, a.Assignment.Union(b.Assignment).Count());
        var revoked = Assert.Single(la.Events, e => e.StartsWith("revoked:", StringComparison.Ordinal));
        Assert.Equal(2, revoked.Split(',').Length); // only the two that moved to b
        Assert.Equal(la.Owned.OrderBy(p => p.Partition), a.Assignment);
        Assert.Equal(lb.Owned.OrderBy(p => p.Partition), b.Assignment);

        // Records reach the member that owns their partition.
        for (var p = 0; p < 4; p++)
        {
            kafka.Produce("clicks", p, 5, prefix: $"p{p}-");
        }

        var seen = new List<(string Member, int Partition)>();
        var clock = Stopwatch.StartNew();
        var batch = new RecordBatch();
        while (seen.Count < 20 && clock.Elapsed < Bound)
        {
            foreach (var (name, consumer) in new[] { ("a", a), ("b", b) })
            {
                if (consumer.Fetch(batch, 100, TimeSpan.FromMilliseconds(50), CancellationToken.None))
                {
                    seen.AddRange(Enumerable.Repeat((name, batch.Partition), batch.Count));
                }
            }
        }

        Assert.Equal(20, seen.Count);
        Assert.All(seen, s => Assert.Contains(P("clicks", s.Partition), s.Member == "a" ? a.Assignment : b.Assignment));
        a.Close();
        b.Close();
    }

    [Theory]
    [InlineData(KafkaFetchPath.Client)]
    [InlineData(KafkaFetchPath.InPlace)]
    public async Task Partitions_paused_inside_OnAssigned_return_nothing_until_resumed_and_then_everything_from_the_start(KafkaFetchPath fetchPath)
    {
        await using var kafka = KafkaTestCluster.Start(fetchPath: fetchPath);
        kafka.Cluster.CreateTopic("restore-me", partitions: 2);
        kafka.Produce("restore-me", 0, 30);
        kafka.Produce("restore-me", 1, 30);

        IGroupConsumer? consumer = null;
        var listener = new RecordingListener();
        // As a worker does: pause new partitions in the callback (librdkafka has not assigned them yet), restore between fetches.
        listener.WhenAssigned = partitions => consumer!.Pause(partitions);
        consumer = kafka.Transport.CreateGroupConsumer("pausing", ["restore-me"], listener);
        using var owned = consumer;
        var batch = new RecordBatch();
        // One long fetch: the assignment happens inside it, and records of the new partitions may arrive before it
        // returns, i.e. before librdkafka could pause them; those must be put back, not returned.
        Assert.False(consumer.Fetch(batch, 100, TimeSpan.FromSeconds(2), CancellationToken.None));
        Pump(() => consumer.Assignment.Count == 2, consumer);

        // Paused: fetches keep the membership alive but return nothing, though the records are there.
        var clock = Stopwatch.StartNew();
        var leaked = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            if (consumer.Fetch(batch, 100, TimeSpan.FromMilliseconds(100), CancellationToken.None))
            {
                leaked += batch.Count;
            }
        }

        Assert.Equal(0, leaked);
        consumer.Resume([P("restore-me", 1)]);
        var first = FetchUntil(consumer, 30);
        Assert.All(first, r => Assert.Equal(1, r.Partition));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), first.Select(r => r.Offset));

        consumer.Resume([P("restore-me", 0)]);
        var second = FetchUntil(consumer, 30);
        Assert.All(second, r => Assert.Equal(0, r.Partition));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), second.Select(r => r.Offset));
        consumer.Close();
    }

    [Theory]
    [InlineData(KafkaFetchPath.Client)]
    [InlineData(KafkaFetchPath.InPlace)]
    public async Task Pause_resume_and_seek_between_fetches_lose_and_repeat_nothing_but_what_was_sought(KafkaFetchPath fetchPath)
    {
        await using var kafka = KafkaTestCluster.Start(fetchPath: fetchPath);
        kafka.Cluster.CreateTopic("seekable", partitions: 1);
        kafka.Produce("seekable", 0, 20);
        var partition = P("seekable", 0);
        using var consumer = kafka.Transport.CreateGroupConsumer("seeker", ["seekable"], new RecordingListener());

        var start = FetchUntil(consumer, 5, maxRecords: 5);
        Assert.Equal([0L, 1, 2, 3, 4], start.Select(r => r.Offset));

        consumer.Pause([partition]);
        var clock = Stopwatch.StartNew();
        var batch = new RecordBatch();
        while (clock.Elapsed < TimeSpan.FromSeconds(1))
        {
            Assert.False(consumer.Fetch(batch, 100, TimeSpan.FromMilliseconds(100), CancellationToken.None));
        }

        consumer.Resume([partition]);
        Assert.Equal([5L, 6, 7], FetchUntil(consumer, 3, maxRecords: 3).Select(r => r.Offset));

        consumer.Seek(new TopicPartitionOffset("seekable", 0, 2));
        Assert.Equal([2L, 3, 4], FetchUntil(consumer, 3, maxRecords: 3).Select(r => r.Offset));

        // Sought while paused: the seek holds when it resumes.
        consumer.Pause([partition]);
        consumer.Seek(new TopicPartitionOffset("seekable", 0, 15));
        consumer.Resume([partition]);
        Assert.Equal(Enumerable.Range(15, 5).Select(i => (long)i), FetchUntil(consumer, 5).Select(r => r.Offset));
        Assert.Throws<InvalidOperationException>(() => consumer.Seek(new TopicPartitionOffset("other", 0, 1)));
        consumer.Close();
    }

    [Theory]
    [InlineData(KafkaFetchPath.Client)]
    [InlineData(KafkaFetchPath.InPlace)]
    public async Task A_record_held_for_the_next_batch_is_put_back_when_its_partition_is_paused(KafkaFetchPath fetchPath)
    {
        // Enough records that librdkafka's prefetch holds both partitions at once, so a batch of one ends at a record of the other.
        const int PerPartition = 500;
        await using var kafka = KafkaTestCluster.Start(fetchPath: fetchPath);
        kafka.Cluster.CreateTopic("two", partitions: 2);
        kafka.Produce("two", 0, PerPartition, prefix: "a");
        kafka.Produce("two", 1, PerPartition, prefix: "b");
        using var consumer = kafka.Transport.CreateGroupConsumer("holder", ["two"], new RecordingListener());
        var kafkaConsumer = Assert.IsType<KafkaGroupConsumer>(consumer);

        // A batch ends where a record of the other partition comes; that record is held for the next batch. For both
        // partitions to be in librdkafka's queue at once, seek both to the start and let the prefetch fill (retried if
        // one partition still came alone).
        KafkaGroupConsumerTests.Pump(() => consumer.Assignment.Count == 2, consumer);
        var seen = new Dictionary<int, List<long>> { [0] = [], [1] = [] };
        var batch = new RecordBatch();
        var clock = Stopwatch.StartNew();
        while (kafkaConsumer.HeldRecord is null && clock.Elapsed < Bound)
        {
            seen[0].Clear();
            seen[1].Clear();
            consumer.Seek(new TopicPartitionOffset("two", 0, 0));
            consumer.Seek(new TopicPartitionOffset("two", 1, 0));
            Thread.Sleep(300);
            if (consumer.Fetch(batch, 10_000, TimeSpan.FromMilliseconds(200), CancellationToken.None))
            {
                seen[batch.Partition].AddRange(Enumerable.Range(0, batch.Count).Select(i => batch[i].Offset));
            }
        }

        var held = Assert.IsType<TopicPartitionOffset>(kafkaConsumer.HeldRecord);
        consumer.Pause([held.TopicPartition]);
        Assert.Null(kafkaConsumer.HeldRecord);
        var other = 1 - held.Partition;
        while (seen[other].Count < PerPartition && clock.Elapsed < Bound)
        {
            if (consumer.Fetch(batch, 1000, TimeSpan.FromMilliseconds(200), CancellationToken.None))
            {
                Assert.Equal(other, batch.Partition);
                seen[other].AddRange(Enumerable.Range(0, batch.Count).Select(i => batch[i].Offset));
            }
        }

        consumer.Resume([held.TopicPartition]);
        while (seen[held.Partition].Count < PerPartition && clock.Elapsed < Bound)
        {
            if (consumer.Fetch(batch, 1000, TimeSpan.FromMilliseconds(200), CancellationToken.None))
            {
                seen[batch.Partition].AddRange(Enumerable.Range(0, batch.Count).Select(i => batch[i].Offset));
            }
        }

        // Each record once, in order: the held one came back after Resume, not lost and not twice.
        Assert.Equal(Enumerable.Range(0, PerPartition).Select(i => (long)i), seen[0]);
        Assert.Equal(Enumerable.Range(0, PerPartition).Select(i => (long)i), seen[1]);
        consumer.Close();
    }

    [Theory]
    [InlineData(KafkaFetchPath.Client)]
    [InlineData(KafkaFetchPath.InPlace)]
    public async Task A_seek_inside_OnAssigned_becomes_where_the_partition_starts(KafkaFetchPath fetchPath)
    {
        await using var kafka = KafkaTestCluster.Start(fetchPath: fetchPath);
        kafka.Cluster.CreateTopic("resume-at", partitions: 1);
        kafka.Produce("resume-at", 0, 10);
        IGroupConsumer? consumer = null;
        var listener = new RecordingListener { WhenAssigned = partitions => consumer!.Seek(new TopicPartitionOffset(partitions[0].Topic, partitions[0].Partition, 7)) };
        consumer = kafka.Transport.CreateGroupConsumer("skipper", ["resume-at"], listener);
        using var owned = consumer;

        Assert.Equal([7L, 8, 9], FetchUntil(consumer, 3).Select(r => r.Offset));
        consumer.Close();
    }

    [Fact]
    public async Task A_commit_while_the_broker_is_down_waits_until_it_is_back()
    {
        // The outage (2 s) is shorter than the session (20 s): the member stays in the group and the commit goes through.
        await using var kafka = KafkaTestCluster.Start(settings: (_, _, consumer) => consumer["session.timeout.ms"] = "20000");
        kafka.Cluster.CreateTopic("durable", partitions: 1);
        kafka.Produce("durable", 0, 10);
        using var consumer = kafka.Transport.CreateGroupConsumer("committer", ["durable"], new RecordingListener());
        FetchUntil(consumer, 10);

        kafka.Cluster.SetBrokerDown(1);
        var commit = Task.Run(() => consumer.Commit([new TopicPartitionOffset("durable", 0, 10)]));
        // A bounded look for a commit that cannot happen while the only broker is down.
        Assert.NotSame(commit, await Task.WhenAny(commit, Task.Delay(TimeSpan.FromSeconds(2))));
        kafka.Cluster.SetBrokerUp(1);
        await commit.WaitAsync(Bound);

        Assert.Equal(10, consumer.Committed(P("durable", 0)));
        consumer.Close();
    }

    [Theory]
    [InlineData(KafkaFetchPath.Client)]
    [InlineData(KafkaFetchPath.InPlace)]
    public async Task A_commit_outliving_the_session_is_dropped_as_lost_and_the_member_rejoins_from_the_last_commit(KafkaFetchPath fetchPath)
    {
        // The outage (6 s) outlasts the session (3 s). The commit waits (librdkafka holds it, or the transport retries it
        // when librdkafka gives up on the coordinator: which of the two depends on timing), learns once the broker is back
        // that the partition was lost meanwhile, and drops the position (the next owner reprocesses from the last
        // commit) without failing the worker; the next fetches report the loss and the member joins again.
        await using var kafka = KafkaTestCluster.Start(fetchPath: fetchPath);
        kafka.Cluster.CreateTopic("durable", partitions: 1);
        kafka.Produce("durable", 0, 10);
        var listener = new RecordingListener();
        using var consumer = kafka.Transport.CreateGroupConsumer("committer", ["durable"], listener);
        FetchUntil(consumer, 10);
        consumer.Commit([new TopicPartitionOffset("durable", 0, 4)]);

        kafka.Cluster.SetBrokerDown(1);
        var commit = Task.Run(() => consumer.Commit([new TopicPartitionOffset("durable", 0, 10)]));
        Assert.NotSame(commit, await Task.WhenAny(commit, Task.Delay(TimeSpan.FromSeconds(6))));
        kafka.Cluster.SetBrokerUp(1);
        await commit.WaitAsync(Bound);

        // The next fetches report the loss and take the partition again, from the last commit that made it.
        var again = FetchUntil(consumer, 6);
        Assert.Equal(Enumerable.Range(4, 6).Select(i => (long)i), again.Select(r => r.Offset));
        var events = listener.Events.ToList();
        Assert.Equal(["assigned:durable[0]", "lost:durable[0]", "assigned:durable[0]"], events);
        var lines = kafka.Logs.Lines.Select(l => l.Message).ToList();
        Assert.True(lines.Any(l => l.Contains("could not commit durable[0]@10", StringComparison.Ordinal) || l.Contains("gave up durable[0] before its position 10", StringComparison.Ordinal)), string.Join("\n", lines));
        consumer.Close();
    }

    [Theory]
    // (librdkafka retries COORDINATOR_NOT_AVAILABLE and NOT_COORDINATOR itself; these two reach the transport.)
    [InlineData(7)] // REQUEST_TIMED_OUT
    [InlineData(14)] // COORDINATOR_LOAD_IN_PROGRESS
    public async Task A_commit_refused_for_a_passing_reason_is_retried_until_it_succeeds(int error)
    {
        await using var kafka = KafkaTestCluster.Start();
        kafka.Cluster.CreateTopic("retried", partitions: 1);
        kafka.Produce("retried", 0, 5);
        using var consumer = kafka.Transport.CreateGroupConsumer("retrier", ["retried"], new RecordingListener());
        FetchUntil(consumer, 5);

        // The broker answers the next three commits with the error: the transport retries (with backoff) until one succeeds.
        kafka.Cluster.PushRequestErrors(8 /* OffsetCommit */, error, error, error);
        consumer.Commit([new TopicPartitionOffset("retried", 0, 5)]);

        Assert.Equal(5, consumer.Committed(P("retried", 0)));
        var lines = kafka.Logs.Lines.Select(l => l.Message).ToList();
        Assert.True(lines.Any(l => l.Contains("committing retried[0]@5 failed", StringComparison.Ordinal)), string.Join("\n", lines));
        consumer.Close();
    }

    [Theory]
    [InlineData(KafkaFetchPath.Client)]
    [InlineData(KafkaFetchPath.InPlace)]
    public async Task A_commit_refused_during_a_rebalance_is_kept_and_made_by_the_next_fetch(KafkaFetchPath fetchPath)
    {
        await using var kafka = KafkaTestCluster.Start(fetchPath: fetchPath);
        kafka.Cluster.CreateTopic("deferred", partitions: 1);
        kafka.Produce("deferred", 0, 5);
        using var consumer = kafka.Transport.CreateGroupConsumer("deferrer", ["deferred"], new RecordingListener());
        FetchUntil(consumer, 5);

        // Retrying inside Commit would be in vain: the rebalance can only progress once the consumer polls again.
        kafka.Cluster.PushRequestErrors(8 /* OffsetCommit */, 27 /* REBALANCE_IN_PROGRESS */);
        consumer.Commit([new TopicPartitionOffset("deferred", 0, 5)]);
        Assert.Null(consumer.Committed(P("deferred", 0)));

        Assert.False(consumer.Fetch(new RecordBatch(), 10, TimeSpan.FromMilliseconds(100), CancellationToken.None));
        Assert.Equal(5, consumer.Committed(P("deferred", 0)));
        consumer.Close();
    }

    [Fact]
    public async Task A_commit_refused_for_an_old_generation_is_kept_and_made_with_the_new_one()
    {
        // ILLEGAL_GENERATION: the group moved on while this member kept its partitions (a cooperative rebalance).
        await using var kafka = KafkaTestCluster.Start();
        kafka.Cluster.CreateTopic("regenerated", partitions: 1);
        kafka.Produce("regenerated", 0, 5);
        using var consumer = kafka.Transport.CreateGroupConsumer("regenerator", ["regenerated"], new RecordingListener());
        FetchUntil(consumer, 5);

        kafka.Cluster.PushRequestErrors(8 /* OffsetCommit */, 22);
        consumer.Commit([new TopicPartitionOffset("regenerated", 0, 5)]); // kept, not thrown and not dropped

        // The member goes on, and its next commit (with the current generation) lands.
        kafka.Produce("regenerated", 0, 1, from: 5);
        var clock = Stopwatch.StartNew();
        var batch = new RecordBatch();
        var offsets = new List<long>();
        while (!offsets.Contains(5) && clock.Elapsed < Bound)
        {
            if (consumer.Fetch(batch, 100, TimeSpan.FromMilliseconds(100), CancellationToken.None))
            {
                offsets.AddRange(Enumerable.Range(0, batch.Count).Select(i => batch[i].Offset));
            }
        }

        Assert.Contains(5L, offsets);
        consumer.Commit([new TopicPartitionOffset("regenerated", 0, 6)]);

        Assert.Equal(6, consumer.Committed(P("regenerated", 0)));
        Assert.DoesNotContain(kafka.Logs.Lines, l => l.Message.Contains("could not commit", StringComparison.Ordinal));
        consumer.Close();
    }

    [Theory]
    // UNKNOWN_MEMBER_ID: dropped at once.
    [InlineData(25, "could not commit dropped[0]@5")]
    // ILLEGAL_GENERATION: kept (in a cooperative rebalance the member keeps its partitions while the generation moves
    // on); outside a rebalance librdkafka reports the assignment lost, and the lost callback drops the position.
    [InlineData(22, "gave up dropped[0] before its position 5 was committed")]
    public async Task A_commit_refused_because_the_member_lost_its_partitions_is_dropped_and_the_consumer_goes_on(int error, string logged)
    {
        await using var kafka = KafkaTestCluster.Start();
        kafka.Cluster.CreateTopic("dropped", partitions: 1);
        kafka.Produce("dropped", 0, 5);
        using var consumer = kafka.Transport.CreateGroupConsumer("dropper", ["dropped"], new RecordingListener());
        FetchUntil(consumer, 5);

        kafka.Cluster.PushRequestErrors(8 /* OffsetCommit */, error);
        consumer.Commit([new TopicPartitionOffset("dropped", 0, 5)]); // neither throws nor retries
        Assert.Null(consumer.Committed(P("dropped", 0)));
        // The member carries on (rejoining if the group asks it to): what comes next is fetched.
        kafka.Produce("dropped", 0, 1, from: 5);
        var clock = Stopwatch.StartNew();
        var batch = new RecordBatch();
        var offsets = new List<long>();
        while (!offsets.Contains(5) && clock.Elapsed < Bound)
        {
            if (consumer.Fetch(batch, 100, TimeSpan.FromMilliseconds(100), CancellationToken.None))
            {
                offsets.AddRange(Enumerable.Range(0, batch.Count).Select(i => batch[i].Offset));
            }
        }

        Assert.Contains(5L, offsets);
        var lines = kafka.Logs.Lines.Select(l => l.Message).ToList();
        Assert.True(lines.Any(l => l.Contains(logged, StringComparison.Ordinal)), string.Join("\n", lines));
        Assert.NotEqual(5, consumer.Committed(P("dropped", 0)));
        consumer.Close();
    }

    internal static TopicPartition P(string topic, int partition) => new(topic, partition);

    /// <summary>Fetches until <paramref name="count"/> records came (bounded), checking that each batch holds one partition.</summary>
    internal static List<(int Partition, long Offset, string Value)> FetchUntil(IGroupConsumer consumer, int count, int maxRecords = 100)
    {
        var records = new List<(int, long, string)>();
        var batch = new RecordBatch();
        var clock = Stopwatch.StartNew();
        while (records.Count < count && clock.Elapsed < Bound)
        {
            if (!consumer.Fetch(batch, maxRecords, TimeSpan.FromMilliseconds(200), CancellationToken.None))
            {
                continue;
            }

            Assert.InRange(batch.Count, 1, maxRecords);
            for (var i = 0; i < batch.Count; i++)
            {
                ref readonly var record = ref batch[i];
                records.Add((batch.Partition, record.Offset, Encoding.UTF8.GetString(batch.ValueOf(in record))));
            }
        }

        Assert.Equal(count, records.Count);
        return records;
    }

    /// <summary>Fetches on every consumer in turn until <paramref name="done"/> holds (bounded).</summary>
    internal static void Pump(Func<bool> done, params IGroupConsumer[] consumers)
    {
        var batch = new RecordBatch();
        var clock = Stopwatch.StartNew();
        while (!done() && clock.Elapsed < Bound)
        {
            foreach (var consumer in consumers)
            {
                consumer.Fetch(batch, 100, TimeSpan.FromMilliseconds(50), CancellationToken.None);
            }
        }

        Assert.True(done(), "the group did not settle in time");
    }
}
