using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace Faustish.Transport.Embedded;

/// <summary>
/// A member of an embedded consumer group. Owned by one thread; rebalance callbacks run inside <see cref="Fetch"/>.
/// Each assigned partition has a cursor; pausing a partition flags its cursor (so a partition revoked and assigned
/// again, which gets a new cursor, starts unpaused), and seeking replaces it by one at the new offset.
/// </summary>
internal sealed class EmbeddedGroupConsumer : IGroupConsumer
{
    private readonly EmbeddedTransport _transport;
    private readonly GroupCoordinator _coordinator;
    private readonly IAssignmentListener _listener;
    private readonly string[] _topics;
    private readonly ManualResetEventSlim _wake = new(initialState: false, spinCount: 1);
    private PartitionCursor[] _cursors = [];
    private TopicPartition[] _assignment = [];
    private int _generation;
    private int _next;
    private int _dirty = 1;
    private long _recheckAt = long.MaxValue;
    private bool _closing; // Close() has started: OnRevoked may still commit
    private bool _closed;

    public EmbeddedGroupConsumer(EmbeddedTransport transport, GroupCoordinator coordinator, string[] topics, IAssignmentListener listener)
    {
        _transport = transport;
        _coordinator = coordinator;
        _topics = topics;
        _listener = listener;
        MemberId = coordinator.Join(this);
        MemberName = "member-" + MemberId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public int MemberId { get; }

    /// <summary>The member id <see cref="Membership"/> reports.</summary>
    internal string MemberName { get; }

    /// <summary>The group's generation when this member last looked at the group (in its last fetch that rebalanced).</summary>
    internal int Generation => Volatile.Read(ref _generation);

    internal GroupCoordinator Coordinator => _coordinator;

    /// <summary>Partitions taken away after a hand-over timeout, not yet reported. Guarded by the coordinator's lock.</summary>
    internal List<TopicPartition> Lost { get; } = [];

    internal IReadOnlyList<string> Topics => _topics;

    public IReadOnlyList<TopicPartition> Assignment => _assignment;

    /// <summary>
    /// The group, this member's id (<c>member-{n}</c>, unique in the group for the transport's lifetime) and the group's
    /// generation (raised each time a member joins or leaves) as of this member's last rebalance. A transactional
    /// commit checks all three, and that the member owns the partitions, under the group's lock.
    /// </summary>
    public GroupMembership Membership => new(_coordinator.GroupId, MemberName, Generation) { TransportState = this };

    /// <inheritdoc />
    public void Pause(IReadOnlyList<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        foreach (var partition in partitions)
        {
            if (FindCursor(partition) is { } index)
            {
                _cursors[index].Paused = true;
            }
        }
    }

    /// <inheritdoc />
    public void Resume(IReadOnlyList<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var resumed = false;
        foreach (var partition in partitions)
        {
            if (FindCursor(partition) is { } index && _cursors[index].Paused)
            {
                _cursors[index].Paused = false;
                resumed = true;
            }
        }

        if (resumed)
        {
            _wake.Set();
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The offset is a record offset up to the next offset to be written (the first stored record if it is lower),
    /// <see cref="Offsets.Beginning"/> or <see cref="Offsets.End"/> (the last stable offset). A paused partition stays
    /// paused. Throws <see cref="InvalidOperationException"/> if the partition is not assigned.
    /// </remarks>
    public void Seek(TopicPartitionOffset position)
    {
        ObjectDisposedException.ThrowIf(_closing, this);
        if (FindCursor(position.TopicPartition) is not { } index)
        {
            throw new InvalidOperationException($"Cannot seek {position}: the partition is not assigned to this consumer.");
        }

        var gate = _transport.Gate;
        gate.Enter();
        try
        {
            var old = _cursors[index];
            var cursor = old.Log.OpenCursor(EmbeddedTransport.ResolveStart(old.Log, position.Offset, nameof(position)));
            cursor.Paused = old.Paused;
            var cursors = (PartitionCursor[])_cursors.Clone();
            cursors[index] = cursor;
            _cursors = cursors;
            old.Dispose();
        }
        finally
        {
            gate.Exit();
        }

        _wake.Set();
    }

    private int? FindCursor(TopicPartition partition)
    {
        var cursors = _cursors;
        for (var i = 0; i < cursors.Length; i++)
        {
            if (cursors[i].Partition == partition)
            {
                return i;
            }
        }

        return null;
    }

    internal bool Subscribes(string topic) => Array.IndexOf(_topics, topic) >= 0;

    /// <summary>Asks the member to look at the group again on its next fetch, and wakes it if it waits.</summary>
    internal void MarkDirty()
    {
        Volatile.Write(ref _dirty, 1);
        _wake.Set();
    }

    public bool Fetch(RecordBatch batch, int maxRecords, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        ObjectDisposedException.ThrowIf(_closing, this);
        var deadline = FetchWait.Deadline(timeout);
        var gate = _transport.Gate;
        var rebalanced = false;
        while (true)
        {
            gate.ThrowIfClosed();
            if (Volatile.Read(ref _dirty) != 0 || Stopwatch.GetTimestamp() >= _recheckAt)
            {
                rebalanced |= Rebalance();
            }

            _wake.Reset();
            var cursors = _cursors;
            if (cursors.Length > 0)
            {
                gate.Enter();
                try
                {
                    for (var i = 0; i < cursors.Length; i++)
                    {
                        var index = (_next + i) % cursors.Length;
                        var cursor = cursors[index];
                        if (!cursor.Paused && cursor.HasData && cursor.Fill(batch, maxRecords) > 0)
                        {
                            _next = index + 1;
                            return true;
                        }
                    }
                }
                finally
                {
                    gate.Exit();
                }
            }

            if (Volatile.Read(ref _dirty) != 0)
            {
                continue;
            }

            if (rebalanced)
            {
                // The listener was told of a change in this fetch (it pauses new partitions while it restores their
                // tables): return at once, so the caller acts on it instead of waiting out the timeout first.
                return false;
            }

            if (!FetchWait.Wait(_wake, deadline, _recheckAt, cancellationToken))
            {
                return false;
            }
        }
    }

    public void Commit(IReadOnlyList<TopicPartitionOffset> positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ObjectDisposedException.ThrowIf(_closed, this);
        _transport.Gate.ThrowIfClosed();
        if (positions.Count > 0)
        {
            _coordinator.Commit(this, positions);
        }
    }

    public long? Committed(TopicPartition partition) => _coordinator.Committed(partition);

    public void Close()
    {
        if (_closing)
        {
            return;
        }

        _closing = true;
        if (_transport.Gate.IsClosed)
        {
            // The logs are closed already: leave without callbacks.
            _closed = true;
            RemoveCursors(null);
            _coordinator.Leave(this);
            return;
        }

        try
        {
            ReportLost();
            if (_assignment.Length > 0)
            {
                _listener.OnRevoked([.. _assignment]);
            }
        }
        finally
        {
            _closed = true;
            RemoveCursors(null);
            _coordinator.Leave(this);
        }
    }

    public void Dispose() => Close();

    /// <summary>Looks at the group again; returns whether the listener was called (partitions lost, revoked or assigned).</summary>
    private bool Rebalance()
    {
        Interlocked.Exchange(ref _dirty, 0);
        var changed = ReportLost();

        var revoke = _coordinator.CollectRevocations(this);
        if (revoke is not null)
        {
            changed = true;
            try
            {
                _listener.OnRevoked(revoke);
            }
            finally
            {
                // Even if the listener failed, the partitions move on (their records are then processed again
                // from the last commit: at-least-once).
                RemoveCursors(revoke);
                _coordinator.Release(this, revoke);
            }
        }

        var assign = _coordinator.Acquire(this, out _recheckAt, out var generation);
        Volatile.Write(ref _generation, generation);
        if (assign is not null)
        {
            AddCursors(assign);
            _listener.OnAssigned(assign);
            changed = true;
        }

        return changed;
    }

    private bool ReportLost()
    {
        var lost = _coordinator.TakeLost(this);
        if (lost is null)
        {
            return false;
        }

        lost.RemoveAll(p => Array.IndexOf(_assignment, p) < 0);
        if (lost.Count > 0)
        {
            RemoveCursors(lost);
            _listener.OnLost(lost);
            return true;
        }

        return false;
    }

    private void AddCursors(List<TopicPartition> partitions)
    {
        var gate = _transport.Gate;
        var cursors = new List<PartitionCursor>(_cursors);
        gate.Enter();
        try
        {
            foreach (var partition in partitions)
            {
                var log = _transport.GetLog(partition);
                var start = _coordinator.Committed(partition) ?? log.FirstOffset;
                if (start > log.NextOffset)
                {
                    _transport.Logger.LogWarning(
                        "Group '{Group}' committed offset {Offset} of {Partition}, beyond its end (next offset {Next}); reading from the end.",
                        _coordinator.GroupId, start, partition, log.NextOffset);
                    start = log.NextOffset;
                }

                var cursor = log.OpenCursor(start);
                log.AddWaiter(_wake);
                cursors.Add(cursor);
            }
        }
        finally
        {
            gate.Exit();
            SetCursors(cursors);
        }
    }

    /// <summary>Closes the cursors of <paramref name="partitions"/> (all when null).</summary>
    private void RemoveCursors(List<TopicPartition>? partitions)
    {
        var kept = new List<PartitionCursor>(_cursors.Length);
        foreach (var cursor in _cursors)
        {
            if (partitions is null || partitions.Contains(cursor.Partition))
            {
                cursor.Log.RemoveWaiter(_wake);
                cursor.Dispose();
            }
            else
            {
                kept.Add(cursor);
            }
        }

        SetCursors(kept);
    }

    private void SetCursors(List<PartitionCursor> cursors)
    {
        cursors.Sort(static (a, b) => GroupCoordinator.Compare(a.Partition, b.Partition));
        var assignment = new TopicPartition[cursors.Count];
        for (var i = 0; i < cursors.Count; i++)
        {
            assignment[i] = cursors[i].Partition;
        }

        _cursors = [.. cursors];
        _assignment = assignment;
        _next = 0;
    }
}
