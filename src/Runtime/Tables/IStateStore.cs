using System;
using System.Collections.Generic;

namespace Faustish.Tables;

/// <summary>
/// The local state of one table partition. FASTER KV by default; an in-memory store can stand in (tests),
/// and so can any other (Tsavorite) behind this interface. Not thread-safe: one owner thread at a time.
/// </summary>
public interface IStateStore<TKey, TValue> : IDisposable where TKey : notnull
{
    bool TryGet(TKey key, out TValue value);

    void Put(TKey key, TValue value);

    /// <summary>Removes the key; returns whether it was there.</summary>
    bool Delete(TKey key);

    /// <summary>
    /// Adds <paramref name="delta"/> to a numeric value (missing counts as zero) in one store operation, when the
    /// store can; returns false to let the caller read and write instead.
    /// </summary>
    bool TryAdd(TKey key, TValue delta, out TValue sum)
    {
        sum = default!;
        return false;
    }

    /// <summary>Every live entry, in no particular order (tools and HTTP views; not for hot paths).</summary>
    IEnumerable<KeyValuePair<TKey, TValue>> Scan();
}

/// <summary>Where and how a store keeps its data.</summary>
/// <param name="Directory">A folder owned by this store (created if missing).</param>
/// <param name="MemoryBytes">
/// Memory for this store's in-memory part when it has no <see cref="Budget"/>; beyond it FASTER spills to disk.
/// </param>
public sealed record StoreOptions(string Directory, long MemoryBytes)
{
    /// <summary>
    /// A budget shared with the process's other stores (see <see cref="Faster.StoreMemoryBudget"/>); when set it
    /// replaces <see cref="MemoryBytes"/>.
    /// </summary>
    public Faster.StoreMemoryBudget? Budget { get; init; }

    /// <summary>
    /// Keep files across runs for local checkpoints (<see cref="ICheckpointableStore"/>). Then the store opens empty
    /// and its owner must call <see cref="ICheckpointableStore.RecoverFrom"/> or <see cref="ICheckpointableStore.Reset"/>
    /// before using it. Without it, files of an earlier run are deleted at open (state comes from the changelog alone).
    /// </summary>
    public bool Checkpoints { get; init; }

    /// <summary>
    /// Count the store's hash index (fixed) and its overflow buckets (which grow with the distinct keys written) in its
    /// share of the budget, leaving the log the rest: for stores with many short-lived keys (windowed tables).
    /// </summary>
    internal bool IndexInBudget { get; init; }
}

/// <summary>A checkpoint found on disk, or the reason its manifest could not be read.</summary>
/// <param name="Sequence">From the manifest's file name.</param>
/// <param name="ManifestPath">The manifest file.</param>
/// <param name="Manifest">The manifest, when it reads back whole.</param>
/// <param name="Problem">Why the manifest is unusable, when it is.</param>
public sealed record CheckpointCandidate(long Sequence, string ManifestPath, CheckpointManifest? Manifest, string? Problem);

/// <summary>
/// A store that keeps local checkpoints, each recording the changelog offset it covers, so that a restore loads the
/// newest good one and replays only the changelog after it. Called on the store's owner thread only (a checkpoint
/// begun with <see cref="BeginCheckpoint"/> completes on another).
/// </summary>
public interface ICheckpointableStore
{
    /// <summary>The store's folder (checkpoints live under it).</summary>
    string Directory { get; }

    /// <summary>The checkpoints on disk, newest first, each with its manifest or the reason it does not read.</summary>
    IReadOnlyList<CheckpointCandidate> ListCheckpoints();

    /// <summary>
    /// Checks the checkpoint's files against its manifest and loads it. On failure throws (an
    /// <see cref="System.IO.InvalidDataException"/> for damaged files) and leaves the store empty, its files intact,
    /// so an older checkpoint can still be tried.
    /// </summary>
    void RecoverFrom(CheckpointManifest checkpoint);

    /// <summary>Empties the store and deletes all its files, checkpoints included (a full replay follows).</summary>
    void Reset();

    /// <summary>Deletes one checkpoint: its manifest first, then its files.</summary>
    void DeleteCheckpoint(CheckpointCandidate checkpoint);

    /// <summary>
    /// Takes a checkpoint of the current contents, which must equal the changelog up to (not including)
    /// <paramref name="changelogOffset"/>; keeps the newest <paramref name="keep"/> checkpoints and deletes older ones.
    /// </summary>
    CheckpointManifest Checkpoint(long changelogOffset, int keep);

    /// <summary>
    /// Starts a checkpoint of the current contents (as <see cref="Checkpoint"/>) and returns once later writes can no
    /// longer reach it, without waiting for its files: the task completes, off the owner thread, when its manifest is
    /// written. The owner may go on using the store meanwhile; the store's other checkpoint members wait for it.
    /// </summary>
    System.Threading.Tasks.Task<CheckpointManifest> BeginCheckpoint(long changelogOffset, int keep) =>
        System.Threading.Tasks.Task.FromResult(Checkpoint(changelogOffset, keep));

    /// <summary>
    /// Waits on the owner thread for a checkpoint begun with <see cref="BeginCheckpoint"/> and returns its manifest (or
    /// throws its failure). Use this rather than waiting on the task: a store may need its owner's help to finish.
    /// </summary>
    CheckpointManifest EndCheckpoint(System.Threading.Tasks.Task<CheckpointManifest> checkpoint) => checkpoint.GetAwaiter().GetResult();
}
