using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Transport;
using Faustish.Transport.Embedded;
using static Faustish.Tests.Transport.EmbeddedTestData;

namespace Faustish.Tests.Transport;

/// <summary>
/// A partition's log whose disk fails (writes fail with EIO, injected under FASTER's real device): a flush names every
/// record that was not made durable, the other partitions' records are durable anyway, and nothing that depended on
/// the failed records (a transaction's positions) is committed.
/// </summary>
public sealed class EmbeddedDeliveryFailureTests : IDisposable
{
    private const string Topic = "t";
    private readonly EmbeddedTempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Flush_lists_the_records_of_the_partition_that_could_not_be_made_durable()
    {
        FaultInjectingDevice? failing = null;
        var options = new EmbeddedTransportOptions
        {
            WrapLogDevice = (partition, inner) => partition.Partition == 1 ? failing = new FaultInjectingDevice(inner) : inner,
        };
        var transport = EmbeddedTransport.Open(_directory.Path, options);
        try
        {
            await transport.EnsureTopicsAsync([new TopicSpec(Topic, 2)], CancellationToken.None);
            using var producer = transport.CreateProducer();
            for (var i = 0; i < 3; i++)
            {
                ProduceText(producer, Topic, 0, $"healthy-{i}", "v");
            }

            for (var i = 0; i < 4; i++)
            {
                ProduceText(producer, Topic, 1, $"failing-{i}", "v");
            }

            failing!.FailWrites = true;
            var error = Assert.Throws<DeliveryFailedException>(() => producer.Flush(CancellationToken.None));
            Assert.Equal(4, error.Failures.Count);
            Assert.All(error.Failures, failure => Assert.Equal(new TopicPartition(Topic, 1), failure.Partition));
            Assert.Contains("not made durable", error.Failures[0].Reason, StringComparison.Ordinal);
            Assert.Contains("4 record(s) could not be delivered", error.Message, StringComparison.Ordinal);
            Assert.True(failing.FailedWrites > 0);

            // The healthy partition's records are durable and visible; the failed ones are not.
            using (var reader = transport.OpenReader(new TopicPartition(Topic, 0), Offsets.Beginning))
            {
                Assert.Equal(["healthy-0", "healthy-1", "healthy-2"], ReadAll(reader).Select(r => r.Key));
            }

            Assert.Equal(new Watermarks(0, 0), transport.GetWatermarks(new TopicPartition(Topic, 1)));

            // They stay pending: the next flush reports them again instead of pretending they are durable.
            failing.FailWrites = false;
            var again = Assert.Throws<DeliveryFailedException>(() => producer.Flush(CancellationToken.None));
            Assert.Equal(4, again.Failures.Count);
        }
        finally
        {
            // Closing commits the failed log once more, which fails: the transport reports it.
            await Assert.ThrowsAsync<AggregateException>(async () => await transport.DisposeAsync());
        }

        await using var reopened = EmbeddedTransport.Open(_directory.Path);
        Assert.Equal(new Watermarks(0, 3), reopened.GetWatermarks(new TopicPartition(Topic, 0)));
        Assert.Equal(new Watermarks(0, 0), reopened.GetWatermarks(new TopicPartition(Topic, 1)));
        using var writer = reopened.CreateProducer();
        ProduceText(writer, Topic, 1, "after-restart", "v");
        writer.Flush(CancellationToken.None);
        using var check = reopened.OpenReader(new TopicPartition(Topic, 1), Offsets.Beginning);
        Assert.Equal([(0L, "after-restart")], ReadAll(check).Select(r => (r.Offset, r.Key)));
    }

    [Fact]
    public async Task A_transaction_whose_records_cannot_be_made_durable_commits_neither_them_nor_its_positions()
    {
        const string Input = "in";
        FaultInjectingDevice? failing = null;
        var options = new EmbeddedTransportOptions
        {
            WrapLogDevice = (partition, inner) => partition.Topic == Topic ? failing = new FaultInjectingDevice(inner) : inner,
        };
        var transport = EmbeddedTransport.Open(_directory.Path, options);
        try
        {
            await transport.EnsureTopicsAsync([new TopicSpec(Topic, 1), new TopicSpec(Input, 1)], CancellationToken.None);
            using (var seed = transport.CreateProducer())
            {
                for (var i = 0; i < 5; i++)
                {
                    ProduceText(seed, Input, 0, $"in-{i}", "v");
                }

                seed.Flush(CancellationToken.None);
            }

            using var consumer = transport.CreateGroupConsumer("g", [Input], new EmbeddedRecordingListener("a", []));
            using var producer = transport.CreateTransactionalProducer("worker");
            var batch = new RecordBatch();
            Assert.True(consumer.Fetch(batch, 10, TimeSpan.FromSeconds(5), CancellationToken.None));
            for (var i = 0; i < batch.Count; i++)
            {
                ProduceText(producer, Topic, 0, "out-" + Text(batch.KeyOf(batch[i])), "v");
            }

            failing!.FailWrites = true;
            var position = new TopicPartitionOffset(Input, 0, batch[batch.Count - 1].NextOffset);
            var error = Assert.Throws<DeliveryFailedException>(() => producer.CommitTransaction([position], consumer, CancellationToken.None));
            Assert.Equal(5, error.Failures.Count);
            Assert.Null(consumer.Committed(new TopicPartition(Input, 0)));
            producer.AbortTransaction();
            consumer.Close();
        }
        finally
        {
            await Assert.ThrowsAsync<AggregateException>(async () => await transport.DisposeAsync());
        }

        await using var reopened = EmbeddedTransport.Open(_directory.Path);
        using var again = reopened.CreateGroupConsumer("g", [Input], new EmbeddedRecordingListener("b", []));
        Assert.Null(again.Committed(new TopicPartition(Input, 0)));
        using var output = reopened.OpenReader(new TopicPartition(Topic, 0), Offsets.Beginning);
        Assert.Empty(ReadAll(output));
        again.Close();
    }
}
