using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Faustish.IO;
using FASTER.core;

namespace Faustish.Tables.Faster;

/// <summary>
/// A table partition's state in FASTER KV on local disk: hot keys in memory, the rest spilled to the log file.
/// The in-memory part stays within its share of a <see cref="StoreMemoryBudget"/>.
/// </summary>
/// <remarks>
/// <para>
/// With <see cref="StoreOptions.Checkpoints"/> the store keeps its files across runs and takes full FASTER checkpoints
/// (hash index plus a snapshot of the log's in-memory part) with a sidecar <see cref="CheckpointManifest"/> that
/// records the changelog offset and a checksum of every checkpoint file. Layout of the store's folder:
/// </para>
/// <code>
/// hlog.log.N, hlog.obj.log.N                   FASTER's log (shared by all checkpoints; records below a
///                                             checkpoint's flushed address are never rewritten)
/// checkpoints/index-checkpoints/{token}/…      FASTER's hash index checkpoint
/// checkpoints/cpr-checkpoints/{token}/…        FASTER's log checkpoint metadata and snapshot
/// checkpoints/manifest-{sequence:D12}.json     the sidecar, written last
/// </code>
/// <para>Without it the store starts empty every time and its files are deleted (state comes from the changelog).</para>
/// </remarks>
public abstract class FasterStore<TKey, TValue> : IStateStore<TKey, TValue>, ICheckpointableStore, IBudgetedStore where TKey : notnull
{
    // 2^16 hash buckets (4 MiB of index) per partition; FASTER chains overflow buckets beyond that.
    private const long IndexBuckets = 1L << 16;
    private const string CheckpointFolder = "checkpoints";

    // FASTER keeps a couple of pages beyond its target (the tail page and the next one it allocates ahead);
    // the target leaves room for them within the share.
    private const int PagesKeptBeyondTarget = 4;

    private readonly bool _needsObjectLog;
    private readonly SerializerSettings<TKey, TValue>? _serializers;
    private readonly StoreMemoryBudget _budget;
    private readonly bool _keepFiles;
    private readonly Lock _sync = new();
    private FasterKV<TKey, TValue> _store = null!;
    private ClientSession<TKey, TValue, TValue, TValue, Empty, SimpleFunctions<TKey, TValue>> _session = null!;
    private IDevice _log = null!;
    private IDevice? _objectLog;
    private long _limitBytes = long.MaxValue;
    private int _targetPages;
    private long _nextSequence = 1;
    private bool _disposed;

    // Opened on a folder that did not exist or was empty, and neither checkpointed nor recovered since: with an empty
    // log, such a store is already what Reset makes (empty, no files of an earlier run), so Reset keeps it.
    private bool _pristine;

    protected FasterStore(StoreOptions options, bool needsObjectLog, SerializerSettings<TKey, TValue>? serializers)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory = Path.GetFullPath(options.Directory);
        _needsObjectLog = needsObjectLog;
        _serializers = serializers;
        _keepFiles = options.Checkpoints;
        _budget = options.Budget ?? new StoreMemoryBudget(Math.Max(options.MemoryBytes, 1L << 16));
        if (!_keepFiles)
        {
            // State is rebuilt from the changelog, so files left by an earlier run are stale: start clean.
            DeleteFolder();
        }

