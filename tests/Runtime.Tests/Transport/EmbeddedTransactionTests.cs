using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Transport;
using Faustish.Transport.Embedded;
using static Faustish.Tests.Transport.EmbeddedTestData;

namespace Faustish.Tests.Transport;

/// <summary>
/// Transactions on the embedded log: records of a transaction are visible to readers (all read committed) only
/// after its commit, never after an abort or a crash, and records of other writers interleaved with them are
/// unaffected. A crash is simulated by closing the transport while a transaction is open: closing makes every
/// enqueued record durable, as a crash after a flush would, and no abort is recorded.
/// </summary>
public sealed class EmbeddedTransactionTests : IDisposable
{
    private const string Topic = "out";
    private static readonly TopicPartition P0 = new(Topic, 0);
    private readonly EmbeddedTempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Records_of_a_transaction_are_invisible_until_it_commits()
    {
        await using var transport = await Open();
        using var producer = transport.CreateTransactionalProducer("t1");
        ProduceText(producer, Topic, 0, "k", "a");
        ProduceText(producer, Topic, 0, "k", "b");
        producer.Flush(CancellationToken.None); // durable, still invisible

        Assert.Empty(Read(transport));
        Assert.Equal(transport.GetWatermarks(P0).Low, transport.GetWatermarks(P0).High);

        producer.CommitTransaction([], null, CancellationToken.None);
        Assert.Equal(["a", "b"], Read(transport));
    }

    [Fact]
    public async Task Aborted_records_are_skipped_and_the_next_transaction_is_visible()
    {
        await using var transport = await Open();
        using var producer = transport.CreateTransactionalProducer("t1");
        ProduceText(producer, Topic, 0, "k", "aborted-1");
        ProduceText(producer, Topic, 0, "k", "aborted-2");
        producer.AbortTransaction();
        ProduceText(producer, Topic, 0, "k", "committed");
        producer.CommitTransaction([], null, CancellationToken.None);

        Assert.Equal(["committed"], Read(transport));
    }

    [Fact]
    public async Task An_open_transaction_holds_back_later_records_of_other_producers_until_it_is_decided()
    {
        await using var transport = await Open();
        using var transactional = transport.CreateTransactionalProducer("t1");
        using var plain = transport.CreateProducer();
        ProduceText(transactional, Topic, 0, "k", "in-transaction");
        ProduceText(plain, Topic, 0, "k", "plain");
        plain.Flush(CancellationToken.None);

        // A reader never moves past an undecided record: it would miss it if the transaction committed.
        Assert.Empty(Read(transport));

        transactional.CommitTransaction([], null, CancellationToken.None);
        Assert.Equal(["in-transaction", "plain"], Read(transport));
    }

    [Fact]
    public async Task Interleaved_transactions_on_one_partition_show_exactly_the_committed_ones()
    {
        await using var transport = await Open();
        using var first = transport.CreateTransactionalProducer("first");
        using var second = transport.CreateTransactionalProducer("second");
        using var third = transport.CreateTransactionalProducer("third");
        for (var i = 0; i < 50; i++)
        {
            ProduceText(first, Topic, 0, "k", $"first-{i}");
            ProduceText(second, Topic, 0, "k", $"second-{i}");
            ProduceText(third, Topic, 0, "k", $"third-{i}");
        }

        // The second commits first: still nothing visible, the first's records come before it and are undecided.
        second.CommitTransaction([], null, CancellationToken.None);
        Assert.Empty(Read(transport));

        first.AbortTransaction();
        // Now third's first record bounds what is visible: only second's records before it.
        Assert.Equal(["second-0"], Read(transport));

        third.CommitTransaction([], null, CancellationToken.None);
        var expected = Enumerable.Range(0, 50).SelectMany(i => new[] { $"second-{i}", $"third-{i}" }).ToList();
        Assert.Equal(expected, Read(transport));
    }

    [Fact]
    public async Task A_transaction_open_at_a_crash_is_aborted_at_open_and_stays_aborted()
    {
        await using (var transport = await Open())
        {
            var committed = transport.CreateTransactionalProducer("committed");
            var crashed = transport.CreateTransactionalProducer("crashed");
            ProduceText(committed, Topic, 0, "k", "before");
            committed.CommitTransaction([], null, CancellationToken.None);
            ProduceText(crashed, Topic, 0, "k", "lost-1");
            ProduceText(committed, Topic, 0, "k", "kept");
            ProduceText(crashed, Topic, 0, "k", "lost-2");
            crashed.Flush(CancellationToken.None);
            committed.CommitTransaction([], null, CancellationToken.None);
            Assert.Equal(["before"], Read(transport)); // "crashed" is open: nothing past its first record
            // Crash: the transport closes (making every record durable); "crashed" never commits or aborts.
        }

        await using (var reopened = EmbeddedTransport.Open(_directory.Path))
        {
            Assert.Equal(1, reopened.Journal.RecoveredAborts);
            Assert.Equal(["before", "kept"], Read(reopened));
            using var producer = reopened.CreateTransactionalProducer("committed");
            ProduceText(producer, Topic, 0, "k", "after");
            producer.CommitTransaction([], null, CancellationToken.None);
        }

        await using var again = EmbeddedTransport.Open(_directory.Path);
        Assert.Equal(0, again.Journal.RecoveredAborts);
        Assert.Equal(["before", "kept", "after"], Read(again));
    }

