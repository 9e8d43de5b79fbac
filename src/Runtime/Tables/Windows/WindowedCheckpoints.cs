using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Faustish.Tables.Windows;

/// <summary>
/// The local checkpoints of a windowed table partition, whose state is two FASTER stores: the windows' values and the
/// window index (key lists and time queues). Both are checkpointed at the same changelog offset; a checkpoint is usable
/// only when both are, and the restore loads both, then lets the shard read its metadata back.
/// </summary>
internal sealed class WindowedCheckpoints(ICheckpointableStore values, ICheckpointableStore index, Action recovered, Action reset) : ICheckpointableStore
{
    private Task<CheckpointManifest>? _valuesInFlight;
    private Task<CheckpointManifest>? _indexInFlight;

    public string Directory => values.Directory;

    public IReadOnlyList<CheckpointCandidate> ListCheckpoints()
    {
        var indexCandidates = index.ListCheckpoints();
        var candidates = new List<CheckpointCandidate>();
        foreach (var candidate in values.ListCheckpoints())
        {
            if (candidate.Manifest is { } manifest && Match(indexCandidates, manifest) is null)
            {
                candidates.Add(candidate with
                {
                    Manifest = null,
                    Problem = $"the window index has no checkpoint at changelog offset {manifest.ChangelogOffset} (sequence {manifest.Sequence})",
                });
            }
            else
            {
                candidates.Add(candidate);
            }
        }

        return candidates;
    }

    public void RecoverFrom(CheckpointManifest checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var indexCheckpoint = Match(index.ListCheckpoints(), checkpoint)
            ?? throw new System.IO.InvalidDataException($"The window index has no checkpoint at changelog offset {checkpoint.ChangelogOffset}.");
        values.RecoverFrom(checkpoint);
        index.RecoverFrom(indexCheckpoint);
        recovered();
    }

    public void Reset()
    {
        values.Reset();
        index.Reset();
        reset();
    }

    public void DeleteCheckpoint(CheckpointCandidate checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        values.DeleteCheckpoint(checkpoint);
        foreach (var candidate in index.ListCheckpoints())
        {
            if (candidate.Sequence == checkpoint.Sequence)
            {
                index.DeleteCheckpoint(candidate);
            }
        }
    }

    public CheckpointManifest Checkpoint(long changelogOffset, int keep)
    {
        index.Checkpoint(changelogOffset, keep);
        return values.Checkpoint(changelogOffset, keep);
    }

    public Task<CheckpointManifest> BeginCheckpoint(long changelogOffset, int keep)
    {
        _indexInFlight = index.BeginCheckpoint(changelogOffset, keep);
        _valuesInFlight = values.BeginCheckpoint(changelogOffset, keep);
        var bothDone = Task.WhenAll(_indexInFlight, _valuesInFlight);
        var valuesInFlight = _valuesInFlight;
        return bothDone.ContinueWith(_ => valuesInFlight.GetAwaiter().GetResult(), TaskScheduler.Default);
    }

    public CheckpointManifest EndCheckpoint(Task<CheckpointManifest> checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (_indexInFlight is { } indexInFlight && _valuesInFlight is { } valuesInFlight)
        {
            _indexInFlight = null;
            _valuesInFlight = null;
            // Each store waits with its owner's help; the index first, so a failure there is reported too.
            index.EndCheckpoint(indexInFlight);
            values.EndCheckpoint(valuesInFlight);
        }

        return checkpoint.GetAwaiter().GetResult();
    }

    /// <summary>The index checkpoint taken with <paramref name="manifest"/>: the same changelog offset, the same sequence if there is one.</summary>
    private static CheckpointManifest? Match(IReadOnlyList<CheckpointCandidate> indexCandidates, CheckpointManifest manifest)
    {
        CheckpointManifest? sameOffset = null;
        foreach (var candidate in indexCandidates)
        {
            if (candidate.Manifest is { } found && found.ChangelogOffset == manifest.ChangelogOffset)
            {
                if (found.Sequence == manifest.Sequence)
                {
                    return found;
                }

                sameOffset ??= found;
            }
        }

        return sameOffset;
    }
}
