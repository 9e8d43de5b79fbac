using System;
using System.Buffers.Binary;
using System.IO;
using Faustish.IO;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Faustish.Transport.Embedded;

/// <summary>
/// A sparse map from record offsets to log addresses of one partition: one entry for the partition's first record,
/// then one at least every <see cref="RecordInterval"/> records or <see cref="ByteInterval"/> bytes of log. Finding a
/// record is a floor lookup here and a forward scan of the log from the entry found.
/// </summary>
/// <remarks>
/// Kept in memory and in <c>{partition}/offsets.index</c>: an 8-byte magic, then 24-byte entries
/// <c>offset:int64, address:int64, check:int64</c> (little-endian; <c>check</c> mixes the other two, so that a torn or
/// zeroed entry is recognised). The file is append-only and only a hint: it is not fsynced with the log, and
/// <see cref="PartitionLog.Open"/> keeps only the entries that check out (valid, increasing, below the log's
/// committed end, first entry on the first record), truncates the rest away and re-creates what is missing by
/// scanning the log. Not thread-safe: <see cref="PartitionLog"/> guards it with its append lock.
/// </remarks>
internal sealed class OffsetIndex : IDisposable
{
    public const string FileName = "offsets.index";
    public const int RecordInterval = 1024;
    public const long ByteInterval = 1 << 20;

    private const int HeaderSize = 8;
    private const int EntrySize = 24;
    private const ulong CheckSeed = 0x9E3779B97F4A7C15UL;

    private readonly string _path;
    private readonly ILogger _logger;
    private long[] _offsets = new long[16];
    private long[] _addresses = new long[16];
    private int _count;
    private int _persisted; // entries [0, _persisted) are in the file
    private int _fileEntries; // entries the file held when loaded (valid or not)
    private bool _fileHeaderValid;
    private SafeFileHandle? _file;
    private bool _broken;

    private OffsetIndex(string path, ILogger logger)
    {
        _path = path;
        _logger = logger;
    }

    public int Count => _count;

    public long LastOffset => _offsets[_count - 1];

    public long LastAddress => _addresses[_count - 1];

    public long OffsetAt(int index) => _offsets[index];

    public long AddressAt(int index) => _addresses[index];

