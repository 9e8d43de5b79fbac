using System.Diagnostics;
using System.Threading;

namespace Faustish.Agents;

/// <summary>What a worker is doing right now, for the stall watchdog and the status page.</summary>
internal enum WorkerPhase
{
    /// <summary>Not started, or stopped.</summary>
    Stopped,

    /// <summary>Waiting for records from the transport.</summary>
    Fetching,

    /// <summary>Inside the agent's code, on a batch.</summary>
    Processing,

    /// <summary>Flushing outputs and changelogs, then committing positions.</summary>
    Committing,

    /// <summary>Replaying changelogs into the tables of newly assigned partitions.</summary>
    Restoring,
}

/// <summary>The state of one of a worker's partitions, as other threads see it.</summary>
internal enum PartitionPhase
{
    /// <summary>Not assigned to this worker.</summary>
    None,

    /// <summary>Assigned; its tables are restoring and its records wait.</summary>
    Restoring,

    /// <summary>Assigned and processing.</summary>
    Active,
}

/// <summary>
/// A worker's progress, published for other threads (web server, watchdog, metrics) with plain volatile writes into
/// arrays sized once: the worker never locks or allocates to publish, readers see values at most one batch old.
/// </summary>
internal sealed class WorkerProgress
{
    private readonly int[] _phases;
    private readonly long[] _positions;
    private readonly long[] _restoreApplied;
    private readonly long[] _restoreRemaining;
    private int _workerPhase;
    private int _phasePartition = -1;
    private long _phaseOffset = -1;
    private long _phaseSince = Stopwatch.GetTimestamp();
    private long _lastCommitMicros = -1;

    internal WorkerProgress(int partitions)
    {
        _phases = new int[partitions];
        _positions = new long[partitions];
        _restoreApplied = new long[partitions];
        _restoreRemaining = new long[partitions];
        System.Array.Fill(_positions, -1);
    }

    public int Partitions => _phases.Length;

    public PartitionPhase PhaseOf(int partition) => (PartitionPhase)Volatile.Read(ref _phases[partition]);

    /// <summary>The next offset to process on the partition, or -1 before its first batch.</summary>
    public long PositionOf(int partition) => Volatile.Read(ref _positions[partition]);

    /// <summary>Changelog records a restoring partition has replayed, and offsets it has left to replay.</summary>
    public (long Applied, long Remaining) RestoreOf(int partition) =>
        (Volatile.Read(ref _restoreApplied[partition]), Volatile.Read(ref _restoreRemaining[partition]));

    public WorkerPhase Phase => (WorkerPhase)Volatile.Read(ref _workerPhase);

    /// <summary>The partition and offset the current phase works on (-1 when none).</summary>
    public (int Partition, long Offset) PhaseTarget => (Volatile.Read(ref _phasePartition), Volatile.Read(ref _phaseOffset));

    /// <summary>How long the worker has been in its current phase.</summary>
    public System.TimeSpan InPhaseFor => Stopwatch.GetElapsedTime(Volatile.Read(ref _phaseSince));

    /// <summary>How long the last commit took, in milliseconds (-1 before the first).</summary>
    public double LastCommitMs => Volatile.Read(ref _lastCommitMicros) / 1000.0;

    internal void Enter(WorkerPhase phase, int partition = -1, long offset = -1)
    {
        Volatile.Write(ref _phasePartition, partition);
        Volatile.Write(ref _phaseOffset, offset);
        if (Volatile.Read(ref _workerPhase) != (int)phase)
        {
            Volatile.Write(ref _phaseSince, Stopwatch.GetTimestamp());
            Volatile.Write(ref _workerPhase, (int)phase);
        }
    }

    internal void SetPartition(int partition, PartitionPhase phase)
    {
        Volatile.Write(ref _phases[partition], (int)phase);
        if (phase == PartitionPhase.None)
        {
            Volatile.Write(ref _positions[partition], -1);
        }

        if (phase != PartitionPhase.Restoring)
        {
            Volatile.Write(ref _restoreApplied[partition], 0);
            Volatile.Write(ref _restoreRemaining[partition], 0);
        }
    }

    internal void SetPosition(int partition, long position) => Volatile.Write(ref _positions[partition], position);

    internal void SetRestore(int partition, long applied, long remaining)
    {
        Volatile.Write(ref _restoreApplied[partition], applied);
        Volatile.Write(ref _restoreRemaining[partition], remaining);
    }

    internal void SetCommitDuration(System.TimeSpan elapsed) => Volatile.Write(ref _lastCommitMicros, (long)(elapsed.TotalMilliseconds * 1000));
}
