using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Faustish.IO;

namespace Faustish.Transport.Embedded;

/// <summary>
/// The compacted head of a compacted partition: <c>{partition}/compacted.{coverEnd}</c>, an immutable file holding the
/// latest record of each key below offset <see cref="CoverEnd"/>, in offset order, each with its original offset (so
/// offsets read from it jump: a compacted partition is read with gaps). The partition's FasterLog holds the records
/// from <see cref="CoverEnd"/> on; everything of the log below <see cref="CleanAddress"/> is redundant with this file
/// and truncated away.
/// </summary>
/// <remarks>
/// <para>Why a separate file: FasterLog only appends, so compacting in place is impossible; the log's tail keeps taking
/// records while the cleaner writes the next file beside it, and a reader holding this file open keeps reading it after
/// a newer one replaced it (the file is unlinked, not overwritten).</para>
/// <para>Format: magic <c>FSHCMP01</c>, <c>coverEnd:int64 cleanAddress:int64 count:int64</c>, then per record
/// <c>length:int32 deleteHorizonMs:int64 entry</c> (<see cref="RecordCodec"/>; the horizon is when a tombstone may be
/// dropped, 0 for other records: Kafka's KIP-534), then a checksum (little-endian): FNV-1a 64 over the records, continued
/// over the header (which is written last, with the count).
/// Written to a temporary file, fsynced and renamed: a crash leaves the previous file in force.</para>
/// </remarks>
internal sealed class CompactedSegment
{
    public const string FilePrefix = "compacted.";
    private const int HeaderSize = 32;
    private const int IndexInterval = 256;
    private static ReadOnlySpan<byte> Magic => "FSHCMP01"u8;

    // A sparse index: every IndexInterval-th record's offset and file position.
    private readonly long[] _indexOffsets;
    private readonly long[] _indexPositions;

    private CompactedSegment(string path, long coverEnd, long cleanAddress, long count, long firstOffset, long length,
        long[] indexOffsets, long[] indexPositions)
    {
        Path = path;
        CoverEnd = coverEnd;
        CleanAddress = cleanAddress;
        Count = count;
        FirstOffset = firstOffset;
        Length = length;
        _indexOffsets = indexOffsets;
        _indexPositions = indexPositions;
    }

    public string Path { get; }

    /// <summary>The offset after the records this file covers: the log holds the records from this offset on.</summary>
    public long CoverEnd { get; }

    /// <summary>The log address of the record at <see cref="CoverEnd"/>: the log is truncated up to it.</summary>
    public long CleanAddress { get; }

    public long Count { get; }

    /// <summary>The offset of the first record kept (<see cref="CoverEnd"/> when the file holds none).</summary>
    public long FirstOffset { get; }

    /// <summary>The file's size in bytes.</summary>
    public long Length { get; }

    public static string PathFor(string directory, long coverEnd) =>
        System.IO.Path.Combine(directory, FilePrefix + coverEnd.ToString("D19", CultureInfo.InvariantCulture));

