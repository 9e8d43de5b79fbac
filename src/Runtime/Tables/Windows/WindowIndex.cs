using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using Faustish.Serialization;

namespace Faustish.Tables.Windows;

/// <summary>What a record of a windowed table's index store holds.</summary>
internal enum IndexRecord : byte
{
    /// <summary>One key's windows (sessions and sliding tables): start, end and closed flag of each, in time order.</summary>
    Slots = 1,

    /// <summary>A chunk of a time queue's bucket: windows due in the bucket's time range.</summary>
    Chunk = 2,

    /// <summary>A page of the shard's metadata: table time, queue directories.</summary>
    Meta = 3,

    /// <summary>One window's value: the key, and the window's start and end in <see cref="IndexKey{TKey}.Group"/> and <see cref="IndexKey{TKey}.Sequence"/>.</summary>
    Value = 4,
}

/// <summary>
/// A key of a windowed table's index store: a user key's window list (<see cref="IndexRecord.Slots"/>), or a chunk or
/// metadata page, numbered by <see cref="Group"/> and <see cref="Sequence"/>.
/// </summary>
internal readonly record struct IndexKey<TKey>(IndexRecord Kind, TKey Key, long Group, long Sequence)
{
    public static IndexKey<TKey> SlotsOf(TKey key) => new(IndexRecord.Slots, key, 0, 0);

    public static IndexKey<TKey> Chunk(long group, long sequence) => new(IndexRecord.Chunk, default!, group, sequence);

    public static IndexKey<TKey> Meta(long page) => new(IndexRecord.Meta, default!, 0, page);

    public static IndexKey<TKey> ValueOf(WindowKey<TKey> window) => new(IndexRecord.Value, window.Key, window.StartMs, window.EndMs);
}

/// <summary>Encodes <see cref="IndexKey{TKey}"/>: the kind, then group and sequence (not for key lists), then the user key's bytes (key lists and values).</summary>
internal sealed class IndexKeyCodec<TKey>(IRecordCodec<TKey> keyCodec) : IRecordCodec<IndexKey<TKey>>
{
    public void Write(IBufferWriter<byte> output, IndexKey<TKey> value)
    {
        var span = output.GetSpan(17);
        span[0] = (byte)value.Kind;
        if (value.Kind == IndexRecord.Slots)
        {
            output.Advance(1);
            keyCodec.Write(output, value.Key);
            return;
        }

        BinaryPrimitives.WriteInt64BigEndian(span[1..], value.Group);
        BinaryPrimitives.WriteInt64BigEndian(span[9..], value.Sequence);
        output.Advance(17);
        if (value.Kind == IndexRecord.Value)
        {
            keyCodec.Write(output, value.Key);
        }
    }

    public IndexKey<TKey> Read(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            throw new RecordDecodeException("A windowed table's index key needs at least one byte.");
        }

        var kind = (IndexRecord)data[0];
        return kind == IndexRecord.Slots
            ? IndexKey<TKey>.SlotsOf(keyCodec.Read(data[1..]))
            : kind == IndexRecord.Value && data.Length >= 17
            ? new IndexKey<TKey>(kind, keyCodec.Read(data[17..]), BinaryPrimitives.ReadInt64BigEndian(data[1..]), BinaryPrimitives.ReadInt64BigEndian(data[9..]))
            : data.Length == 17
                ? new IndexKey<TKey>(kind, default!, BinaryPrimitives.ReadInt64BigEndian(data[1..]), BinaryPrimitives.ReadInt64BigEndian(data[9..]))
                : throw new RecordDecodeException($"A windowed table's index key of kind {kind} takes 17 bytes; this one has {data.Length}.");
    }
}

/// <summary>Bytes as they are (the index store's values are encoded by their owners).</summary>
internal sealed class RawBytesCodec : IRecordCodec<byte[]>
{
    public static RawBytesCodec Instance { get; } = new();

    public void Write(IBufferWriter<byte> output, byte[] value) => output.Write(value);

    public byte[] Read(ReadOnlySpan<byte> data) => data.ToArray();
}

