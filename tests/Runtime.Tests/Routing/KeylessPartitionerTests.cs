using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Faustish.Routing;
using Faustish.Serialization;
using Faustish.Topics;
using Faustish.Transport;

namespace Faustish.Tests.Routing;

/// <summary>How records without a key are spread: round-robin, never a negative partition, even across the counter's wrap.</summary>
public sealed class KeylessPartitionerTests
{
    [Fact]
    public void Records_without_a_key_rotate_over_every_partition()
    {
        var keyless = new KeylessPartitioner(start: 0);
        var partitions = Enumerable.Range(0, 12).Select(_ => keyless.Next(4)).ToList();
        Assert.Equal([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3], partitions);
    }

    /// <summary>
    /// A signed counter (<c>next++ % partitions</c>) turns negative after int.MaxValue records: partition -1 of a
    /// 3-partition topic. Through int.MaxValue the rotation goes on, and through uint.MaxValue it starts at 0 again.
    /// </summary>
    [Theory]
    [InlineData((uint)int.MaxValue - 5)]
    [InlineData(uint.MaxValue - 5)]
    public void The_counter_never_yields_a_negative_partition_when_it_passes_int_MaxValue_or_wraps(uint start)
    {
        foreach (var count in new[] { 1, 3, 4, 7, 12 })
        {
            var keyless = new KeylessPartitioner(start);
            var partitions = Enumerable.Range(0, 12).Select(_ => keyless.Next(count)).ToList();
            Assert.All(partitions, p => Assert.InRange(p, 0, count - 1));
            var expected = Enumerable.Range(0, 12).Select(i => (int)(unchecked(start + (uint)i) % (uint)count));
            Assert.Equal(expected, partitions);
        }
    }

    [Fact]
    public void A_sender_past_int_MaxValue_keyless_records_still_lands_every_record_on_a_valid_partition()
    {
        var producer = new PartitionRecorder();
        var sender = new RecordSender(producer, keyless: new KeylessPartitioner((uint)int.MaxValue - 2));
        var topic = new TopicDefinition<string?, string>("posts", 3, PrimitiveCodecs.Utf8String!, PrimitiveCodecs.Utf8String);
        for (var i = 0; i < 9; i++)
        {
            sender.Send(topic, null, "post " + i);
        }

        Assert.Equal(9, producer.Partitions.Count);
        Assert.All(producer.Partitions, p => Assert.InRange(p, 0, 2));
        Assert.Equal([3, 3, 3], producer.Partitions.GroupBy(p => p).OrderBy(g => g.Key).Select(g => g.Count()));
        Assert.All(producer.KeyIsNull, Assert.True);
    }

    [Fact]
    public void Fewer_than_one_partition_is_refused()
    {
        var keyless = new KeylessPartitioner(0);
        Assert.Throws<ArgumentOutOfRangeException>(() => keyless.Next(0));
    }

    private sealed class PartitionRecorder : IRecordProducer
    {
        public List<int> Partitions { get; } = [];

        public List<bool> KeyIsNull { get; } = [];

        public void Produce(TopicPartition partition, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull,
            long timestampMs, IReadOnlyList<RecordHeader>? headers = null)
        {
            Partitions.Add(partition.Partition);
            KeyIsNull.Add(keyIsNull);
        }

        public void Flush(CancellationToken cancellationToken)
        {
        }

        public void Dispose()
        {
        }
    }
}
