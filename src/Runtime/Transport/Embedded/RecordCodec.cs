using System;
using System.Buffers.Binary;
using System.IO;

namespace Faustish.Transport.Embedded;

/// <summary>
/// The form of one record inside a partition's log (one FasterLog entry per record), big-endian:
/// <c>timestampMs:int64, transactionId:int64 (0 = written outside any transaction), keyLength:int32 (-1 = null),
/// valueLength:int32 (-1 = null), headersLength:int32, key bytes, value bytes, headers (<see cref="RecordHeaderEncoding"/>)</c>.
/// Topic format 2 (<see cref="TopicState"/>); format 1 had no transaction id.
/// </summary>
internal static class RecordCodec
{
    public const int FixedSize = 28;

    public static int SizeOf(int keyLength, int valueLength, int headersLength) =>
        FixedSize + keyLength + valueLength + headersLength;

    /// <summary>Writes a record into <paramref name="destination"/>, which is exactly <see cref="SizeOf"/> long.</summary>
    public static void Write(Span<byte> destination, long timestampMs, long transactionId, ReadOnlySpan<byte> key, bool keyIsNull,
        ReadOnlySpan<byte> value, bool valueIsNull, int headersLength, out Span<byte> headersDestination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, timestampMs);
        BinaryPrimitives.WriteInt64BigEndian(destination[8..], transactionId);
        BinaryPrimitives.WriteInt32BigEndian(destination[16..], keyIsNull ? -1 : key.Length);
        BinaryPrimitives.WriteInt32BigEndian(destination[20..], valueIsNull ? -1 : value.Length);
        BinaryPrimitives.WriteInt32BigEndian(destination[24..], headersLength);
        var at = FixedSize;
        if (!keyIsNull)
        {
            key.CopyTo(destination[at..]);
            at += key.Length;
        }

        if (!valueIsNull)
        {
            value.CopyTo(destination[at..]);
            at += value.Length;
        }

        headersDestination = destination.Slice(at, headersLength);
    }

    /// <summary>Splits an entry read from the log into its parts; throws <see cref="InvalidDataException"/> when it is malformed.</summary>
    public static void Read(ReadOnlySpan<byte> entry, TopicPartition partition, long offset, out long timestampMs,
        out ReadOnlySpan<byte> key, out bool keyIsNull, out ReadOnlySpan<byte> value, out bool valueIsNull,
        out ReadOnlySpan<byte> headers)
    {
        if (entry.Length < FixedSize)
        {
            throw Corrupt(partition, offset, entry.Length);
        }

        timestampMs = BinaryPrimitives.ReadInt64BigEndian(entry);
        var keyLength = BinaryPrimitives.ReadInt32BigEndian(entry[16..]);
        var valueLength = BinaryPrimitives.ReadInt32BigEndian(entry[20..]);
        var headersLength = BinaryPrimitives.ReadInt32BigEndian(entry[24..]);
        keyIsNull = keyLength == -1;
        valueIsNull = valueLength == -1;
        var keyBytes = keyIsNull ? 0L : keyLength;
        var valueBytes = valueIsNull ? 0L : valueLength;
        if (keyLength < -1 || valueLength < -1 || headersLength < 0 || FixedSize + keyBytes + valueBytes + headersLength != entry.Length)
        {
            throw Corrupt(partition, offset, entry.Length);
        }

        key = entry.Slice(FixedSize, (int)keyBytes);
        value = entry.Slice(FixedSize + (int)keyBytes, (int)valueBytes);
        headers = entry.Slice(FixedSize + (int)keyBytes + (int)valueBytes, headersLength);
    }

    /// <summary>The transaction id of an entry (0 when it was written outside any transaction, or is too short to tell).</summary>
    public static long TransactionIdOf(ReadOnlySpan<byte> entry) =>
        entry.Length < FixedSize ? 0 : BinaryPrimitives.ReadInt64BigEndian(entry[8..]);

    private static InvalidDataException Corrupt(TopicPartition partition, long offset, int length) =>
        new($"The embedded log of {partition} holds a malformed record at offset {offset} ({length} bytes). " +
            "The log files were changed outside Faustish or are damaged.");
}