    /// <summary>
    /// The newest compacted file of a partition directory, or null if it was never compacted. Older files and temporary
    /// files left by a crash are deleted when <paramref name="removeOthers"/> (the owner's open). Throws
    /// <see cref="InvalidDataException"/> when the newest file is damaged (it was fsynced before it took effect).
    /// </summary>
    public static CompactedSegment? FindNewest(string directory, bool removeOthers)
    {
        if (!Directory.Exists(directory))
        {
            return null;
        }

        var files = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory, FilePrefix + "*"))
        {
            if (path.EndsWith(".tmp", StringComparison.Ordinal))
            {
                if (removeOthers)
                {
                    File.Delete(path);
                }

                continue;
            }

            files.Add(path);
        }

        if (files.Count == 0)
        {
            return null;
        }

        files.Sort(StringComparer.Ordinal); // Fixed-width names: the last one covers the most.
        var newest = Load(files[^1]);
        if (removeOthers)
        {
            for (var i = 0; i < files.Count - 1; i++)
            {
                File.Delete(files[i]);
            }
        }

        return newest;
    }

    private static CompactedSegment Load(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16);
        var length = stream.Length;
        Span<byte> header = stackalloc byte[HeaderSize];
        if (length < HeaderSize + 8 || stream.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) != HeaderSize || !header[..8].SequenceEqual(Magic))
        {
            throw Damaged(path, "it is not a compacted segment");
        }

        var coverEnd = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        var cleanAddress = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        var count = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
        var hash = FnvSeed;
        var offsets = new List<long>();
        var positions = new List<long>();
        var firstOffset = coverEnd;
        var position = (long)HeaderSize;
        var buffer = new byte[256];
        Span<byte> prefix = stackalloc byte[12];
        for (long i = 0; i < count; i++)
        {
            if (position + 12 > length - 8 || stream.ReadAtLeast(prefix, 12, throwOnEndOfStream: false) != 12)
            {
                throw Damaged(path, "a record runs past its end");
            }

            var entryLength = BinaryPrimitives.ReadInt32LittleEndian(prefix);
            if (entryLength < RecordCodec.FixedSize || position + 12 + entryLength > length - 8)
            {
                throw Damaged(path, "a record runs past its end");
            }

            if (buffer.Length < entryLength)
            {
                buffer = new byte[Math.Max(entryLength, buffer.Length * 2)];
            }

            stream.ReadExactly(buffer, 0, entryLength);
            hash = Fnv(Fnv(hash, prefix), buffer.AsSpan(0, entryLength));
            var offset = BinaryPrimitives.ReadInt64BigEndian(buffer);
            if (i == 0)
            {
                firstOffset = offset;
            }

            if (i % IndexInterval == 0)
            {
                offsets.Add(offset);
                positions.Add(position);
            }

            position += 12 + entryLength;
        }

        Span<byte> trailer = stackalloc byte[8];
        if (position != length - 8 || stream.ReadAtLeast(trailer, 8, throwOnEndOfStream: false) != 8
            || BinaryPrimitives.ReadUInt64LittleEndian(trailer) != Fnv(hash, header))
        {
            throw Damaged(path, "its checksum does not match");
        }

        return new CompactedSegment(path, coverEnd, cleanAddress, count, firstOffset, length, [.. offsets], [.. positions]);
    }

    /// <summary>Opens a reader positioned at the first record at or after <paramref name="fromOffset"/>.</summary>
    public Reader OpenReader(long fromOffset)
    {
        // The last indexed record at or below the offset; the reader passes over the records before it.
        var at = Array.BinarySearch(_indexOffsets, fromOffset);
        at = at >= 0 ? at : ~at - 1;
        var start = at < 0 ? HeaderSize : _indexPositions[at];
        var skipped = at < 0 ? 0 : (long)at * IndexInterval;
        return new Reader(this, start, skipped, fromOffset);
    }

    /// <summary>Writes a compacted file: <see cref="Add"/> each record in offset order, then <see cref="Commit"/>.</summary>
    public sealed class Writer : IDisposable
    {
        private readonly string _path;
        private readonly string _temporary;
        private readonly FileStream _stream;
        private readonly long _coverEnd;
        private readonly long _cleanAddress;
        private long _count;
        private ulong _hash = FnvSeed;
        private bool _committed;

        public Writer(string directory, long coverEnd, long cleanAddress)
        {
            _path = PathFor(directory, coverEnd);
            _temporary = _path + ".tmp";
            _coverEnd = coverEnd;
            _cleanAddress = cleanAddress;
            _stream = new FileStream(_temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            _stream.Write(new byte[HeaderSize]); // Written last, with the count.
        }

        public void Add(ReadOnlySpan<byte> entry, long deleteHorizonMs)
        {
            Span<byte> prefix = stackalloc byte[12];
            BinaryPrimitives.WriteInt32LittleEndian(prefix, entry.Length);
            BinaryPrimitives.WriteInt64LittleEndian(prefix[4..], deleteHorizonMs);
            _stream.Write(prefix);
            _stream.Write(entry);
            _hash = Fnv(Fnv(_hash, prefix), entry);
            _count++;
        }

        /// <summary>Makes the file durable and puts it in place; returns it loaded.</summary>
        public CompactedSegment Commit()
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt64LittleEndian(header[8..], _coverEnd);
            BinaryPrimitives.WriteInt64LittleEndian(header[16..], _cleanAddress);
            BinaryPrimitives.WriteInt64LittleEndian(header[24..], _count);
            _stream.Position = 0;
            _stream.Write(header);
            var hash = Fnv(_hash, header);
            Span<byte> trailer = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(trailer, hash);
            _stream.Seek(0, SeekOrigin.End);
            _stream.Write(trailer);
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
            File.Move(_temporary, _path, overwrite: true);
            DurableFile.SyncDirectory(System.IO.Path.GetDirectoryName(_path)!);
            _committed = true;
            return Load(_path);
        }

        public void Dispose()
        {
            _stream.Dispose();
            if (!_committed)
            {
                File.Delete(_temporary);
            }
        }
    }

    /// <summary>Reads records in offset order from a position; holds the file open, so it reads on after the file is replaced.</summary>
    public sealed class Reader : IDisposable
    {
        private readonly CompactedSegment _segment;
        private readonly FileStream _stream;
        private readonly long _fromOffset;
        private long _remaining;
        private byte[] _buffer = new byte[256];

        internal Reader(CompactedSegment segment, long position, long skipped, long fromOffset)
        {
            _segment = segment;
            _fromOffset = fromOffset;
            _remaining = segment.Count - skipped;
            _stream = new FileStream(segment.Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16);
            _stream.Position = position;
        }

        public CompactedSegment Segment => _segment;

        /// <summary>The next record at or after the starting offset, or false at the end of the file.</summary>
        public bool TryRead(out ReadOnlySpan<byte> entry, out long offset, out long deleteHorizonMs)
        {
            Span<byte> prefix = stackalloc byte[12];
            while (_remaining > 0)
            {
                _remaining--;
                _stream.ReadExactly(prefix);
                var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
                deleteHorizonMs = BinaryPrimitives.ReadInt64LittleEndian(prefix[4..]);
                if (_buffer.Length < length)
                {
                    _buffer = new byte[Math.Max(length, _buffer.Length * 2)];
                }

                _stream.ReadExactly(_buffer, 0, length);
                offset = BinaryPrimitives.ReadInt64BigEndian(_buffer);
                if (offset >= _fromOffset)
                {
                    entry = _buffer.AsSpan(0, length);
                    return true;
                }
            }

            entry = default;
            offset = -1;
            deleteHorizonMs = 0;
            return false;
        }

        public void Dispose() => _stream.Dispose();
    }

    private const ulong FnvSeed = 14695981039346656037UL;

    private static ulong Fnv(ulong hash, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static InvalidDataException Damaged(string path, string why) =>
        new($"The compacted segment '{path}' is damaged: {why}. It holds the latest value of every key of the partition's older records; restore it from a backup, or delete the topic's directory to start over (a changelog is then rebuilt from the tables' checkpoints only if they are intact).");
}
