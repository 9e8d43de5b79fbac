using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace Faustish.Transport.Embedded;

/// <summary>
/// The in-process coordinator of one consumer group: spreads the partitions of the subscribed topics over the
/// live members and hands partitions over safely, and keeps the group's committed positions.
/// </summary>
/// <remarks>
/// Assignment: for each subscribed topic (in ordinal order), partition <c>p</c> goes to the
/// <c>p % n</c>-th of the <c>n</c> members subscribed to it, in the order they joined. Members with the same
/// subscriptions therefore get the same partition numbers of co-partitioned topics. Hand-over: a partition's
/// <see cref="Ownership.Target"/> changes at once when a member joins or leaves, but its
/// <see cref="Ownership.Owner"/> changes only after the old owner ran <see cref="IAssignmentListener.OnRevoked"/>
/// (in its next fetch) and released it. If it does not within <see cref="EmbeddedTransportOptions.HandoverTimeout"/>,
/// the new owner takes it, a warning is logged, and the old owner gets <see cref="IAssignmentListener.OnLost"/>
/// and can no longer commit it.
/// </remarks>
internal sealed class GroupCoordinator
{
    private readonly Lock _sync = new();
    private readonly EmbeddedTransport _transport;
    private readonly ILogger _logger;
    private readonly string _positionsPath;
    private readonly Dictionary<TopicPartition, long> _committed;
    private readonly List<EmbeddedGroupConsumer> _members = [];
    private readonly Dictionary<TopicPartition, Ownership> _partitions = [];
    private readonly long _handoverTicks;
    private int _nextMemberId;
    private int _generation;
    private bool _journaled;

    public GroupCoordinator(EmbeddedTransport transport, string groupId, string positionsPath, TimeSpan handoverTimeout, ILogger logger)
    {
        _transport = transport;
        GroupId = groupId;
        _positionsPath = positionsPath;
        _logger = logger;
        _handoverTicks = handoverTimeout == Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : (long)(handoverTimeout.TotalSeconds * Stopwatch.Frequency);
        _committed = GroupPositionsFile.Load(positionsPath);
        // A group that committed transactionally keeps its positions in the transaction journal from then on.
        if (transport.Journal.PositionsOf(groupId) is { } journaled)
        {
            _journaled = true;
            foreach (var (partition, offset) in journaled)
            {
                _committed[partition] = offset;
            }
        }
    }

    public string GroupId { get; }

    public int Join(EmbeddedGroupConsumer member)
    {
        lock (_sync)
        {
            var id = _nextMemberId++;
            _members.Add(member);
            _logger.LogInformation("Member {Member} joined group '{Group}' ({Count} members); rebalancing.", id, GroupId, _members.Count);
            Recompute();
            return id;
        }
    }

    /// <summary>Removes a member; whatever it still owns becomes free for the new owners.</summary>
    public void Leave(EmbeddedGroupConsumer member)
    {
        lock (_sync)
        {
            if (!_members.Remove(member))
            {
                return;
            }

            foreach (var ownership in _partitions.Values)
            {
                if (ownership.Owner == member)
                {
                    ownership.Owner = null;
                }
            }

            member.Lost.Clear();
            _logger.LogInformation("Member {Member} left group '{Group}' ({Count} members); rebalancing.", member.MemberId, GroupId, _members.Count);
            Recompute();
        }
    }

    /// <summary>Wakes every member (the transport is closing).</summary>
    public void WakeAll()
    {
        lock (_sync)
        {
            foreach (var member in _members)
            {
                member.MarkDirty();
            }
        }
    }

    /// <summary>Partitions taken from <paramref name="member"/> after a hand-over timeout, or null.</summary>
    public List<TopicPartition>? TakeLost(EmbeddedGroupConsumer member)
    {
        lock (_sync)
        {
            if (member.Lost.Count == 0)
            {
                return null;
            }

            var lost = new List<TopicPartition>(member.Lost);
            member.Lost.Clear();
            return lost;
        }
    }

    /// <summary>Partitions <paramref name="member"/> owns but must give up, or null.</summary>
    public List<TopicPartition>? CollectRevocations(EmbeddedGroupConsumer member)
    {
        lock (_sync)
        {
            List<TopicPartition>? revoke = null;
            foreach (var ownership in _partitions.Values)
            {
                if (ownership.Owner == member && ownership.Target != member)
                {
                    (revoke ??= []).Add(ownership.Partition);
                }
            }

            revoke?.Sort(Compare);
            return revoke;
        }
    }

