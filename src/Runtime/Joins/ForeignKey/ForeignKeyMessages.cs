using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Faustish.Serialization;

namespace Faustish.Joins;

/// <summary>What a subscription asks of the foreign key's stage.</summary>
internal enum SubscriptionInstruction : byte
{
    /// <summary>The left key now refers to this foreign key (with this value): answer with the right value, now and on every update.</summary>
    Subscribe = 0,

    /// <summary>The left key no longer refers to this foreign key (it changed, or the value was deleted): forget it, answer nothing.</summary>
    Unsubscribe = 1,
}

/// <summary>
/// A record of <c>{app}-{agent}-fk-subscription</c>, keyed by the foreign key. Its value, big-endian: a format version (1),
/// the instruction, the 16-byte hash of the left value, the left partition that asked, then the left key's bytes.
/// </summary>
internal readonly record struct ForeignKeySubscription
{
    private const byte Version = 1;
    private const int HeaderLength = 2 + ForeignKeyHash.Length + 4;

    public ForeignKeySubscription(SubscriptionInstruction instruction, UInt128 hash, int leftPartition, byte[] leftKey)
    {
        Instruction = instruction;
        Hash = hash;
        LeftPartition = leftPartition;
        LeftKey = leftKey;
    }

    public SubscriptionInstruction Instruction { get; }

    /// <summary>The hash of the left value that subscribed: a response carries it back, and is applied only if the value is still that one.</summary>
    public UInt128 Hash { get; }

    public int LeftPartition { get; }

    /// <summary>The left key as its topic encodes it.</summary>
    public byte[] LeftKey { get; }

    public static IRecordCodec<ForeignKeySubscription> Codec { get; } = new SubscriptionCodec();

    private sealed class SubscriptionCodec : IRecordCodec<ForeignKeySubscription>
    {
        public void Write(IBufferWriter<byte> output, ForeignKeySubscription value)
        {
            var span = output.GetSpan(HeaderLength + value.LeftKey.Length);
            span[0] = Version;
            span[1] = (byte)value.Instruction;
            BinaryPrimitives.WriteUInt128BigEndian(span[2..], value.Hash);
            BinaryPrimitives.WriteInt32BigEndian(span[(2 + ForeignKeyHash.Length)..], value.LeftPartition);
            value.LeftKey.CopyTo(span[HeaderLength..]);
            output.Advance(HeaderLength + value.LeftKey.Length);
        }

        public ForeignKeySubscription Read(ReadOnlySpan<byte> data)
        {
            if (data.Length < HeaderLength || data[0] != Version || data[1] > (byte)SubscriptionInstruction.Unsubscribe)
            {
                throw new RecordDecodeException(
                    $"A foreign-key subscription of {data.Length} bytes (format {(data.IsEmpty ? "none" : data[0].ToString(System.Globalization.CultureInfo.InvariantCulture))}) is not one this version of Faustish writes (format {Version}); " +
                    "subscription topics are written only by the join's own agent.");
            }

            return new ForeignKeySubscription((SubscriptionInstruction)data[1], BinaryPrimitives.ReadUInt128BigEndian(data[2..]),
                BinaryPrimitives.ReadInt32BigEndian(data[(2 + ForeignKeyHash.Length)..]), data[HeaderLength..].ToArray());
        }
    }
}

/// <summary>
/// A record of <c>{app}-{agent}-fk-response</c>, keyed by the left key, to the left partition that subscribed. Its value: a
/// format version (1), the 16-byte hash of the left value it answers, a flag (1: the right value follows; 0: the foreign
/// key has no right value), then the right value's bytes.
/// </summary>
internal static class ForeignKeyResponse
{
    private const byte Version = 1;
    private const int HeaderLength = 2 + ForeignKeyHash.Length;

    public static void Write(IBufferWriter<byte> output, UInt128 hash, ReadOnlySpan<byte> right, bool rightIsNull)
    {
        var length = HeaderLength + (rightIsNull ? 0 : right.Length);
        var span = output.GetSpan(length);
        span[0] = Version;
        BinaryPrimitives.WriteUInt128BigEndian(span[1..], hash);
        span[1 + ForeignKeyHash.Length] = rightIsNull ? (byte)0 : (byte)1;
        if (!rightIsNull)
        {
            right.CopyTo(span[HeaderLength..]);
        }

        output.Advance(length);
    }

    /// <summary>Reads a response; <paramref name="right"/> is empty and <paramref name="rightIsNull"/> true when the foreign key has no right value.</summary>
    public static UInt128 Read(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> right, out bool rightIsNull)
    {
        if (data.Length < HeaderLength || data[0] != Version || data[1 + ForeignKeyHash.Length] > 1)
        {
            throw new RecordDecodeException(
                $"A foreign-key response of {data.Length} bytes is not one this version of Faustish writes (format {Version}); response topics are written only by the join's subscription stage.");
        }

        rightIsNull = data[1 + ForeignKeyHash.Length] == 0;
        right = rightIsNull ? default : data[HeaderLength..];
        return BinaryPrimitives.ReadUInt128BigEndian(data[1..]);
    }
}

/// <summary>
/// The hash that tells a response to the current left value from one to a value since replaced (Kafka Streams uses a
/// 128-bit murmur3; this is SHA-256 cut to 128 bits, in the base library): of the value's bytes, never 0.
/// </summary>
internal static class ForeignKeyHash
{
    public const int Length = 16;

    public static UInt128 Of(ReadOnlySpan<byte> value)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(value, digest);
        var hash = BinaryPrimitives.ReadUInt128BigEndian(digest);
        return hash == UInt128.Zero ? UInt128.One : hash;
    }
}
