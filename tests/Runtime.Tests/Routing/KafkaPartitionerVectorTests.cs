using System;
using System.Text;
using Faustish.Routing;

namespace Faustish.Tests.Routing;

/// <summary><see cref="KafkaPartitioner"/> against published vectors of Kafka's and librdkafka's murmur2.</summary>
public sealed class KafkaPartitionerVectorTests
{
    /// <summary>
    /// Apache Kafka, <c>clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java</c>,
    /// <c>UtilsTest.testMurmur2</c>: <c>assertEquals(expected, Utils.murmur2(key))</c>. The keys are ASCII, so Java's
    /// <c>String.getBytes()</c> equals UTF-8 here.
    /// </summary>
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void Murmur2_matches_Kafka_UtilsTest_testMurmur2(string key, int expected)
    {
        Assert.Equal(expected, KafkaPartitioner.Murmur2(Encoding.ASCII.GetBytes(key)));
    }

    /// <summary>
    /// librdkafka, <c>src/rdmurmur2.c</c>, <c>unittest_murmur2</c> ("java_murmur2_results"): keys of every tail length
    /// (0–3 trailing bytes), checked there at aligned and unaligned addresses; here also at every offset of a larger buffer.
    /// </summary>
    [Theory]
    [InlineData("kafka", unchecked((int)0xd067cf64))]
    [InlineData("giberish123456789", unchecked((int)0x8f552b0c))]
    [InlineData("1234", unchecked((int)0x9fc97b14))]
    [InlineData("234", unchecked((int)0xe7c009ca))]
    [InlineData("34", unchecked((int)0x873930da))]
    [InlineData("4", unchecked((int)0x5a4b5ca1))]
    [InlineData("PreAmbleWillBeRemoved,ThePrePartThatIs", unchecked((int)0x78424f1c))]
    [InlineData("reAmbleWillBeRemoved,ThePrePartThatIs", unchecked((int)0x4a62b377))]
    [InlineData("eAmbleWillBeRemoved,ThePrePartThatIs", unchecked((int)0xe0e4e09e))]
    [InlineData("AmbleWillBeRemoved,ThePrePartThatIs", unchecked((int)0x62b8b43f))]
    [InlineData("", 0x106e08d9)]
    public void Murmur2_matches_librdkafka_unittest_murmur2_at_any_offset(string key, int expected)
    {
        var bytes = Encoding.ASCII.GetBytes(key);
        Assert.Equal(expected, KafkaPartitioner.Murmur2(bytes));

        for (var offset = 1; offset < 8; offset++)
        {
            var buffer = new byte[offset + bytes.Length + 5];
            Array.Fill(buffer, (byte)0xA5);
            bytes.CopyTo(buffer, offset);
            Assert.Equal(expected, KafkaPartitioner.Murmur2(buffer.AsSpan(offset, bytes.Length)));
        }
    }

    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("abc", 479470107)]
    public void Partition_is_the_positive_hash_modulo_the_partition_count(string key, int hash)
    {
        var bytes = Encoding.ASCII.GetBytes(key);
        foreach (var partitions in new[] { 1, 2, 3, 7, 12, 64, 100, 1000, int.MaxValue })
        {
            // Kafka's Utils.toPositive(murmur2(key)) % numPartitions: clear the sign bit, never Math.Abs.
            Assert.Equal((hash & 0x7fffffff) % partitions, KafkaPartitioner.Partition(bytes, partitions));
        }
    }

    /// <summary>
    /// An empty key is a key: Kafka's Java producer hashes a non-null empty byte array like any other (only a null key
    /// gets the sticky partitioner), so it always goes to <c>toPositive(murmur2([])) % n</c>, and murmur2 of no bytes is
    /// 0x106e08d9 (librdkafka's rdmurmur2.c vector for "" and NULL). librdkafka's murmur2 partitioner sends both empty and
    /// NULL keys there; the agreement test against the mock cluster checks the empty key end to end.
    /// </summary>
    [Fact]
    public void Empty_key_hashes_like_Kafka_and_goes_to_a_fixed_partition()
    {
        Assert.Equal(0x106e08d9, KafkaPartitioner.Murmur2([]));
        Assert.Equal(0x106e08d9, KafkaPartitioner.Murmur2(ReadOnlySpan<byte>.Empty));
        Assert.Equal(0x106e08d9, KafkaPartitioner.Murmur2(new byte[10].AsSpan(3, 0)));

        foreach (var (partitions, expected) in new[] { (1, 0), (3, 0x106e08d9 % 3), (7, 0x106e08d9 % 7), (12, 0x106e08d9 % 12), (64, 25) })
        {
            Assert.Equal(expected, KafkaPartitioner.Partition([], partitions));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Partition_rejects_a_partition_count_below_one(int partitions)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => KafkaPartitioner.Partition("k"u8, partitions));
        Assert.Equal("partitions", ex.ParamName);
    }
}
