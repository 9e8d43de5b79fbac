using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace Faustish.Transport;

/// <summary>
/// A reusable batch of records from one topic partition. Transports copy record bytes into one growing
/// buffer, so a consumer loop that reuses its batch allocates nothing once the buffer has grown.
/// </summary>
public sealed class RecordBatch
{
    private byte[] _bytes;
    private int _used;
    private BatchRecord[] _records;

    public RecordBatch(int initialRecords = 1024, int initialBytes = 256 * 1024)
    {
        _records = new BatchRecord[initialRecords];
        _bytes = new byte[initialBytes];
    }

    /// <summary>Topic of every record in the batch.</summary>
    public string Topic { get; private set; } = "";

    /// <summary>Partition of every record in the batch.</summary>
    public int Partition { get; private set; } = -1;

    public int Count { get; private set; }

    public ref readonly BatchRecord this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)Count)
            {
                ThrowIndex(index);
            }

            return ref _records[index];
        }
    }

    /// <summary>The key bytes; empty for a null key (check <see cref="BatchRecord.KeyIsNull"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> KeyOf(in BatchRecord record) =>
        record.KeyLength < 0 ? default : new ReadOnlySpan<byte>(_bytes, record.KeyStart, record.KeyLength);

    /// <summary>The value bytes; empty for a null value (a tombstone; check <see cref="BatchRecord.ValueIsNull"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> ValueOf(in BatchRecord record) =>
        record.ValueLength < 0 ? default : new ReadOnlySpan<byte>(_bytes, record.ValueStart, record.ValueLength);

    /// <summary>The record's headers, parsed (allocates; meant for the rare paths that need them).</summary>
    public IReadOnlyList<RecordHeader> HeadersOf(in BatchRecord record) =>
        RecordHeaderEncoding.Read(new ReadOnlySpan<byte>(_bytes, record.HeadersStart, record.HeadersLength));

    /// <summary>The record's headers in <see cref="RecordHeaderEncoding"/>'s form (empty when it has none), to copy them on unparsed.</summary>
    public ReadOnlySpan<byte> EncodedHeadersOf(in BatchRecord record) => new(_bytes, record.HeadersStart, record.HeadersLength);

    /// <summary>Empties the batch and points it at a partition. Called by transports before filling it.</summary>
    public void Reset(string topic, int partition)
    {
        Topic = topic;
        Partition = partition;
        Count = 0;
        _used = 0;
    }

    /// <summary>
    /// Drops the records at <paramref name="offset"/> and after (a batch holds its partition's records in offset order);
    /// returns how many were dropped.
    /// </summary>
    public int DropFrom(long offset)
    {
        var kept = Count;
        while (kept > 0 && _records[kept - 1].Offset >= offset)
        {
            kept--;
        }

        var dropped = Count - kept;
        Count = kept;
        return dropped;
    }

    /// <summary>
    /// Appends a record whose key, value and encoded headers (see <see cref="RecordHeaderEncoding"/>) are
    /// given as spans; a length of -1 marks a null key or value.
    /// </summary>
    public void Add(long offset, long nextOffset, long timestampMs,
        ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull, ReadOnlySpan<byte> encodedHeaders)
    {
        var keyStart = Append(key);
        var valueStart = Append(value);
        var headersStart = Append(encodedHeaders);
        if (Count == _records.Length)
        {
            Array.Resize(ref _records, _records.Length * 2);
        }

        _records[Count++] = new BatchRecord(offset, nextOffset, timestampMs,
            keyStart, keyIsNull ? -1 : key.Length,
            valueStart, valueIsNull ? -1 : value.Length,
            headersStart, encodedHeaders.Length);
    }

    private int Append(ReadOnlySpan<byte> data)
    {
        var start = _used;
        if (data.IsEmpty)
        {
            return start;
        }

        if (_used + data.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + data.Length));
        }

        data.CopyTo(_bytes.AsSpan(_used));
        _used += data.Length;
        return start;
    }

    private static void ThrowIndex(int index) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, "Record index is outside the batch.");
}

/// <summary>Where one record of a <see cref="RecordBatch"/> sits, and its coordinates.</summary>
/// <param name="Offset">The record's offset: its number in its partition (0, 1, 2, …), on every transport.</param>
/// <param name="NextOffset">The offset to commit once this record is processed: <paramref name="Offset"/> + 1.</param>
/// <param name="TimestampMs">The record's timestamp, in Unix milliseconds.</param>
public readonly record struct BatchRecord(
    long Offset, long NextOffset, long TimestampMs,
    int KeyStart, int KeyLength, int ValueStart, int ValueLength, int HeadersStart, int HeadersLength)
{
    public bool KeyIsNull => KeyLength < 0;

    public bool ValueIsNull => ValueLength < 0;
}
