using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Transport;
using Faustish.Transport.Embedded;
using static Faustish.Tests.Transport.EmbeddedTestData;

namespace Faustish.Tests.Transport;

public sealed class EmbeddedGroupConsumerTests : IDisposable
{
    private const string Topic = "events";
    private readonly EmbeddedTempDirectory _directory = new();
    private readonly List<string> _events = [];
    private readonly HashSet<string> _processed = [];

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Two_members_split_the_partitions()
    {
        await using var transport = await OpenWithRecords(partitions: 4, perPartition: 10);
        var (a, la) = Join(transport, "a");
        var (b, lb) = Join(transport, "b");

        Pump(a, la, 1);
        Pump(b, lb, 1);

        Assert.Equal([P(0), P(2)], a.Assignment);
        Assert.Equal([P(1), P(3)], b.Assignment);
        a.Close();
        b.Close();
    }

    [Fact]
    public async Task Joining_and_leaving_rebalances_cooperatively_and_no_record_is_processed_twice()
    {
        const int PerPartition = 100;
        await using var transport = await OpenWithRecords(partitions: 4, perPartition: PerPartition);
        var (a, la) = Join(transport, "a");
        var (b, lb) = Join(transport, "b");
        Pump(a, la, 3);
        Pump(b, lb, 3);
        Assert.Equal([P(0), P(2)], a.Assignment);
        Assert.Equal([P(1), P(3)], b.Assignment);

        // c joins: partition p goes to member p % 3 of [a, b, c]: a keeps 0 and gains 3, b keeps 1, c gains 2.
        var (c, lc) = Join(transport, "c");
        Assert.False(c.Fetch(new RecordBatch(), 10, TimeSpan.Zero, CancellationToken.None)); // 2 is still a's
        Assert.Empty(c.Assignment);
        Pump(a, la, 1); // a revokes 2 (committing it), keeps 0; 3 is still b's
        Assert.Contains("a:revoked:events[2]", _events);
        Assert.DoesNotContain("a:revoked:events[0]", _events); // cooperative: kept partitions are not revoked
        Pump(b, lb, 1); // b revokes 3
        Pump(c, lc, 1); // c gets 2, from a's committed position
        Pump(a, la, 1); // a gets 3, from b's committed position
        Assert.Equal([P(0), P(3)], a.Assignment);
        Assert.Equal([P(1)], b.Assignment);
        Assert.Equal([P(2)], c.Assignment);
        AssertRevokedBeforeAssigned("a", "c", P(2));
        AssertRevokedBeforeAssigned("b", "a", P(3));

        // b leaves: [a, c] get 0,2 and 1,3.
        b.Close();
        Assert.Contains("b:revoked:events[1]", _events);
        Assert.Empty(b.Assignment);
        for (var round = 0; round < 4; round++)
        {
            Pump(a, la, 1);
            Pump(c, lc, 1);
        }

        Assert.Equal([P(0), P(2)], a.Assignment);
        Assert.Equal([P(1), P(3)], c.Assignment);
        AssertRevokedBeforeAssigned("b", "c", P(1));
        AssertRevokedBeforeAssigned("c", "a", P(2));
        AssertRevokedBeforeAssigned("a", "c", P(3));

        // Drain everything: each record exactly once (Pump fails on a duplicate).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_processed.Count < 4 * PerPartition && DateTime.UtcNow < deadline)
        {
            Pump(a, la, 1);
            Pump(c, lc, 1);
        }

        Assert.Equal(4 * PerPartition, _processed.Count);
        a.Close();
        c.Close();
    }

