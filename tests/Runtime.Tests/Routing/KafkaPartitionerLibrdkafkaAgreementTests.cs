using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Confluent.Kafka;
using Faustish.Routing;
using Faustish.Tests.Kafka;

namespace Faustish.Tests.Routing;

/// <summary>
/// Acceptance: for 10,000 keys, the partition <see cref="KafkaPartitioner"/> chooses equals the one librdkafka's
/// <c>murmur2</c> partitioner picks when Confluent.Kafka produces the key, without an explicit partition, to a mock
/// cluster topic of that many partitions.
/// </summary>
public sealed class KafkaPartitionerLibrdkafkaAgreementTests
{
    private const int KeyCount = 10_000;
    private static readonly int[] PartitionCounts = [1, 2, 3, 7, 12, 64, 100];
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public void Every_key_goes_to_the_partition_librdkafkas_murmur2_partitioner_picks()
    {
        var keys = PartitionerKeyCorpus.Create(KeyCount);
        Assert.Equal(KeyCount, keys.Count);
        Assert.Empty(keys[0]);

        using var cluster = MockKafkaCluster.Start(brokers: 1);
        foreach (var partitions in PartitionCounts)
        {
            cluster.CreateTopic(TopicName(partitions), partitions);
        }

        var picked = PartitionCounts.Select(_ => Enumerable.Repeat(-1, KeyCount).ToArray()).ToArray();
        var failures = new ConcurrentQueue<string>();
        var config = new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            Partitioner = Confluent.Kafka.Partitioner.Murmur2,
            CompressionType = CompressionType.Lz4,
            LingerMs = 5,
            Acks = Acks.Leader,
            QueueBufferingMaxMessages = PartitionCounts.Length * KeyCount * 2,
            MessageTimeoutMs = (int)Bound.TotalMilliseconds,
        };

        using (var producer = new ProducerBuilder<byte[], byte[]>(config).Build())
        {
            for (var t = 0; t < PartitionCounts.Length; t++)
            {
                var topic = TopicName(PartitionCounts[t]);
                var row = picked[t];
                for (var i = 0; i < KeyCount; i++)
                {
                    var index = i;
                    var value = BitConverter.GetBytes(index);
                    producer.Produce(topic, new Message<byte[], byte[]> { Key = keys[i], Value = value }, report =>
                    {
                        if (report.Error.IsError)
                        {
                            failures.Enqueue($"{topic} key #{index}: {report.Error.Reason}");
                        }
                        else
                        {
                            row[index] = report.Partition.Value;
                        }
                    });
                }
            }

            Assert.Equal(0, producer.Flush(Bound));
        }

        Assert.Empty(failures);

        var mismatches = new List<string>();
        var compared = 0;
        for (var t = 0; t < PartitionCounts.Length; t++)
        {
            var partitions = PartitionCounts[t];
            for (var i = 0; i < KeyCount; i++)
            {
                var expected = KafkaPartitioner.Partition(keys[i], partitions);
                compared++;
                if (picked[t][i] != expected)
                {
                    mismatches.Add(string.Create(CultureInfo.InvariantCulture,
                        $"n={partitions} key=[{Convert.ToHexString(keys[i])}] librdkafka={picked[t][i]} Faustish={expected}"));
                }
            }

            // Every partition got keys: the producer saw the topic's real partition count, not an auto-created one.
            Assert.Equal(Enumerable.Range(0, partitions), picked[t].Distinct().Order());
            // The empty key (keys[0]) went where Kafka sends it: toPositive(murmur2([])) % n.
            Assert.Equal((0x106e08d9 & 0x7fffffff) % partitions, picked[t][0]);
        }

        Assert.Equal(PartitionCounts.Length * KeyCount, compared);
        Assert.True(mismatches.Count == 0,
            $"{mismatches.Count} of {compared} placements differ, e.g.:\n" + string.Join("\n", mismatches.Take(20)));
    }

    /// <summary>The corpus really is varied: lengths 0–40 and beyond (multi-byte UTF-8), non-ASCII, 4- and 8-byte keys.</summary>
    [Fact]
    public void Key_corpus_is_deterministic_and_covers_every_shape()
    {
        var keys = PartitionerKeyCorpus.Create(KeyCount);
        Assert.Equal(keys, PartitionerKeyCorpus.Create(KeyCount));

        var lengths = keys.Select(k => k.Length).ToHashSet();
        Assert.All(Enumerable.Range(0, 41), length => Assert.Contains(length, lengths));
        Assert.Contains(keys, k => k.Length > 40);
        Assert.Contains(keys, k => Encoding.UTF8.GetString(k).Any(c => c > 0x7f) && k.Length == Encoding.UTF8.GetByteCount(Encoding.UTF8.GetString(k)));
        Assert.Contains(keys, k => Encoding.UTF8.GetString(k).Any(char.IsSurrogate));
        Assert.True(keys.Distinct(new ByteArrayComparer()).Count() > KeyCount * 9 / 10);
    }

    private static string TopicName(int partitions) =>
        "murmur2-" + partitions.ToString(CultureInfo.InvariantCulture);

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}