    [Fact]
    public async Task Positions_commit_with_the_transaction_and_roll_back_with_it_after_a_crash()
    {
        const string Input = "in";
        TopicPartitionOffset committedPosition;
        await using (var transport = await Open())
        {
            await transport.EnsureTopicsAsync([new TopicSpec(Input, 1)], CancellationToken.None);
            using (var seed = transport.CreateProducer())
            {
                for (var i = 0; i < 10; i++)
                {
                    ProduceText(seed, Input, 0, "k", $"in-{i}");
                }

                seed.Flush(CancellationToken.None);
            }

            var listener = new EmbeddedRecordingListener("a", []);
            var consumer = transport.CreateGroupConsumer("g", [Input], listener);
            var producer = transport.CreateTransactionalProducer("worker");
            var batch = new RecordBatch();
            Assert.True(consumer.Fetch(batch, 4, TimeSpan.FromSeconds(5), CancellationToken.None));
            for (var i = 0; i < batch.Count; i++)
            {
                ProduceText(producer, Topic, 0, "k", "out-" + Text(batch.ValueOf(batch[i])));
            }

            committedPosition = new TopicPartitionOffset(Input, 0, batch[batch.Count - 1].NextOffset);
            producer.CommitTransaction([committedPosition], consumer, CancellationToken.None);
            Assert.Equal(committedPosition.Offset, consumer.Committed(new TopicPartition(Input, 0)));

            // The next transaction processes more but crashes before its commit.
            Assert.True(consumer.Fetch(batch, 4, TimeSpan.FromSeconds(5), CancellationToken.None));
            for (var i = 0; i < batch.Count; i++)
            {
                ProduceText(producer, Topic, 0, "k", "out-" + Text(batch.ValueOf(batch[i])));
            }

            producer.Flush(CancellationToken.None);
        }

        await using var reopened = EmbeddedTransport.Open(_directory.Path);
        Assert.Equal(["out-in-0", "out-in-1", "out-in-2", "out-in-3"], Read(reopened));
        var again = reopened.CreateGroupConsumer("g", [Input], new EmbeddedRecordingListener("b", []));
        Assert.Equal(committedPosition.Offset, again.Committed(new TopicPartition(Input, 0)));
        var resumed = new RecordBatch();
        Assert.True(again.Fetch(resumed, 1, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal("in-4", Text(resumed.ValueOf(resumed[0])));
        again.Close();
    }

    [Fact]
    public async Task A_replaced_producer_is_fenced_and_a_commit_for_a_partition_not_owned_fails()
    {
        await using var transport = await Open();
        var old = transport.CreateTransactionalProducer("worker");
        ProduceText(old, Topic, 0, "k", "zombie");
        using var replacement = transport.CreateTransactionalProducer("worker");
        Assert.Throws<ProducerFencedException>(() => old.CommitTransaction([], null, CancellationToken.None));
        old.AbortTransaction();
        old.Dispose();

        // Positions of a partition this consumer does not own: nothing is committed, the transaction stays open.
        var consumer = transport.CreateGroupConsumer("g", [Topic], new EmbeddedRecordingListener("a", []));
        ProduceText(replacement, Topic, 0, "k", "not-owned");
        Assert.Throws<InvalidOperationException>(() =>
            replacement.CommitTransaction([new TopicPartitionOffset(Topic, 0, 0)], consumer, CancellationToken.None));
        Assert.Empty(Read(transport));
        replacement.AbortTransaction();
        ProduceText(replacement, Topic, 0, "k", "good");
        replacement.CommitTransaction([], null, CancellationToken.None);
        Assert.Equal(["good"], Read(transport));
        consumer.Close();
    }

    [Fact]
    public async Task Concurrent_transactional_writers_on_one_partition_lose_and_duplicate_nothing()
    {
        const int Writers = 4;
        const int Transactions = 30;
        const int PerTransaction = 20;
        await using var transport = await Open();
        var threads = Enumerable.Range(0, Writers).Select(w => new Thread(() =>
        {
            using var producer = transport.CreateTransactionalProducer($"w{w}");
            for (var t = 0; t < Transactions; t++)
            {
                for (var r = 0; r < PerTransaction; r++)
                {
                    ProduceText(producer, Topic, 0, "k", $"{w}/{t}/{r}");
                }

                if (t % 3 == 2)
                {
                    producer.AbortTransaction();
                }
                else
                {
                    producer.CommitTransaction([], null, CancellationToken.None);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var expected = (from w in Enumerable.Range(0, Writers)
                        from t in Enumerable.Range(0, Transactions)
                        where t % 3 != 2
                        from r in Enumerable.Range(0, PerTransaction)
                        select $"{w}/{t}/{r}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, Read(transport).Order(StringComparer.Ordinal).ToList());
    }

    private async Task<EmbeddedTransport> Open()
    {
        var transport = EmbeddedTransport.Open(_directory.Path);
        await transport.EnsureTopicsAsync([new TopicSpec(Topic, 1)], CancellationToken.None);
        return transport;
    }

    private static List<string> Read(EmbeddedTransport transport)
    {
        using var reader = transport.OpenReader(P0, Offsets.Beginning);
        return [.. ReadAll(reader).Select(r => r.Value)];
    }
}
