using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Faustish.Routing;

/// <summary>
/// Kafka's default partitioner for keyed records: <c>toPositive(murmur2(keyBytes)) % partitions</c>, bit for
/// bit as Kafka's Java <c>Utils.murmur2</c> and librdkafka's <c>murmur2</c> partitioner, so every Kafka
/// client agrees with Faustish on where a key lives.
/// </summary>
public static class KafkaPartitioner
{
    /// <summary>The partition for <paramref name="keyBytes"/> among <paramref name="partitions"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Partition(ReadOnlySpan<byte> keyBytes, int partitions)
    {
        if (partitions <= 0)
        {
            ThrowPartitions(partitions);
        }

        return (Murmur2(keyBytes) & 0x7fffffff) % partitions;
    }

    /// <summary>Kafka's murmur2 hash (seed 0x9747b28c).</summary>
    public static int Murmur2(ReadOnlySpan<byte> data)
    {
        const uint m = 0x5bd1e995;
        const int r = 24;
        var length = data.Length;
        var h = 0x9747b28cu ^ (uint)length;

        var blocks = length / 4;
        for (var i = 0; i < blocks; i++)
        {
            var k = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i * 4, 4));
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }

        var tail = data[(length & ~3)..];
        switch (tail.Length)
        {
            case 3:
                h ^= (uint)tail[2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)tail[1] << 8;
                goto case 1;
            case 1:
                h ^= tail[0];
                h *= m;
                break;
        }

        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return unchecked((int)h);
    }

    private static void ThrowPartitions(int partitions) =>
        throw new ArgumentOutOfRangeException(nameof(partitions), partitions, "A topic has at least one partition.");
}