        Open();
        _budget.Register(this);
    }

    /// <inheritdoc/>
    public string Directory { get; }

    /// <summary>Memory this store's log holds now (allocated pages and overflow pages), in bytes.</summary>
    public long InMemoryBytes
    {
        get
        {
            lock (_sync)
            {
                return _disposed ? 0 : _store.Log.MemorySizeBytes;
            }
        }
    }

    /// <summary>The budget this store shares.</summary>
    public StoreMemoryBudget Budget => _budget;

    private string CheckpointDirectory => Path.Combine(Directory, CheckpointFolder);

    public bool TryGet(TKey key, out TValue value)
    {
        TValue output = default!;
        var status = _session.Read(ref key, ref output);
        if (status.IsPending)
        {
            // The record is on disk: wait for the read (rare for hot keys).
            _session.CompletePendingWithOutputs(out var completed, wait: true);
            using (completed)
            {
                while (completed.Next())
                {
                    status = completed.Current.Status;
                    output = completed.Current.Output;
                }
            }
        }

        value = output;
        return status.Found;
    }

    public void Put(TKey key, TValue value)
    {
        _session.Upsert(ref key, ref value);
        if (_store.Log.MemorySizeBytes > Volatile.Read(ref _limitBytes))
        {
            Evict();
        }
    }

    /// <summary>Read-modify-write in one FASTER operation: the functions add the delta in place (numeric values only).</summary>
    public bool TryAdd(TKey key, TValue delta, out TValue sum)
    {
        if (!Numeric.IsNumeric<TValue>())
        {
            sum = default!;
            return false;
        }

        TValue output = default!;
        var status = _session.RMW(ref key, ref delta, ref output);
        if (status.IsPending)
        {
            _session.CompletePendingWithOutputs(out var completed, wait: true);
            using (completed)
            {
                while (completed.Next())
                {
                    output = completed.Current.Output;
                }
            }
        }

        if (_store.Log.MemorySizeBytes > Volatile.Read(ref _limitBytes))
        {
            Evict();
        }

        sum = output;
        return true;
    }

    public bool Delete(TKey key)
    {
        var existed = TryGet(key, out _);
        if (existed)
        {
            _session.Delete(ref key);
            if (_store.Log.MemorySizeBytes > Volatile.Read(ref _limitBytes))
            {
                Evict();
            }
        }

        return existed;
    }

    public IEnumerable<KeyValuePair<TKey, TValue>> Scan()
    {
        using var iterator = _session.Iterate();
        while (iterator.GetNext(out _))
        {
            yield return new KeyValuePair<TKey, TValue>(iterator.GetKey(), iterator.GetValue());
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<CheckpointCandidate> ListCheckpoints()
    {
        if (!System.IO.Directory.Exists(CheckpointDirectory))
        {
            return [];
        }

        var candidates = new List<CheckpointCandidate>();
        foreach (var path in System.IO.Directory.EnumerateFiles(CheckpointDirectory, "manifest-*.json"))
        {
            if (CheckpointManifest.SequenceOf(Path.GetFileName(path)) is not { } sequence)
            {
                continue;
            }

            try
            {
                var manifest = CheckpointManifest.Read(path);
                candidates.Add(manifest.Sequence == sequence
                    ? new CheckpointCandidate(sequence, path, manifest, null)
                    : new CheckpointCandidate(sequence, path, null, $"manifest '{Path.GetFileName(path)}' says sequence {manifest.Sequence}"));
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                candidates.Add(new CheckpointCandidate(sequence, path, null, e.Message));
            }
        }

        candidates.Sort((a, b) => b.Sequence.CompareTo(a.Sequence));
        return candidates;
    }

    /// <inheritdoc/>
    public void RecoverFrom(CheckpointManifest checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        RequireCheckpoints();
        checkpoint.Verify(Directory);
        lock (_sync)
        {
            _pristine = false;
            try
            {
                _session.Dispose();
                _store.Recover(checkpoint.Token, numPagesToPreload: Math.Max(1, _targetPages));
                _session = NewSession();
            }
            catch
            {
                // FASTER may be half-way through: start over on the same files, so an older checkpoint can be tried.
                Close();
                Open();
                ApplyShare(wait: false);
                throw;
            }

            ApplyShare(wait: true);
        }
    }

    /// <inheritdoc/>
    public void Reset()
    {
        lock (_sync)
        {
            if (_pristine && _store.Log.TailAddress == _store.Log.BeginAddress)
            {
                // Nothing written, nothing on disk from before: closing and reopening FASTER (its index and first pages
                // allocated again) would change nothing. A fresh partition's restore resets every store it opens.
                return;
            }

            Close();
            DeleteFolder();
            Open();
            ApplyShare(wait: false);
        }
    }

    /// <inheritdoc/>
    public void DeleteCheckpoint(CheckpointCandidate checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (File.Exists(checkpoint.ManifestPath))
        {
            File.Delete(checkpoint.ManifestPath);
            DurableFile.SyncDirectory(CheckpointDirectory);
        }

        if (checkpoint.Manifest is { } manifest)
        {
            DeleteTokenFolders(manifest.Token);
        }
    }

    /// <inheritdoc/>
    public CheckpointManifest Checkpoint(long changelogOffset, int keep)
    {
        RequireCheckpoints();
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        _pristine = false;
        _session.CompletePending(wait: true);
        var (taken, token) = _store.TakeFullCheckpointAsync(CheckpointType.Snapshot).AsTask().GetAwaiter().GetResult();
        if (!taken)
        {
            throw new InvalidOperationException($"FASTER did not take a checkpoint of '{Directory}' (another one is in progress).");
        }

        // Everything the checkpoint needs must be durable before the manifest says it exists: the log below the
        // checkpoint's flushed address and the checkpoint's own files.
        foreach (var segment in System.IO.Directory.EnumerateFiles(Directory, "hlog*"))
        {
            SyncFile(segment);
        }

        var files = new List<CheckpointFile>();
        foreach (var folder in TokenFolders(token))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                SyncFile(file);
                files.Add(CheckpointManifest.Describe(Directory, file));
            }

            DurableFile.SyncDirectory(folder);
        }

        if (files.Count == 0)
        {
            throw new InvalidOperationException($"FASTER reported checkpoint {token} of '{Directory}', but wrote no files for it.");
        }

        var manifest = new CheckpointManifest(_nextSequence++, token, changelogOffset, DateTimeOffset.UtcNow, files);
        manifest.Write(Path.Combine(CheckpointDirectory, CheckpointManifest.FileName(manifest.Sequence)));
        Prune(keep);
        return manifest;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _budget.Unregister(this);
        lock (_sync)
        {
            _disposed = true;
            Close();
        }

        GC.SuppressFinalize(this);
    }

    void IBudgetedStore.SetShare(long bytes)
    {
        lock (_sync)
        {
            var pageBytes = _budget.PageSizeBytes;
            _targetPages = (int)Math.Max(1, (bytes / pageBytes) - PagesKeptBeyondTarget);
            Volatile.Write(ref _limitBytes, Math.Max(bytes - pageBytes, 2 * pageBytes));
            if (!_disposed)
            {
                ApplyShare(wait: _store.Log.MemorySizeBytes > bytes);
            }
        }
    }

    private void Evict()
    {
        lock (_sync)
        {
            ApplyShare(wait: true);
        }
    }

    /// <summary>Leaves all but the target's pages empty; with <paramref name="wait"/>, flushes and evicts down to it now. Under the lock.</summary>
    private void ApplyShare(bool wait)
    {
        var log = _store.Log;
        var empty = Math.Clamp(log.BufferSize - _targetPages, 0, log.MaxEmptyPageCount);
        log.SetEmptyPageCount(empty, wait);
    }

    private void Open()
    {
        _pristine = !System.IO.Directory.Exists(Directory) || !System.IO.Directory.EnumerateFileSystemEntries(Directory).Any();
        System.IO.Directory.CreateDirectory(Directory);
        var deleteOnClose = !_keepFiles;
        _log = Devices.CreateLogDevice(Path.Combine(Directory, "hlog.log"), preallocateFile: false, deleteOnClose: deleteOnClose);
        _objectLog = _needsObjectLog
            ? Devices.CreateLogDevice(Path.Combine(Directory, "hlog.obj.log"), preallocateFile: false, deleteOnClose: deleteOnClose)
            : null;
        var logSettings = new LogSettings
        {
            LogDevice = _log,
            ObjectLogDevice = _objectLog,
            MemorySizeBits = _budget.MemorySizeBits,
            PageSizeBits = _budget.PageSizeBits,
            MutableFraction = 0.9,
        };
        var checkpointSettings = _keepFiles
            ? new CheckpointSettings { CheckpointDir = CheckpointDirectory, RemoveOutdated = false }
            : null;
        _store = new FasterKV<TKey, TValue>(IndexBuckets, logSettings, checkpointSettings, _serializers);
        _session = NewSession();
        if (_keepFiles)
        {
            var checkpoints = ListCheckpoints();
            _nextSequence = Math.Max(_nextSequence, (checkpoints.Count > 0 ? checkpoints[0].Sequence : 0) + 1);
        }
    }

    // Upserts replace values; read-modify-writes (TryAdd) add the input to the value in place.
    private ClientSession<TKey, TValue, TValue, TValue, Empty, SimpleFunctions<TKey, TValue>> NewSession() =>
        _store.For(new SimpleFunctions<TKey, TValue>(static (input, current) => Numeric.IsNumeric<TValue>() ? Numeric.Sum(current, input) : input))
            .NewSession<SimpleFunctions<TKey, TValue>>();

    private void Close()
    {
        _session.Dispose();
        _store.Dispose();
        _log.Dispose();
        _objectLog?.Dispose();
    }

    private void DeleteFolder()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private void RequireCheckpoints()
    {
        if (!_keepFiles)
        {
            throw new InvalidOperationException($"The store in '{Directory}' was opened without checkpoints (StoreOptions.Checkpoints).");
        }
    }

    /// <summary>Keeps the newest <paramref name="keep"/> manifests; deletes older ones and FASTER folders no kept manifest names.</summary>
    private void Prune(int keep)
    {
        var candidates = ListCheckpoints();
        var kept = new HashSet<Guid>();
        for (var i = 0; i < candidates.Count; i++)
        {
            if (i < keep)
            {
                if (candidates[i].Manifest is { } manifest)
                {
                    kept.Add(manifest.Token);
                }
            }
            else
            {
                DeleteCheckpoint(candidates[i]);
            }
        }

        // Folders of checkpoints whose manifest was never written (a crash in between) or was deleted above.
        foreach (var kind in System.IO.Directory.EnumerateDirectories(CheckpointDirectory))
        {
            foreach (var folder in System.IO.Directory.EnumerateDirectories(kind))
            {
                if (Guid.TryParse(Path.GetFileName(folder), out var token) && !kept.Contains(token))
                {
                    System.IO.Directory.Delete(folder, recursive: true);
                }
            }
        }
    }

    private IEnumerable<string> TokenFolders(Guid token)
    {
        if (!System.IO.Directory.Exists(CheckpointDirectory))
        {
            yield break;
        }

        var name = token.ToString();
        foreach (var kind in System.IO.Directory.EnumerateDirectories(CheckpointDirectory).Order(StringComparer.Ordinal))
        {
            var folder = Path.Combine(kind, name);
            if (System.IO.Directory.Exists(folder))
            {
                yield return folder;
            }
        }
    }

    private void DeleteTokenFolders(Guid token)
    {
        foreach (var folder in TokenFolders(token).ToList())
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
    }

    private static void SyncFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        stream.Flush(flushToDisk: true);
    }
}