    /// <summary>
    /// Loads the entries of <paramref name="directory"/>'s index file that are well formed and increasing (none if the
    /// file is missing or not an index). The caller checks them against the log and calls <see cref="OpenForAppend"/>.
    /// </summary>
    public static OffsetIndex Load(string directory, ILogger logger)
    {
        var index = new OffsetIndex(Path.Combine(directory, FileName), logger);
        if (!File.Exists(index._path))
        {
            return index;
        }

        var bytes = File.ReadAllBytes(index._path);
        if (bytes.Length < HeaderSize || !bytes.AsSpan(0, HeaderSize).SequenceEqual(Magic))
        {
            return index;
        }

        index._fileHeaderValid = true;
        index._fileEntries = (bytes.Length - HeaderSize) / EntrySize;
        for (var at = HeaderSize; at + EntrySize <= bytes.Length; at += EntrySize)
        {
            var offset = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at));
            var address = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at + 8));
            var check = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at + 16));
            if (check != Check(offset, address) || offset < 0 || address <= 0
                || (index._count > 0 && (offset <= index.LastOffset || address <= index.LastAddress)))
            {
                break;
            }

            index.Add(offset, address);
        }

        index._persisted = index._count;
        return index;
    }

    /// <summary>Whether a record at <paramref name="offset"/>/<paramref name="address"/> should get an entry.</summary>
    public bool ShouldAdd(long offset, long address) =>
        _count == 0 || offset - _offsets[_count - 1] >= RecordInterval || address - _addresses[_count - 1] >= ByteInterval;

    public void Add(long offset, long address)
    {
        if (_count == _offsets.Length)
        {
            Array.Resize(ref _offsets, _count * 2);
            Array.Resize(ref _addresses, _count * 2);
        }

        _offsets[_count] = offset;
        _addresses[_count] = address;
        _count++;
    }

    /// <summary>Keeps the first <paramref name="count"/> entries only.</summary>
    public void TruncateTo(int count)
    {
        _count = Math.Min(_count, count);
        _persisted = Math.Min(_persisted, _count);
    }

    /// <summary>
    /// The log was truncated below <paramref name="address"/>, where the record at <paramref name="firstOffset"/> starts:
    /// drops the entries below it, makes that record the first entry, and rewrites the file (small: one entry per
    /// <see cref="RecordInterval"/> records).
    /// </summary>
    public void DropBefore(long address, long firstOffset)
    {
        var drop = 0;
        while (drop < _count && _addresses[drop] < address)
        {
            drop++;
        }

        var keepFirst = drop < _count && _addresses[drop] == address;
        var head = keepFirst ? 0 : 1;
        var count = _count - drop + head;
        var offsets = new long[Math.Max(16, count * 2)];
        var addresses = new long[offsets.Length];
        Array.Copy(_offsets, drop, offsets, head, _count - drop);
        Array.Copy(_addresses, drop, addresses, head, _count - drop);
        if (!keepFirst)
        {
            offsets[0] = firstOffset;
            addresses[0] = address;
        }

        _offsets = offsets;
        _addresses = addresses;
        _count = count;
        _persisted = 0;
        if (_file is null || _broken)
        {
            return;
        }

        try
        {
            // A crash in between leaves a short index, which the next open extends by scanning the log.
            RandomAccess.SetLength(_file, HeaderSize);
            Persist();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Broken(e);
        }
    }

    /// <summary>The position of the last entry whose offset is at most <paramref name="offset"/>, or -1 if there is none.</summary>
    public int Floor(long offset)
    {
        var low = 0;
        var high = _count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) >> 1);
            if (_offsets[middle] <= offset)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return high;
    }

    /// <summary>
    /// Makes the file hold exactly the entries kept so far (truncating what was dropped, durably, so that a dropped entry
    /// never comes back) and opens it for appending the rest by <see cref="Persist"/>.
    /// </summary>
    public void OpenForAppend()
    {
        try
        {
            var keep = (long)HeaderSize + ((long)_persisted * EntrySize);
            _file = File.OpenHandle(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
            var length = RandomAccess.GetLength(_file);
            if (!_fileHeaderValid)
            {
                RandomAccess.SetLength(_file, 0);
                RandomAccess.Write(_file, Magic, 0);
                RandomAccess.FlushToDisk(_file);
                DurableFile.SyncDirectory(Path.GetDirectoryName(_path)!);
            }
            else if (length != keep || _fileEntries != _persisted)
            {
                RandomAccess.SetLength(_file, keep);
                RandomAccess.FlushToDisk(_file);
            }

            Persist();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Broken(e);
        }
    }

    /// <summary>Appends the entries added since the last call to the file (a hint: failures are logged, and the next open rebuilds it).</summary>
    public void Persist()
    {
        if (_persisted == _count || _broken || _file is null)
        {
            return;
        }

        try
        {
            const int Chunk = 32;
            Span<byte> buffer = stackalloc byte[Chunk * EntrySize];
            while (_persisted < _count)
            {
                var n = Math.Min(Chunk, _count - _persisted);
                for (var i = 0; i < n; i++)
                {
                    var entry = buffer.Slice(i * EntrySize, EntrySize);
                    var offset = _offsets[_persisted + i];
                    var address = _addresses[_persisted + i];
                    BinaryPrimitives.WriteInt64LittleEndian(entry, offset);
                    BinaryPrimitives.WriteInt64LittleEndian(entry[8..], address);
                    BinaryPrimitives.WriteUInt64LittleEndian(entry[16..], Check(offset, address));
                }

                RandomAccess.Write(_file, buffer[..(n * EntrySize)], HeaderSize + ((long)_persisted * EntrySize));
                _persisted += n;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Broken(e);
        }
    }

    public void Dispose()
    {
        Persist();
        _file?.Dispose();
        _file = null;
    }

    private void Broken(Exception e)
    {
        _broken = true;
        _logger.LogWarning(e, "Could not write the offset index '{Path}': {Message}. Reads stay correct; the index is rebuilt from the log when the transport next opens.",
            _path, e.Message);
    }

    private static ReadOnlySpan<byte> Magic => "FSHOFIX1"u8;

    private static ulong Check(long offset, long address)
    {
        var x = ((ulong)offset * CheckSeed) ^ (ulong)address;
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 29;
        return x ^ CheckSeed;
    }
}