/// <summary>
/// Windows ordered by a due time (close or expiry), kept in the index store rather than in memory: windows due in the
/// same time bucket (of <c>width</c> ms) are appended to chunks of at most <see cref="ChunkBytes"/> bytes, so memory holds
/// only the bucket directory (one entry per bucket: a bounded number, since every queued window is due within the
/// table's horizon of its time) and each bucket's unwritten tail. Dequeuing takes whole buckets, in time order: a bucket
/// whose windows are all due at one time is streamed chunk by chunk; one with several due times is read whole and sorted.
/// </summary>
internal sealed class WindowQueue<TKey> where TKey : notnull
{
    /// <summary>A chunk is written once its tail reaches this size (well below the smallest page a store can have, 4 KiB).</summary>
    public const int ChunkBytes = 1024;

    private const int DirectoryEntryBytes = 40;

    private readonly Func<IStateStore<IndexKey<TKey>, byte[]>> _store;
    private readonly IRecordCodec<WindowKey<TKey>> _codec;
    private readonly Func<long, long, long> _dueAt;
    private readonly long _width;
    private readonly SortedDictionary<long, Bucket> _buckets = [];
    private readonly ArrayBufferWriter<byte> _entry = new(256);
    private readonly List<(long Due, WindowKey<TKey> Window)> _sorted = [];
    private readonly long _queue;
    private long _nextGroup = 1;

    /// <param name="queue">Tells this queue's chunks from another's in the same store (1, 2, ...).</param>
    /// <param name="store">The index store (read each time: a restore may replace it).</param>
    /// <param name="codec">Codec of windowed keys.</param>
    /// <param name="dueAt">The due time of a window (start, end).</param>
    /// <param name="horizonMs">How far ahead of the table's time windows can be due: the bucket width is 1/1024 of it.</param>
    public WindowQueue(int queue, Func<IStateStore<IndexKey<TKey>, byte[]>> store, IRecordCodec<WindowKey<TKey>> codec, Func<long, long, long> dueAt, long horizonMs)
    {
        _queue = (long)queue << 32;
        _store = store;
        _codec = codec;
        _dueAt = dueAt;
        _width = Math.Max(1, horizonMs / 1024);
    }

    /// <summary>The earliest due time queued (<see cref="long.MaxValue"/> when empty).</summary>
    public long NextDue { get; private set; } = long.MaxValue;

    /// <summary>Buckets in the directory (what the queue holds in memory, besides their tails).</summary>
    public int BucketCount => _buckets.Count;

    /// <summary>Windows queued (stale entries of removed windows included).</summary>
    public long Count { get; private set; }

    /// <summary>Whether something changed since the directory was last written.</summary>
    public bool Dirty { get; private set; }

    public void Enqueue(WindowKey<TKey> window)
    {
        var due = _dueAt(window.StartMs, window.EndMs);
        var id = Math.DivRem(due, _width, out var rem) - (rem < 0 ? 1 : 0);
        if (!_buckets.TryGetValue(id, out var bucket))
        {
            bucket = new Bucket(_nextGroup++) { Min = due, Max = due };
            _buckets.Add(id, bucket);
        }

        bucket.Min = Math.Min(bucket.Min, due);
        bucket.Max = Math.Max(bucket.Max, due);
        _entry.ResetWrittenCount();
        _codec.Write(_entry, window);
        var tail = bucket.Tail ??= new ArrayBufferWriter<byte>(Math.Min(ChunkBytes, 4 * (_entry.WrittenCount + 4)));
        var length = tail.GetSpan(4);
        BinaryPrimitives.WriteInt32BigEndian(length, _entry.WrittenCount);
        tail.Advance(4);
        tail.Write(_entry.WrittenSpan);
        if (tail.WrittenCount >= ChunkBytes)
        {
            Spill(bucket);
        }

        NextDue = Math.Min(NextDue, due);
        Count++;
        Dirty = true;
    }

