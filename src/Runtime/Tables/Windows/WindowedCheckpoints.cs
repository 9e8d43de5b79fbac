using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Faustish.Tables.Windows;

/// <summary>
/// The local checkpoints of a windowed table partition's store (values and window index in one FASTER store), which
/// tell the shard when the store was recovered or emptied: the shard then reads its metadata (time, queue directories)
/// back from the store, or forgets it.
/// </summary>
internal sealed class WindowedCheckpoints(ICheckpointableStore store, Action recovered, Action reset) : ICheckpointableStore
{
    public string Directory => store.Directory;

    public IReadOnlyList<CheckpointCandidate> ListCheckpoints() => store.ListCheckpoints();

    public void RecoverFrom(CheckpointManifest checkpoint)
    {
        store.RecoverFrom(checkpoint);
        try
        {
            recovered();
        }
        catch
        {
            // The metadata did not read back: leave the shard empty so that an older checkpoint or a full replay follows.
            reset();
            throw;
        }
    }

    public void Reset()
    {
        store.Reset();
        reset();
    }

    public void DeleteCheckpoint(CheckpointCandidate checkpoint) => store.DeleteCheckpoint(checkpoint);

    public CheckpointManifest Checkpoint(long changelogOffset, int keep) => store.Checkpoint(changelogOffset, keep);

    public Task<CheckpointManifest> BeginCheckpoint(long changelogOffset, int keep) => store.BeginCheckpoint(changelogOffset, keep);

    public CheckpointManifest EndCheckpoint(Task<CheckpointManifest> checkpoint) => store.EndCheckpoint(checkpoint);
}
