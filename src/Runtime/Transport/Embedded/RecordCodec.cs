using System;
using System.Buffers.Binary;
using System.IO;

namespace Faustish.Transport.Embedded;

/// <summary>
/// The form of one record inside a partition's log (one FasterLog entry per record), big-endian:
/// <c>offset:int64, timestampMs:int64, transactionId:int64 (0 = written outside any transaction), keyLength:int32 (-1 = null),
/// valueLength:int32 (-1 = null), headersLength:int32, key bytes, value bytes, headers (<see cref="RecordHeaderEncoding"/>)</c>.
/// The offset is the record's number in its partition (0, 1, 2, …), set by <see cref="PartitionLog.Append"/> as the
/// entry is enqueued. Topic format 3 (<see cref="TopicState"/>); format 2 had no offset (offsets were log addresses),
/// format 1 no transaction id either.
/// </summary>
internal static class RecordCodec
{
    public const int FixedSize = 36;

    private const int TimestampAt = 8;
    private const int TransactionIdAt = 16;
    private const int KeyLengthAt = 24;
    private const int ValueLengthAt = 28;
    private const int HeadersLengthAt = 32;

    public static int SizeOf(int keyLength, int valueLength, int headersLength) =>
        FixedSize + keyLength + valueLength + headersLength;

    /// <summary>
    /// Writes a record into <paramref name="destination"/>, which is exactly <see cref="SizeOf"/> long. Its offset is left
    /// 0: <see cref="SetOffset"/> sets it when the entry is appended.
    /// </summary>
    public static void Write(Span<byte> destination, long timestampMs, long transactionId, ReadOnlySpan<byte> key, bool keyIsNull,
        ReadOnlySpan<byte> value, bool valueIsNull, int headersLength, out Span<byte> headersDestination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, 0);
        BinaryPrimitives.WriteInt64BigEndian(destination[TimestampAt..], timestampMs);
        BinaryPrimitives.WriteInt64BigEndian(destination[TransactionIdAt..], transactionId);
        BinaryPrimitives.WriteInt32BigEndian(destination[KeyLengthAt..], keyIsNull ? -1 : key.Length);
        BinaryPrimitives.WriteInt32BigEndian(destination[ValueLengthAt..], valueIsNull ? -1 : value.Length);
        BinaryPrimitives.WriteInt32BigEndian(destination[HeadersLengthAt..], headersLength);
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

    /// <summary>Sets the offset of an entry written by <see cref="Write"/>.</summary>
    public static void SetOffset(Span<byte> entry, long offset) => BinaryPrimitives.WriteInt64BigEndian(entry, offset);

    /// <summary>The offset of an entry read from the log; throws <see cref="InvalidDataException"/> when it is too short to hold one.</summary>
    public static long OffsetOf(ReadOnlySpan<byte> entry, TopicPartition partition, long address)
    {
        if (entry.Length < FixedSize)
        {
            throw Corrupt(partition, address, entry.Length);
        }

        var offset = BinaryPrimitives.ReadInt64BigEndian(entry);
        if (offset < 0)
        {
            throw Corrupt(partition, address, entry.Length);
        }

        return offset;
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

        timestampMs = BinaryPrimitives.ReadInt64BigEndian(entry[TimestampAt..]);
        var keyLength = BinaryPrimitives.ReadInt32BigEndian(entry[KeyLengthAt..]);
        var valueLength = BinaryPrimitives.ReadInt32BigEndian(entry[ValueLengthAt..]);
        var headersLength = BinaryPrimitives.ReadInt32BigEndian(entry[HeadersLengthAt..]);
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

    /// <summary>The timestamp of an entry at least <see cref="FixedSize"/> long.</summary>
    public static long TimestampOf(ReadOnlySpan<byte> entry) => BinaryPrimitives.ReadInt64BigEndian(entry[TimestampAt..]);

    /// <summary>Marks an entry as written outside any transaction (compaction copies only committed records).</summary>
    public static void ClearTransactionId(Span<byte> entry) => BinaryPrimitives.WriteInt64BigEndian(entry[TransactionIdAt..], 0);

    /// <summary>The key of an entry, or false when it is null; throws <see cref="InvalidDataException"/> when malformed.</summary>
    public static bool TryGetKey(ReadOnlySpan<byte> entry, TopicPartition partition, long offset, out ReadOnlySpan<byte> key, out bool valueIsNull)
    {
        Read(entry, partition, offset, out _, out key, out var keyIsNull, out _, out valueIsNull, out _);
        return !keyIsNull;
    }

    /// <summary>The transaction id of an entry (0 when it was written outside any transaction, or is too short to tell).</summary>
    public static long TransactionIdOf(ReadOnlySpan<byte> entry) =>
        entry.Length < FixedSize ? 0 : BinaryPrimitives.ReadInt64BigEndian(entry[TransactionIdAt..]);

    private static InvalidDataException Corrupt(TopicPartition partition, long position, int length) =>
        new($"The embedded log of {partition} holds a malformed record at {position} ({length} bytes). " +
            "The log files were changed outside Faustish or are damaged.");
}