    /// <summary>
    /// Takes out every window due at or before <paramref name="now"/>, in due-time order (windows due at the same time in
    /// the order they were queued), and hands each to <paramref name="visit"/>, which may queue more.
    /// </summary>
    public void DequeueDue(long now, Action<WindowKey<TKey>> visit)
    {
        while (NextDue <= now)
        {
            var (id, bucket) = First();
            _buckets.Remove(id);
            Dirty = true;
            if (bucket.Min == bucket.Max)
            {
                // One due time: stream the chunks, so a bucket of every key's window (tumbling) never sits in memory whole.
                for (var chunk = 0; chunk < bucket.Chunks; chunk++)
                {
                    var bytes = TakeChunk(bucket.Group, chunk);
                    _sorted.Clear();
                    Decode(bytes, _sorted);
                    VisitAll(visit);
                }

                _sorted.Clear();
                if (bucket.Tail is { } tail)
                {
                    Decode(tail.WrittenSpan, _sorted);
                    VisitAll(visit);
                }
            }
            else
            {
                var entries = new List<(long Due, WindowKey<TKey> Window)>();
                for (var chunk = 0; chunk < bucket.Chunks; chunk++)
                {
                    Decode(TakeChunk(bucket.Group, chunk), entries);
                }

                if (bucket.Tail is { } tail)
                {
                    Decode(tail.WrittenSpan, entries);
                }

                // Stable: windows due at the same time keep their queued order.
                var ordered = new List<(long Due, WindowKey<TKey> Window)>(entries.Count);
                foreach (var entry in System.Linq.Enumerable.OrderBy(entries, static e => e.Due))
                {
                    ordered.Add(entry);
                }

                Count -= ordered.Count;
                foreach (var (due, window) in ordered)
                {
                    if (due <= now)
                    {
                        visit(window);
                    }
                    else
                    {
                        Enqueue(window);
                    }
                }
            }

            NextDue = _buckets.Count == 0 ? long.MaxValue : First().Bucket.Min;
        }
    }

    /// <summary>Writes every bucket's tail as a chunk (before a checkpoint: the store then holds the whole queue).</summary>
    public void SpillTails()
    {
        foreach (var bucket in _buckets.Values)
        {
            if (bucket.Tail is { WrittenCount: > 0 })
            {
                Spill(bucket);
                Dirty = true;
            }
        }
    }

    /// <summary>Appends the directory (after <see cref="SpillTails"/>): the next group number and each bucket.</summary>
    public void WriteDirectory(List<byte[]> pages, int pageBytes)
    {
        var page = new ArrayBufferWriter<byte>(pageBytes);
        void Long(long value)
        {
            BinaryPrimitives.WriteInt64BigEndian(page.GetSpan(8), value);
            page.Advance(8);
        }

        Long(_nextGroup);
        Long(Count);
        Long(_buckets.Count);
        foreach (var (id, bucket) in _buckets)
        {
            if (page.WrittenCount + DirectoryEntryBytes > pageBytes)
            {
                pages.Add(page.WrittenSpan.ToArray());
                page.ResetWrittenCount();
            }

            Long(id);
            Long(bucket.Group);
            Long(bucket.Min);
            Long(bucket.Max);
            Long(bucket.Chunks);
        }

        pages.Add(page.WrittenSpan.ToArray());
        Dirty = false;
    }

    /// <summary>Reads the directory <see cref="WriteDirectory"/> wrote, from <paramref name="reader"/>.</summary>
    public void ReadDirectory(MetaReader reader)
    {
        Clear();
        _nextGroup = reader.Long();
        Count = reader.Long();
        var buckets = reader.Long();
        for (long i = 0; i < buckets; i++)
        {
            var id = reader.Long();
            var bucket = new Bucket(reader.Long()) { Min = reader.Long(), Max = reader.Long(), Chunks = (int)reader.Long() };
            _buckets.Add(id, bucket);
        }

        NextDue = _buckets.Count == 0 ? long.MaxValue : First().Bucket.Min;
        Dirty = false;
    }

    /// <summary>Forgets everything (the store was emptied).</summary>
    public void Clear()
    {
        _buckets.Clear();
        NextDue = long.MaxValue;
        Count = 0;
        Dirty = false;
    }