    /// <summary>Gives partitions up after their OnRevoked ran, and wakes their new owners.</summary>
    public void Release(EmbeddedGroupConsumer member, List<TopicPartition> partitions)
    {
        lock (_sync)
        {
            foreach (var partition in partitions)
            {
                if (_partitions.TryGetValue(partition, out var ownership) && ownership.Owner == member)
                {
                    ownership.Owner = null;
                    ownership.Target?.MarkDirty();
                }
            }
        }
    }

    /// <summary>
    /// Takes the free partitions meant for <paramref name="member"/> (null if none). <paramref name="recheckAt"/>
    /// is when a partition still held by its old owner should be taken anyway (<see cref="long.MaxValue"/> if none);
    /// <paramref name="generation"/> is the group's generation now.
    /// </summary>
    public List<TopicPartition>? Acquire(EmbeddedGroupConsumer member, out long recheckAt, out int generation)
    {
        recheckAt = long.MaxValue;
        var now = Stopwatch.GetTimestamp();
        lock (_sync)
        {
            generation = _generation;
            List<TopicPartition>? acquired = null;
            foreach (var ownership in _partitions.Values)
            {
                if (ownership.Target != member || ownership.Owner == member)
                {
                    continue;
                }

                if (ownership.Owner is { } previous)
                {
                    var waited = now - ownership.TargetSince;
                    if (waited < _handoverTicks)
                    {
                        var due = ownership.TargetSince + _handoverTicks;
                        recheckAt = Math.Min(recheckAt, due);
                        continue;
                    }

                    _logger.LogWarning(
                        "Group '{Group}': member {Previous} did not give up {Partition} within the hand-over timeout ({Timeout}); it is moved to member {Member} anyway. The previous member gets OnLost and can no longer commit it; records it processed without committing will be processed again.",
                        GroupId, previous.MemberId, ownership.Partition, TimeSpan.FromSeconds((double)_handoverTicks / Stopwatch.Frequency), member.MemberId);
                    previous.Lost.Add(ownership.Partition);
                    previous.MarkDirty();
                }

                ownership.Owner = member;
                (acquired ??= []).Add(ownership.Partition);
            }

            acquired?.Sort(Compare);
            return acquired;
        }
    }

    public long? Committed(TopicPartition partition)
    {
        lock (_sync)
        {
            return _committed.TryGetValue(partition, out var offset) ? offset : null;
        }
    }

    /// <summary>
    /// Commits a transaction with positions of partitions the member <paramref name="membership"/> names owns:
    /// <paramref name="commit"/> (the journal write that decides the transaction and records the positions) runs under
    /// the group's lock, so no partition changes owner between the checks and the moment the outcome is visible.
    /// Refused (nothing runs) when the member left the group, when <paramref name="membership"/> is of an earlier
    /// generation than the member's current one (taken before the member's last rebalance), or when it does not own
    /// every partition.
    /// </summary>
    public void CommitTransaction(GroupMembership membership, IReadOnlyList<TopicPartitionOffset> positions, Action commit)
    {
        lock (_sync)
        {
            var member = FindMemberLocked(membership);
            CheckOwnership(member, positions);
            commit();
            _journaled = true;
            for (var i = 0; i < positions.Count; i++)
            {
                _committed[positions[i].TopicPartition] = positions[i].Offset;
            }
        }
    }

    /// <summary>Durably records positions of partitions <paramref name="member"/> owns.</summary>
    public void Commit(EmbeddedGroupConsumer member, IReadOnlyList<TopicPartitionOffset> positions)
    {
        lock (_sync)
        {
            CheckOwnership(member, positions);
            if (_journaled)
            {
                // Positions of this group live in the journal (it committed transactionally before): keep them there,
                // so that an older journal entry never shadows a newer commit.
                _transport.Journal.Commit(producer: null, transactionId: 0, [], GroupId, positions);
                for (var i = 0; i < positions.Count; i++)
                {
                    _committed[positions[i].TopicPartition] = positions[i].Offset;
                }

                return;
            }

            var previous = new List<KeyValuePair<TopicPartition, long?>>(positions.Count);
            for (var i = 0; i < positions.Count; i++)
            {
                var position = positions[i];
                previous.Add(new(position.TopicPartition, _committed.TryGetValue(position.TopicPartition, out var old) ? old : null));
                _committed[position.TopicPartition] = position.Offset;
            }

            try
            {
                GroupPositionsFile.Save(_positionsPath, _committed);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                for (var i = previous.Count - 1; i >= 0; i--)
                {
                    if (previous[i].Value is { } old)
                    {
                        _committed[previous[i].Key] = old;
                    }
                    else
                    {
                        _committed.Remove(previous[i].Key);
                    }
                }

                throw new IOException($"Could not commit the positions of group '{GroupId}' to '{_positionsPath}': {e.Message}", e);
            }
        }
    }