    [Fact]
    public async Task Members_on_threads_hand_over_partitions_while_records_keep_coming()
    {
        const int Partitions = 6;
        const int Total = 6000;
        await using var transport = EmbeddedTransport.Open(_directory.Path);
        await transport.EnsureTopicsAsync([new TopicSpec(Topic, Partitions)], CancellationToken.None);
        var processed = new ConcurrentDictionary<string, int>();
        var duplicates = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        Task RunMember(string name, CancellationToken leave) => Task.Factory.StartNew(() =>
        {
            var listener = new EmbeddedRecordingListener(name, _events);
            using var consumer = transport.CreateGroupConsumer("g", [Topic], listener);
            listener.Consumer = consumer;
            var batch = new RecordBatch();
            var sinceCommit = 0;
            while (!leave.IsCancellationRequested && !stop.IsCancellationRequested && processed.Count < Total)
            {
                if (!consumer.Fetch(batch, 50, TimeSpan.FromMilliseconds(50), leave))
                {
                    continue;
                }

                for (var i = 0; i < batch.Count; i++)
                {
                    if (!processed.TryAdd(Text(batch.KeyOf(batch[i])), 1))
                    {
                        Interlocked.Increment(ref duplicates);
                    }
                }

                listener.Uncommitted[new TopicPartition(batch.Topic, batch.Partition)] = batch[batch.Count - 1].NextOffset;
                if (++sinceCommit % 5 == 0)
                {
                    consumer.Commit([.. listener.Uncommitted.Select(u => new TopicPartitionOffset(u.Key.Topic, u.Key.Partition, u.Value))]);
                    listener.Uncommitted.Clear();
                }
            }

            consumer.Close(); // commits in OnRevoked
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        using var leaveB = new CancellationTokenSource();
        var a = RunMember("a", CancellationToken.None);
        var b = RunMember("b", leaveB.Token);
        var producer = Task.Run(() =>
        {
            using var p = transport.CreateProducer();
            for (var i = 0; i < Total; i++)
            {
                ProduceText(p, Topic, i % Partitions, $"k{i}", "v");
                if (i % 100 == 99)
                {
                    p.Flush(CancellationToken.None);
                    Thread.Sleep(1);
                }
            }

            p.Flush(CancellationToken.None);
        });

        await WaitUntil(() => processed.Count > Total / 4, stop.Token);
        var c = RunMember("c", CancellationToken.None);
        await WaitUntil(() => processed.Count > Total / 2, stop.Token);
        await leaveB.CancelAsync();
        await Task.WhenAll(producer, a, b, c);

        Assert.Equal(0, duplicates);
        Assert.Equal(Total, processed.Count);
    }

    [Fact]
    public async Task Committed_positions_survive_reopen_and_a_member_resumes_there()
    {
        long committed;
        await using (var transport = await OpenWithRecords(partitions: 1, perPartition: 20))
        {
            var (a, la) = Join(transport, "a");
            var batch = new RecordBatch();
            Assert.True(a.Fetch(batch, 5, TimeSpan.FromSeconds(5), CancellationToken.None));
            Assert.Equal(5, batch.Count);
            committed = batch[4].NextOffset;
            a.Commit([new TopicPartitionOffset(Topic, 0, committed)]);
            Assert.Equal(committed, a.Committed(P(0)));
            // Not committed in OnRevoked: la has no uncommitted positions.
            a.Close();
        }

        Assert.True(File.Exists(Path.Combine(_directory.Path, "groups", "g.positions")));
        await using (var reopened = EmbeddedTransport.Open(_directory.Path))
        {
            var (a, _) = Join(reopened, "a2");
            Assert.Equal(committed, a.Committed(P(0)));
            var batch = new RecordBatch();
            Assert.True(a.Fetch(batch, 100, TimeSpan.FromSeconds(5), CancellationToken.None));
            Assert.Equal(committed, batch[0].Offset);
            Assert.Equal(15, batch.Count);
            Assert.Equal("p0-5", Text(batch.KeyOf(batch[0])));
            a.Close();

            // Another group starts from the beginning.
            var other = reopened.CreateGroupConsumer("other", [Topic], new EmbeddedRecordingListener("o", _events));
            Assert.Null(other.Committed(P(0)));
            Assert.True(other.Fetch(batch, 100, TimeSpan.FromSeconds(5), CancellationToken.None));
            Assert.Equal(20, batch.Count);
            other.Close();
        }
    }

    [Fact]
    public async Task A_damaged_positions_file_fails_loudly_and_a_leftover_temporary_file_is_ignored()
    {
        await using (var transport = await OpenWithRecords(partitions: 1, perPartition: 3))
        {
            var (a, _) = Join(transport, "a");
            Assert.True(a.Fetch(new RecordBatch(), 1, TimeSpan.FromSeconds(5), CancellationToken.None));
            a.Commit([new TopicPartitionOffset(Topic, 0, 123)]);
            a.Close();
        }

        var path = Path.Combine(_directory.Path, "groups", "g.positions");
        await File.WriteAllTextAsync(path + ".tmp", "faustish-positions 1\nevents\t0\t9"); // a torn write, never renamed
        await using (var transport = EmbeddedTransport.Open(_directory.Path))
        {
            var (a, _) = Join(transport, "a");
            Assert.Equal(123, a.Committed(P(0)));
            a.Close();
        }

        var content = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, content.AsSpan(0, content.Length - 5).ToArray());
        await using (var transport = EmbeddedTransport.Open(_directory.Path))
        {
            var error = Assert.Throws<InvalidDataException>(() => transport.CreateGroupConsumer("g", [Topic], new EmbeddedRecordingListener("a", _events)));
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
            Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
        }

        var tampered = System.Text.Encoding.UTF8.GetString(content).Replace("\t123\n", "\t124\n", StringComparison.Ordinal);
        await File.WriteAllTextAsync(path, tampered);
        await using (var transport = EmbeddedTransport.Open(_directory.Path))
        {
            Assert.Throws<InvalidDataException>(() => transport.CreateGroupConsumer("g", [Topic], new EmbeddedRecordingListener("a", _events)));
        }
    }

    [Fact]
    public async Task A_member_that_never_gives_up_its_partitions_loses_them_after_the_handover_timeout()
    {
        var options = new EmbeddedTransportOptions { HandoverTimeout = TimeSpan.FromMilliseconds(300) };
        await using var transport = EmbeddedTransport.Open(_directory.Path, options);
        await transport.EnsureTopicsAsync([new TopicSpec(Topic, 2)], CancellationToken.None);
        using (var producer = transport.CreateProducer())
        {
            ProduceText(producer, Topic, 0, "k0", "v");
            ProduceText(producer, Topic, 1, "k1", "v");
            producer.Flush(CancellationToken.None);
        }

        var (a, la) = Join(transport, "a");
        Assert.True(a.Fetch(new RecordBatch(), 10, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal([P(0), P(1)], a.Assignment);

        var (b, _) = Join(transport, "b");
        // a never fetches again; b waits for the hand-over, then takes partition 1 anyway.
        var batch = new RecordBatch();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (b.Assignment.Count == 0 && DateTime.UtcNow < deadline)
        {
            b.Fetch(batch, 10, TimeSpan.FromSeconds(1), CancellationToken.None);
        }

        Assert.Equal([P(1)], b.Assignment);
        Assert.DoesNotContain("a:revoked:events[1]", _events);

        // a learns about it on its next fetch: OnLost, not OnRevoked, and it can no longer commit partition 1.
        a.Fetch(new RecordBatch(), 10, TimeSpan.Zero, CancellationToken.None);
        Assert.Equal([P(1)], la.Lost);
        Assert.Equal([P(0)], a.Assignment);
        var error = Assert.Throws<InvalidOperationException>(() => a.Commit([new TopicPartitionOffset(Topic, 1, 64)]));
        Assert.Contains("not assigned to this consumer", error.Message, StringComparison.Ordinal);
        a.Close();
        b.Close();
    }

    [Fact]
    public async Task Members_subscribed_to_two_co_partitioned_topics_get_the_same_partition_numbers()
    {
        await using var transport = EmbeddedTransport.Open(_directory.Path);
        await transport.EnsureTopicsAsync([new TopicSpec("left", 3), new TopicSpec("right", 3)], CancellationToken.None);
        var a = transport.CreateGroupConsumer("g", ["left", "right"], new EmbeddedRecordingListener("a", _events));
        var b = transport.CreateGroupConsumer("g", ["right", "left"], new EmbeddedRecordingListener("b", _events));
        a.Fetch(new RecordBatch(), 1, TimeSpan.Zero, CancellationToken.None);
        b.Fetch(new RecordBatch(), 1, TimeSpan.Zero, CancellationToken.None);
        Assert.Equal([new("left", 0), new("left", 2), new("right", 0), new TopicPartition("right", 2)], a.Assignment);
        Assert.Equal([new("left", 1), new TopicPartition("right", 1)], b.Assignment);
        a.Close();
        b.Close();
    }

    [Fact]
    public async Task Fetch_rotates_fairly_among_assigned_partitions()
    {
        await using var transport = await OpenWithRecords(partitions: 3, perPartition: 10);
        var (a, _) = Join(transport, "a");
        var batch = new RecordBatch();
        var seen = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            Assert.True(a.Fetch(batch, 5, TimeSpan.FromSeconds(5), CancellationToken.None));
            Assert.Equal(5, batch.Count);
            seen.Add(batch.Partition);
        }

        Assert.Equal([0, 1, 2, 0, 1, 2], seen);
        Assert.False(a.Fetch(batch, 5, TimeSpan.FromMilliseconds(100), CancellationToken.None));
        a.Close();
    }

    [Fact]
    public async Task Paused_partitions_return_nothing_while_the_others_flow_and_resume_where_they_stopped()
    {
        await using var transport = await OpenWithRecords(partitions: 2, perPartition: 10);
        var (a, _) = Join(transport, "a");
        var batch = new RecordBatch();
        Assert.True(a.Fetch(batch, 3, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(0, batch.Partition);
        Assert.Equal([0L, 1, 2], Offsets(batch));

        a.Pause([P(0), new TopicPartition("not-assigned", 0)]); // partitions not assigned are ignored
        var fromOne = new List<long>();
        var fetches = 0;
        while (fetches++ < 100 && a.Fetch(batch, 4, TimeSpan.FromMilliseconds(50), CancellationToken.None))
        {
            Assert.Equal(1, batch.Partition);
            fromOne.AddRange(Offsets(batch));
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), fromOne);

        // New records of the paused partition wake the consumer but are not returned.
        using (var producer = transport.CreateProducer())
        {
            ProduceText(producer, Topic, 0, "p0-10", "late");
            producer.Flush(CancellationToken.None);
        }

        Assert.False(a.Fetch(batch, 4, TimeSpan.FromMilliseconds(100), CancellationToken.None));
        Assert.Equal([P(0), P(1)], a.Assignment); // still in the group, still assigned

        a.Resume([P(0), P(1)]); // resuming a partition that is not paused changes nothing
        Assert.True(a.Fetch(batch, 100, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(0, batch.Partition);
        Assert.Equal(Enumerable.Range(3, 8).Select(i => (long)i), Offsets(batch));
        Assert.Equal("p0-3", Text(batch.KeyOf(batch[0])));
        Assert.Equal("p0-10", Text(batch.KeyOf(batch[batch.Count - 1])));
        a.Close();
    }

    [Fact]
    public async Task Seek_rereads_from_a_record_offset_and_a_paused_partition_stays_paused()
    {
        await using var transport = await OpenWithRecords(partitions: 1, perPartition: 10);
        var (a, _) = Join(transport, "a");
        var batch = new RecordBatch();
        Assert.True(a.Fetch(batch, 100, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(10, batch.Count);
        Assert.False(a.Fetch(batch, 100, TimeSpan.Zero, CancellationToken.None));

        a.Seek(new TopicPartitionOffset(Topic, 0, 4));
        Assert.True(a.Fetch(batch, 100, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(Enumerable.Range(4, 6).Select(i => (long)i), Offsets(batch));
        Assert.Equal("p0-4", Text(batch.KeyOf(batch[0])));

        a.Seek(new TopicPartitionOffset(Topic, 0, Faustish.Transport.Offsets.Beginning));
        Assert.True(a.Fetch(batch, 100, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), Offsets(batch));

        a.Seek(new TopicPartitionOffset(Topic, 0, 7));
        a.Seek(new TopicPartitionOffset(Topic, 0, Faustish.Transport.Offsets.End));
        Assert.False(a.Fetch(batch, 100, TimeSpan.FromMilliseconds(50), CancellationToken.None));

        a.Pause([P(0)]);
        a.Seek(new TopicPartitionOffset(Topic, 0, 8));
        Assert.False(a.Fetch(batch, 100, TimeSpan.FromMilliseconds(50), CancellationToken.None));
        a.Resume([P(0)]);
        Assert.True(a.Fetch(batch, 100, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal([8L, 9], Offsets(batch));

        Assert.Throws<ArgumentOutOfRangeException>(() => a.Seek(new TopicPartitionOffset(Topic, 0, 11)));
        Assert.Throws<InvalidOperationException>(() => a.Seek(new TopicPartitionOffset("elsewhere", 0, 0)));
        a.Close();
    }

    [Fact]
    public async Task A_partition_revoked_and_assigned_again_starts_unpaused()
    {
        await using var transport = await OpenWithRecords(partitions: 2, perPartition: 5);
        var (a, _) = Join(transport, "a");
        var batch = new RecordBatch();
        a.Fetch(batch, 1, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal([P(0), P(1)], a.Assignment);
        a.Pause([P(0), P(1)]);

        // b takes partition 1 away from a, then leaves: partition 1 comes back to a, unpaused; partition 0 stays paused.
        var (b, _) = Join(transport, "b");
        a.Fetch(batch, 1, TimeSpan.Zero, CancellationToken.None); // a revokes 1
        Assert.Equal([P(0)], a.Assignment);
        Assert.True(b.Fetch(batch, 100, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal([P(1)], b.Assignment);
        b.Close();

        var partitions = new HashSet<int>();
        var read = 0;
        var fetches = 0;
        while (fetches++ < 100 && a.Fetch(batch, 100, TimeSpan.FromMilliseconds(200), CancellationToken.None))
        {
            partitions.Add(batch.Partition);
            read += batch.Count;
        }

        Assert.Equal([P(0), P(1)], a.Assignment);
        Assert.Equal([1], partitions);
        Assert.Equal(5, read); // nothing was committed: partition 1 is read again from its beginning
        a.Close();
    }

    [Fact]
    public async Task Membership_reports_the_group_the_member_and_the_generation_of_its_last_rebalance()
    {
        await using var transport = await OpenWithRecords(partitions: 2, perPartition: 1);
        var (a, _) = Join(transport, "a");
        Assert.Equal("g", a.Membership.GroupId);
        Assert.Equal(0, a.Membership.Generation); // has not looked at the group yet
        a.Fetch(new RecordBatch(), 1, TimeSpan.FromSeconds(5), CancellationToken.None);
        var first = a.Membership;
        Assert.Equal(1, first.Generation);
        Assert.False(string.IsNullOrEmpty(first.MemberId));

        var (b, _) = Join(transport, "b");
        Assert.Equal(1, a.Membership.Generation); // until a takes part in the rebalance
        a.Fetch(new RecordBatch(), 1, TimeSpan.Zero, CancellationToken.None);
        b.Fetch(new RecordBatch(), 1, TimeSpan.FromSeconds(5), CancellationToken.None);
        var now = a.Membership;
        Assert.Equal(("g", first.MemberId, 2), (now.GroupId, now.MemberId, now.Generation));
        Assert.Equal(2, b.Membership.Generation);
        Assert.Equal("g", b.Membership.GroupId);
        Assert.NotEqual(first.MemberId, b.Membership.MemberId);
        a.Close();
        b.Close();
    }

    [Fact]
    public async Task A_transactional_commit_checks_membership_generation_and_ownership_through_the_interface()
    {
        await using var transport = await OpenWithRecords(partitions: 2, perPartition: 3);
        var (a, _) = Join(transport, "a");
        using var producer = transport.CreateTransactionalProducer("worker");
        a.Fetch(new RecordBatch(), 1, TimeSpan.FromSeconds(5), CancellationToken.None);
        producer.CommitTransaction([new TopicPartitionOffset(Topic, 1, 1)], a, CancellationToken.None);
        Assert.Equal(1, a.Committed(P(1)));

        // A membership taken before the member's last rebalance is refused.
        var stale = new StaleMembership(a, a.Membership);
        var (b, _) = Join(transport, "b");
        a.Fetch(new RecordBatch(), 1, TimeSpan.Zero, CancellationToken.None); // a gives partition 1 to b
        var error = Assert.Throws<InvalidOperationException>(() =>
            producer.CommitTransaction([new TopicPartitionOffset(Topic, 0, 2)], stale, CancellationToken.None));
        Assert.Contains("generation", error.Message, StringComparison.Ordinal);

        // A partition the member no longer owns is refused; one it owns commits.
        error = Assert.Throws<InvalidOperationException>(() =>
            producer.CommitTransaction([new TopicPartitionOffset(Topic, 1, 2)], a, CancellationToken.None));
        Assert.Contains("not assigned to this consumer", error.Message, StringComparison.Ordinal);
        producer.CommitTransaction([new TopicPartitionOffset(Topic, 0, 2)], a, CancellationToken.None);
        Assert.Equal(2, a.Committed(P(0)));
        Assert.Equal(1, a.Committed(P(1)));

        // A consumer of the same group name on another transport is not a member here, even with the same member id.
        using (var otherDirectory = new EmbeddedTempDirectory())
        {
            await using var other = EmbeddedTransport.Open(otherDirectory.Path);
            await other.EnsureTopicsAsync([new TopicSpec(Topic, 2)], CancellationToken.None);
            using var stranger = other.CreateGroupConsumer("g", [Topic], new EmbeddedRecordingListener("s", _events));
            stranger.Fetch(new RecordBatch(), 1, TimeSpan.Zero, CancellationToken.None);
            Assert.Equal(a.Membership.MemberId, stranger.Membership.MemberId);
            Assert.Throws<ArgumentException>(() =>
                producer.CommitTransaction([new TopicPartitionOffset(Topic, 0, 3)], stranger, CancellationToken.None));
            stranger.Close();
        }

        // A member that left cannot commit.
        a.Close();
        error = Assert.Throws<InvalidOperationException>(() =>
            producer.CommitTransaction([new TopicPartitionOffset(Topic, 0, 3)], a, CancellationToken.None));
        Assert.Contains("not a member", error.Message, StringComparison.Ordinal);
        producer.AbortTransaction();
        Assert.Equal(2, b.Committed(P(0)));
        b.Close();
    }

    private async Task<EmbeddedTransport> OpenWithRecords(int partitions, int perPartition)
    {
        var transport = EmbeddedTransport.Open(_directory.Path);
        await transport.EnsureTopicsAsync([new TopicSpec(Topic, partitions)], CancellationToken.None);
        using var producer = transport.CreateProducer();
        for (var p = 0; p < partitions; p++)
        {
            for (var i = 0; i < perPartition; i++)
            {
                ProduceText(producer, Topic, p, $"p{p}-{i}", $"value {i}");
            }
        }

        producer.Flush(CancellationToken.None);
        return transport;
    }

    private (IGroupConsumer Consumer, EmbeddedRecordingListener Listener) Join(EmbeddedTransport transport, string name)
    {
        var listener = new EmbeddedRecordingListener(name, _events);
        var consumer = transport.CreateGroupConsumer("g", [Topic], listener);
        listener.Consumer = consumer;
        return (consumer, listener);
    }

    /// <summary>Fetches and processes up to <paramref name="fetches"/> small batches; fails on a record seen before.</summary>
    private void Pump(IGroupConsumer consumer, EmbeddedRecordingListener listener, int fetches)
    {
        var batch = new RecordBatch();
        for (var f = 0; f < fetches; f++)
        {
            if (!consumer.Fetch(batch, 7, TimeSpan.FromMilliseconds(20), CancellationToken.None))
            {
                return;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                var key = Text(batch.KeyOf(batch[i]));
                Assert.True(_processed.Add(key), $"{key} was processed twice");
            }

            listener.Uncommitted[new TopicPartition(batch.Topic, batch.Partition)] = batch[batch.Count - 1].NextOffset;
        }
    }

    private void AssertRevokedBeforeAssigned(string from, string to, TopicPartition partition)
    {
        var revoked = _events.IndexOf($"{from}:revoked:{partition}");
        var assigned = _events.LastIndexOf($"{to}:assigned:{partition}");
        Assert.True(revoked >= 0, $"{from} never revoked {partition}: {string.Join(", ", _events)}");
        Assert.True(assigned > revoked, $"{to} got {partition} before {from} revoked it: {string.Join(", ", _events)}");
    }

    private static TopicPartition P(int partition) => new(Topic, partition);

    private static List<long> Offsets(RecordBatch batch) => [.. Enumerable.Range(0, batch.Count).Select(i => batch[i].Offset)];

    /// <summary>A real consumer that reports a membership captured earlier (what a caller holding on to an old one would pass).</summary>
    private sealed class StaleMembership(IGroupConsumer inner, GroupMembership membership) : IGroupConsumer
    {
        public IReadOnlyList<TopicPartition> Assignment => inner.Assignment;

        public GroupMembership Membership => membership;

        public bool Fetch(RecordBatch batch, int maxRecords, TimeSpan timeout, CancellationToken cancellationToken) =>
            inner.Fetch(batch, maxRecords, timeout, cancellationToken);

        public void Pause(IReadOnlyList<TopicPartition> partitions) => inner.Pause(partitions);

        public void Resume(IReadOnlyList<TopicPartition> partitions) => inner.Resume(partitions);

        public void Seek(TopicPartitionOffset position) => inner.Seek(position);

        public void Commit(IReadOnlyList<TopicPartitionOffset> positions) => inner.Commit(positions);

        public long? Committed(TopicPartition partition) => inner.Committed(partition);

        public void Close() => inner.Close();

        public void Dispose() => inner.Dispose();
    }

    private static async Task WaitUntil(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }
}