    private void VisitAll(Action<WindowKey<TKey>> visit)
    {
        Count -= _sorted.Count;
        foreach (var (_, window) in _sorted)
        {
            visit(window);
        }
    }

    private (long Id, Bucket Bucket) First()
    {
        using var enumerator = _buckets.GetEnumerator();
        enumerator.MoveNext();
        return (enumerator.Current.Key, enumerator.Current.Value);
    }

    private void Spill(Bucket bucket)
    {
        var tail = bucket.Tail!;
        _store().Put(IndexKey<TKey>.Chunk(bucket.Group, _queue | (uint)bucket.Chunks), tail.WrittenSpan.ToArray());
        bucket.Chunks++;
        tail.ResetWrittenCount();
    }

    private byte[] TakeChunk(long group, int chunk)
    {
        var key = IndexKey<TKey>.Chunk(group, _queue | (uint)chunk);
        var store = _store();
        if (!store.TryGet(key, out var bytes))
        {
            throw new InvalidOperationException($"A windowed table's time queue lost chunk {chunk} of group {group}: its index store is damaged.");
        }

        store.Delete(key);
        return bytes;
    }

    private void Decode(ReadOnlySpan<byte> bytes, List<(long Due, WindowKey<TKey> Window)> into)
    {
        while (!bytes.IsEmpty)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes);
            var window = _codec.Read(bytes.Slice(4, length));
            into.Add((_dueAt(window.StartMs, window.EndMs), window));
            bytes = bytes[(4 + length)..];
        }
    }

    private sealed class Bucket(long group)
    {
        /// <summary>Numbers this bucket's chunks in the store; never reused by another bucket.</summary>
        public long Group { get; } = group;

        public long Min { get; set; }

        public long Max { get; set; }

        public int Chunks { get; set; }

        public ArrayBufferWriter<byte>? Tail { get; set; }
    }
}

/// <summary>Reads 8-byte numbers from a windowed table's metadata pages, in order.</summary>
internal sealed class MetaReader(IReadOnlyList<byte[]> pages)
{
    private int _page;
    private int _offset;

    public long Long()
    {
        while (_offset + 8 > pages[_page].Length)
        {
            _page++;
            _offset = 0;
            if (_page >= pages.Count)
            {
                throw new InvalidOperationException("A windowed table's metadata ended early: its index store is damaged.");
            }
        }

        var value = BinaryPrimitives.ReadInt64BigEndian(pages[_page].AsSpan(_offset));
        _offset += 8;
        return value;
    }
}

/// <summary>
/// A windowed table's window values, kept in its one FASTER store beside the window index (records of kind
/// <see cref="IndexRecord.Value"/>, values as their codec writes them).
/// </summary>
internal sealed class WindowValues<TKey, TValue>(IStateStore<IndexKey<TKey>, byte[]> store, IRecordCodec<TValue> codec) : IStateStore<WindowKey<TKey>, TValue>
    where TKey : notnull
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public bool TryGet(WindowKey<TKey> key, out TValue value)
    {
        if (store.TryGet(IndexKey<TKey>.ValueOf(key), out var bytes))
        {
            value = codec.Read(bytes);
            return true;
        }

        value = default!;
        return false;
    }

    public void Put(WindowKey<TKey> key, TValue value)
    {
        _buffer.ResetWrittenCount();
        codec.Write(_buffer, value);
        store.Put(IndexKey<TKey>.ValueOf(key), _buffer.WrittenSpan.ToArray());
    }

    public bool Delete(WindowKey<TKey> key) => store.Delete(IndexKey<TKey>.ValueOf(key));

    public IEnumerable<KeyValuePair<WindowKey<TKey>, TValue>> Scan()
    {
        foreach (var (key, bytes) in store.Scan())
        {
            if (key.Kind == IndexRecord.Value)
            {
                yield return new KeyValuePair<WindowKey<TKey>, TValue>(new WindowKey<TKey>(key.Key, key.Group, key.Sequence), codec.Read(bytes));
            }
        }
    }

    /// <summary>The store belongs to the shard, which disposes it.</summary>
    public void Dispose()
    {
    }
}