    private EmbeddedGroupConsumer FindMemberLocked(GroupMembership membership)
    {
        if (!string.Equals(membership.GroupId, GroupId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The membership is in group '{membership.GroupId}', not '{GroupId}'.", nameof(membership));
        }

        EmbeddedGroupConsumer? member = null;
        foreach (var candidate in _members)
        {
            if (string.Equals(candidate.MemberName, membership.MemberId, StringComparison.Ordinal))
            {
                member = candidate;
                break;
            }
        }

        if (member is null)
        {
            throw new InvalidOperationException(
                $"Cannot commit positions for group '{GroupId}': {membership.MemberId} is not a member of it (it left the group). Its partitions' new owners will process their records.");
        }

        if (membership.TransportState is not null && !ReferenceEquals(membership.TransportState, member))
        {
            throw new ArgumentException(
                $"The membership {membership.MemberId} of group '{GroupId}' belongs to a consumer of another transport: commit positions with a group consumer of the same embedded transport.",
                nameof(membership));
        }

        if (membership.Generation != member.Generation)
        {
            throw new InvalidOperationException(
                $"Cannot commit positions for group '{GroupId}': the membership of {membership.MemberId} is of generation {membership.Generation}, but the member has rebalanced since (generation {member.Generation}). Take the consumer's Membership when committing.");
        }

        return member;
    }

    private void CheckOwnership(EmbeddedGroupConsumer member, IReadOnlyList<TopicPartitionOffset> positions)
    {
        for (var i = 0; i < positions.Count; i++)
        {
            var position = positions[i];
            if (position.Offset < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(positions), position,
                    $"Cannot commit {position}: a committed position must be an offset (0 or more), not a special value.");
            }

            if (!_partitions.TryGetValue(position.TopicPartition, out var ownership) || ownership.Owner != member)
            {
                throw new InvalidOperationException(
                    $"Cannot commit {position} for group '{GroupId}': {position.TopicPartition} is not assigned to this consumer (it was revoked or lost in a rebalance, or never assigned). Its new owner will process its records.");
            }
        }
    }

    private void Recompute()
    {
        _generation++;
        var now = Stopwatch.GetTimestamp();
        var topics = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var member in _members)
        {
            foreach (var topic in member.Topics)
            {
                topics.Add(topic);
            }
        }

        var wanted = new HashSet<TopicPartition>();
        var subscribers = new List<EmbeddedGroupConsumer>();
        foreach (var topic in topics)
        {
            var count = _transport.GetPartitionCount(topic) ?? 0;
            subscribers.Clear();
            foreach (var member in _members)
            {
                if (member.Subscribes(topic))
                {
                    subscribers.Add(member);
                }
            }

            for (var p = 0; p < count; p++)
            {
                var partition = new TopicPartition(topic, p);
                wanted.Add(partition);
                if (!_partitions.TryGetValue(partition, out var ownership))
                {
                    ownership = new Ownership(partition);
                    _partitions.Add(partition, ownership);
                }

                var target = subscribers[p % subscribers.Count];
                if (ownership.Target != target)
                {
                    ownership.Target = target;
                    ownership.TargetSince = now;
                }
            }
        }

        List<TopicPartition>? unused = null;
        foreach (var ownership in _partitions.Values)
        {
            if (!wanted.Contains(ownership.Partition))
            {
                ownership.Target = null;
                if (ownership.Owner is null)
                {
                    (unused ??= []).Add(ownership.Partition);
                }
            }
        }

        if (unused is not null)
        {
            foreach (var partition in unused)
            {
                _partitions.Remove(partition);
            }
        }

        foreach (var member in _members)
        {
            member.MarkDirty();
        }
    }

    internal static int Compare(TopicPartition a, TopicPartition b)
    {
        var byTopic = string.CompareOrdinal(a.Topic, b.Topic);
        return byTopic != 0 ? byTopic : a.Partition.CompareTo(b.Partition);
    }

    private sealed class Ownership(TopicPartition partition)
    {
        public TopicPartition Partition { get; } = partition;

        /// <summary>The member whose OnAssigned ran and whose OnRevoked has not finished yet.</summary>
        public EmbeddedGroupConsumer? Owner { get; set; }

        /// <summary>The member the partition should go to.</summary>
        public EmbeddedGroupConsumer? Target { get; set; }

        public long TargetSince { get; set; }
    }
}