/// <summary>A FASTER store for keys and values without references (<c>long</c>, <c>int</c>, plain structs): kept as they are.</summary>
public sealed class FasterBlittableStore<TKey, TValue>(StoreOptions options)
    : FasterStore<TKey, TValue>(options, needsObjectLog: false, serializers: null)
    where TKey : unmanaged
    where TValue : unmanaged;

/// <summary>A FASTER store for keys or values with references (strings, records): spilled to disk through their codecs.</summary>
public sealed class FasterEncodedStore<TKey, TValue>(StoreOptions options, Serialization.IRecordCodec<TKey> keyCodec, Serialization.IRecordCodec<TValue> valueCodec)
    : FasterStore<TKey, TValue>(options, needsObjectLog: true, new SerializerSettings<TKey, TValue>
    {
        keySerializer = () => new CodecObjectSerializer<TKey>(keyCodec),
        valueSerializer = () => new CodecObjectSerializer<TValue>(valueCodec),
    })
    where TKey : notnull;

/// <summary>Writes objects FASTER spills to its object log as length-prefixed codec bytes.</summary>
internal sealed class CodecObjectSerializer<T>(Serialization.IRecordCodec<T> codec) : BinaryObjectSerializer<T>
{
    private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new();

    public override void Serialize(ref T obj)
    {
        _buffer.ResetWrittenCount();
        codec.Write(_buffer, obj);
        writer.Write(_buffer.WrittenCount);
        writer.Write(_buffer.WrittenSpan);
    }

    public override void Deserialize(out T obj)
    {
        var length = reader.ReadInt32();
        obj = codec.Read(reader.ReadBytes(length));
    }
}
