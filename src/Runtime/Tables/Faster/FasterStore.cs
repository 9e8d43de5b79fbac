using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.IO;
using Faustish.Serialization;
using FASTER.core;
using System.ComponentModel;

namespace Faustish.Tables.Faster;

/// <summary>
/// A table partition's state in FASTER KV on local disk: hot keys in memory, the rest spilled to the log file.
/// The in-memory part stays within its share of a <see cref="StoreMemoryBudget"/>. Keys and values live in FASTER's
/// log as bytes (<see cref="SpanByte"/>): types without references as they are in memory, others as their codec
/// writes them (<see cref="StoreBytes{T}"/>), so there is no object log and no object per record.
/// </summary>
/// <remarks>
/// <para>
/// With <see cref="StoreOptions.Checkpoints"/> the store keeps its files across runs and takes full FASTER checkpoints
/// (hash index plus a snapshot of the log's in-memory part) with a sidecar <see cref="CheckpointManifest"/> that
/// records the changelog offset and a checksum of every checkpoint file. Layout of the store's folder:
/// </para>
/// <code>
/// hlog.log.N                                  FASTER's log (shared by all checkpoints; records below a
///                                             checkpoint's flushed address are never rewritten)
/// checkpoints/index-checkpoints/{token}/…      FASTER's hash index checkpoint
/// checkpoints/cpr-checkpoints/{token}/…        FASTER's log checkpoint metadata and snapshot
/// checkpoints/manifest-{sequence:D12}.json     the sidecar, written last
/// </code>
/// <para>Without it the store starts empty every time and its files are deleted (state comes from the changelog).</para>
/// <para>
/// A checkpoint does not stop the owner thread: <see cref="BeginCheckpoint"/> moves the store's session to FASTER's
/// next version (so later writes stay out of the checkpoint), then FASTER writes the snapshot and index while the
/// owner goes on writing, and a background task makes the files durable and writes the manifest last.
/// </para>
/// </remarks>
public abstract class FasterStore<TKey, TValue> : IStateStore<TKey, TValue>, ICheckpointableStore, IBudgetedStore where TKey : notnull
{
    // 2^16 hash buckets (4 MiB of index) per partition; FASTER chains overflow buckets beyond that.
    private const long IndexBuckets = 1L << 16;
    private const string CheckpointFolder = "checkpoints";

    // FASTER keeps a couple of pages beyond its target (the tail page and the next one it allocates ahead);
    // the target leaves room for them within the share.
    private const int PagesKeptBeyondTarget = 4;

    // How long BeginCheckpoint waits for FASTER to move the session to the next version (microseconds when it runs).
    private static readonly TimeSpan VersionChangeTimeout = TimeSpan.FromSeconds(30);

    private readonly StoreBytes<TKey> _keys;
    private readonly StoreBytes<TValue> _values;
    private readonly StoreFunctions<TValue> _functions;
    private readonly StoreMemoryBudget _budget;
    private readonly bool _keepFiles;
    private readonly bool _indexInBudget;
    private readonly Lock _sync = new();
    private FasterKV<SpanByte, SpanByte> _store = null!;
    private ClientSession<SpanByte, SpanByte, SpanByte, TValue, Empty, StoreFunctions<TValue>> _session = null!;
    private PageCacheDevice _log = null!;
    private DeferredMetadataCheckpointManager? _checkpointManager;
    private Task<CheckpointManifest>? _checkpoint;
    private long _limitBytes = long.MaxValue;
    private long _shareBytes = long.MaxValue;
    private int _targetPages;
    private long _nextSequence = 1;
    private bool _disposed;

    // Opened on a folder that did not exist or was empty, and neither checkpointed nor recovered since: with an empty
    // log, such a store is already what Reset makes (empty, no files of an earlier run), so Reset keeps it.
    private bool _pristine;

    private protected FasterStore(StoreOptions options, IRecordCodec<TKey>? keyCodec, IRecordCodec<TValue>? valueCodec, bool encodeKeys = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        ThreadPoolHeadroom.Ensure();
        Directory = Path.GetFullPath(options.Directory);
        _keys = encodeKeys ? new CodecStoreBytes<TKey>(keyCodec ?? throw new ArgumentNullException(nameof(keyCodec))) : StoreBytes<TKey>.For(keyCodec);
        _indexInBudget = options.IndexInBudget;
        _values = StoreBytes<TValue>.For(valueCodec);
        _functions = new StoreFunctions<TValue>(_values);
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

    /// <summary>
    /// Memory of this store's hash index (fixed) and its overflow buckets (growing with distinct keys), in bytes: in the
    /// budget only with <see cref="StoreOptions.IndexInBudget"/>.
    /// </summary>
    internal long IndexBytes
    {
        get
        {
            lock (_sync)
            {
                return _disposed ? 0 : HashIndexBytes();
            }
        }
    }

    /// <summary>
    /// What FASTER allocates for the hash index: 64 bytes a bucket, and overflow buckets in pages of 2^16 buckets (4 MiB),
    /// two pages from the start and always one page ahead of the buckets in use.
    /// </summary>
    private long HashIndexBytes() => (_store.IndexSize * 64) + (((_store.OverflowBucketCount >> 16) + 2) * (64L << 16));

    /// <summary>The budget this store shares.</summary>
    public StoreMemoryBudget Budget => _budget;

    private string CheckpointDirectory => Path.Combine(Directory, CheckpointFolder);

    public bool TryGet(TKey key, out TValue value)
    {
        var bytes = _keys.Write(key);
        TValue output = default!;
        var status = _session.Read(ref bytes, ref output);
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
        var keyBytes = _keys.Write(key);
        var valueBytes = _values.Write(value);
        _session.Upsert(ref keyBytes, ref valueBytes);
        EvictIfOverShare();
    }

    /// <summary>Read-modify-write in one FASTER operation: the functions add the delta in place (numeric values only).</summary>
    public bool TryAdd(TKey key, TValue delta, out TValue sum)
    {
        if (!Numeric.IsNumeric<TValue>())
        {
            sum = default!;
            return false;
        }

        var keyBytes = _keys.Write(key);
        var input = _values.Write(delta);
        TValue output = default!;
        var status = _session.RMW(ref keyBytes, ref input, ref output);
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

        EvictIfOverShare();
        sum = output;
        return true;
    }

    public bool Delete(TKey key)
    {
        var existed = TryGet(key, out _);
        if (existed)
        {
            var bytes = _keys.Write(key);
            _session.Delete(ref bytes);
            EvictIfOverShare();
        }

        return existed;
    }

    public IEnumerable<KeyValuePair<TKey, TValue>> Scan()
    {
        using var iterator = _session.Iterate();
        while (iterator.GetNext(out _))
        {
            yield return new KeyValuePair<TKey, TValue>(
                _keys.Read(iterator.GetKey().AsReadOnlySpan()), _values.Read(iterator.GetValue().AsReadOnlySpan()));
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<CheckpointCandidate> ListCheckpoints()
    {
        WaitForCheckpoint();
        return Candidates();
    }

    private List<CheckpointCandidate> Candidates()
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
        WaitForCheckpoint();
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
        WaitForCheckpoint();
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
        WaitForCheckpoint();
        DeleteCheckpointFiles(checkpoint);
    }

    private void DeleteCheckpointFiles(CheckpointCandidate checkpoint)
    {
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
    public CheckpointManifest Checkpoint(long changelogOffset, int keep) => EndCheckpoint(BeginCheckpoint(changelogOffset, keep));

    /// <inheritdoc/>
    public Task<CheckpointManifest> BeginCheckpoint(long changelogOffset, int keep)
    {
        RequireCheckpoints();
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        WaitForCheckpoint();
        _pristine = false;
        _session.CompletePending(wait: true);
        var version = _session.Version;
        if (!_store.TryInitiateFullCheckpoint(out var token, CheckpointType.Snapshot))
        {
            throw new InvalidOperationException($"FASTER did not take a checkpoint of '{Directory}' (another one is in progress).");
        }

        // The checkpoint holds the versions up to this session's current one. Move the session to the next version
        // before returning, so no write after this call can land in the checkpoint: it holds exactly the store's
        // contents now, which is what the manifest's changelog offset claims. This session is the store's only one,
        // so FASTER's phases advance as fast as it refreshes.
        var started = Environment.TickCount64;
        while (_session.Version <= version)
        {
            _session.Refresh();
            if (Environment.TickCount64 - started > VersionChangeTimeout.TotalMilliseconds)
            {
                throw new TimeoutException($"FASTER did not move '{Directory}' to its next version within {VersionChangeTimeout.TotalSeconds:F0} s of starting a checkpoint.");
            }
        }

        var sequence = _nextSequence++;
        // Asynchronous all the way: FASTER completes the checkpoint's writes on thread-pool threads, so a pool thread
        // blocked waiting for them (one per table partition checkpointing at once, as at a revoke or a shutdown) starved
        // the pool and stretched sub-second checkpoints to many seconds.
        // (Not on BackgroundWork's few threads: FASTER's completion loop holds its thread while it waits for the owner's
        // session, so a few stores of one worker in flight at once could hold them all while the owner waits for another.)
        var checkpoint = Task.Run(() => CompleteCheckpointAsync(token, sequence, changelogOffset, keep));
        _checkpoint = checkpoint;
        return checkpoint;
    }

    /// <summary>
    /// Off the owner thread: lets FASTER finish writing the checkpoint, makes it durable, and writes its manifest, so
    /// that the checkpoint exists (for <see cref="ListCheckpoints"/>) only once every file it needs is on disk.
    /// </summary>
    private async Task<CheckpointManifest> CompleteCheckpointAsync(Guid token, long sequence, long changelogOffset, int keep)
    {
        await _store.CompleteCheckpointAsync().ConfigureAwait(false);

        // Syncing and hashing the checkpoint's files (tens of megabytes at a million keys) is the bulk of a checkpoint's
        // CPU time: on a lowered-priority thread, so that it does not take a core from the worker that owns the store.
        return await BackgroundWork.Run(() => Persist(token, sequence, changelogOffset, keep)).ConfigureAwait(false);
    }

    /// <summary>Makes a checkpoint FASTER completed durable, then writes its manifest, last.</summary>
    private CheckpointManifest Persist(Guid token, long sequence, long changelogOffset, int keep)
    {
        // Everything the checkpoint needs must be durable before the manifest says it exists: the log below the
        // checkpoint's flushed address and the checkpoint's own files.
        _checkpointManager!.WaitForMetadata(token);
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

        var manifest = new CheckpointManifest(sequence, token, changelogOffset, DateTimeOffset.UtcNow, files);
        manifest.Write(Path.Combine(CheckpointDirectory, CheckpointManifest.FileName(manifest.Sequence)));
        Prune(keep);
        return manifest;
    }

    /// <summary>Waits for a checkpoint still being completed; its failure was reported to whoever began it.</summary>
    private void WaitForCheckpoint()
    {
        var checkpoint = _checkpoint;
        if (checkpoint is null)
        {
            return;
        }

        _checkpoint = null;
        RefreshUntilDone(checkpoint);
        // A failure was reported through the task to whoever began the checkpoint; the checkpoint's files without a
        // manifest are pruned by the next checkpoint.
    }

    /// <inheritdoc/>
    public CheckpointManifest EndCheckpoint(Task<CheckpointManifest> checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        RefreshUntilDone(checkpoint);
        return checkpoint.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Waits on the owner thread for a checkpoint to complete. FASTER moves a checkpoint through its phases as the
    /// store's sessions acknowledge them when they refresh, and this store's only session is the owner's: the owner
    /// refreshes it while it waits instead of blocking in a plain wait.
    /// </summary>
    private void RefreshUntilDone(Task checkpoint)
    {
        while (!((IAsyncResult)checkpoint).AsyncWaitHandle.WaitOne(TimeSpan.FromMilliseconds(1)))
        {
            _session.Refresh();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        WaitForCheckpoint();
        _budget.Unregister(this);
        lock (_sync)
        {
            _disposed = true;
            Close();
        }

        GC.SuppressFinalize(this);
    }

    long IBudgetedStore.IndexBytes => IndexBytes;

    void IBudgetedStore.SetShare(long bytes)
    {
        lock (_sync)
        {
            var pageBytes = _budget.PageSizeBytes;
            _shareBytes = bytes;
            _targetPages = (int)Math.Max(1, (bytes / pageBytes) - PagesKeptBeyondTarget);
            Volatile.Write(ref _limitBytes, Math.Max(bytes - pageBytes, 2 * pageBytes));
            if (!_disposed)
            {
                ApplyShare(wait: _store.Log.MemorySizeBytes > bytes);
            }
        }
    }

    private void EvictIfOverShare()
    {
        var limit = Volatile.Read(ref _limitBytes);
        if (_indexInBudget)
        {
            // The hash index grows with the keys written: the log gets what it leaves of the share (at least a few pages).
            limit = Math.Max(limit - HashIndexBytes(), (PagesKeptBeyondTarget + 2) * _budget.PageSizeBytes);
        }

        if (_store.Log.MemorySizeBytes > limit)
        {
            Evict();
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
        if (_indexInBudget && _shareBytes != long.MaxValue)
        {
            var logBytes = _shareBytes - HashIndexBytes();
            _targetPages = (int)Math.Max(1, (logBytes / _budget.PageSizeBytes) - PagesKeptBeyondTarget);
        }

        var log = _store.Log;
        var empty = Math.Clamp(log.BufferSize - _targetPages, 0, log.MaxEmptyPageCount);
        log.SetEmptyPageCount(empty, wait);
    }

    private void Open()
    {
        _pristine = !System.IO.Directory.Exists(Directory) || !System.IO.Directory.EnumerateFileSystemEntries(Directory).Any();
        System.IO.Directory.CreateDirectory(Directory);
        var deleteOnClose = !_keepFiles;
        _log = new PageCacheDevice(Path.Combine(Directory, "hlog.log"), deleteOnClose);
        var logSettings = new LogSettings
        {
            LogDevice = _log,
            MemorySizeBits = _budget.MemorySizeBits,
            PageSizeBits = _budget.PageSizeBits,
            MutableFraction = 0.9,
        };
        var checkpointSettings = _keepFiles
            ? new CheckpointSettings
            {
                // FASTER's checkpoint files through the page cache too, its metadata off the owner thread; Persist waits
                // for them and makes them durable before the manifest.
                CheckpointManager = _checkpointManager = new DeferredMetadataCheckpointManager(CheckpointDirectory),
                // Write the index and the log snapshot one page at a time from a pool task. Unthrottled, the thread that
                // moves the checkpoint to its flush phase (often the owner, refreshing its session) issues every page
                // write at once, each on its own pool thread (the pool's minimum is 64, ThreadPoolHeadroom): tens of
                // megabytes copied by many threads at once, all competing with the owner for the cores.
                ThrottleCheckpointFlushDelayMs = 0,
            }
            : null;
        _store = new FasterKV<SpanByte, SpanByte>(IndexBuckets, logSettings, checkpointSettings);
        _session = NewSession();
        if (_keepFiles)
        {
            var checkpoints = Candidates();
            _nextSequence = Math.Max(_nextSequence, (checkpoints.Count > 0 ? checkpoints[0].Sequence : 0) + 1);
        }
    }

    // Upserts replace values; read-modify-writes (TryAdd) add the input to the value in place.
    private ClientSession<SpanByte, SpanByte, SpanByte, TValue, Empty, StoreFunctions<TValue>> NewSession() =>
        _store.For(_functions).NewSession<StoreFunctions<TValue>>();

    private void Close()
    {
        _session.Dispose();
        _store.Dispose();
        // FASTER disposes only a checkpoint manager it made itself.
        _checkpointManager?.Dispose();
        _checkpointManager = null;
        _log.Dispose();
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
        var candidates = Candidates();
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
                DeleteCheckpointFiles(candidates[i]);
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
// Public for generated code in users' assemblies, which derives from or calls it; not for users to call.
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class FasterBlittableStore<TKey, TValue>(StoreOptions options)
    : FasterStore<TKey, TValue>(options, keyCodec: null, valueCodec: null)
    where TKey : unmanaged
    where TValue : unmanaged;

/// <summary>
/// A FASTER store for keys or values with references (strings, records): those are kept as their codec's bytes; a key
/// or value type without references is still kept as it is (so a <c>Table&lt;string, long&gt;</c> adds in place).
/// </summary>
// Public for generated code in users' assemblies, which derives from or calls it; not for users to call.
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class FasterEncodedStore<TKey, TValue>(StoreOptions options, IRecordCodec<TKey> keyCodec, IRecordCodec<TValue> valueCodec)
    : FasterStore<TKey, TValue>(options, keyCodec ?? throw new ArgumentNullException(nameof(keyCodec)), valueCodec ?? throw new ArgumentNullException(nameof(valueCodec)))
    where TKey : notnull;

/// <summary>
/// A FASTER store whose keys are always kept as their codec writes them, even keys without references (whose padding
/// bytes would otherwise be part of the stored key): a windowed table's store of values and window index.
/// </summary>
internal sealed class FasterCodecStore<TKey, TValue>(StoreOptions options, IRecordCodec<TKey> keyCodec, IRecordCodec<TValue> valueCodec)
    : FasterStore<TKey, TValue>(options, keyCodec, valueCodec ?? throw new ArgumentNullException(nameof(valueCodec)), encodeKeys: true)
    where TKey : notnull;
