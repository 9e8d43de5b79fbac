using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using CK = Confluent.Kafka;

namespace Faustish.Transport.Kafka;

/// <summary>
/// A member of a Kafka consumer group, owned by one worker thread: a Confluent.Kafka consumer subscribed to the
/// group's topics with cooperative-sticky rebalancing. Rebalance callbacks run inside <see cref="Fetch"/> (inside
/// librdkafka's <c>rd_kafka_consumer_poll</c>, called by <c>Consume</c> or in place) and call the <see cref="IAssignmentListener"/>.
/// </summary>
/// <remarks>
/// <para><b>Fetch.</b> Records are polled one by one from a <see cref="KafkaRecordSource"/>: through Confluent.Kafka's
/// <c>Consume</c>, key and value bytes copied by <see cref="SpanCapture"/> deserializers into reused arrays (no key or
/// value array allocated, but Confluent.Kafka's per-record objects); or, with <see cref="Hosting.KafkaFetchPath.InPlace"/>,
/// read in place from librdkafka's message and copied once into the batch (nothing allocated). Either way the rebalance
/// callbacks below run inside the poll. A batch holds consecutive records of one partition; the
/// first record of another partition is kept (<see cref="_held"/>) and starts the next batch.</para>
/// <para><b>Pause inside OnAssigned.</b> The listener pauses newly assigned partitions from inside
/// <see cref="IAssignmentListener.OnAssigned"/>, where librdkafka has not assigned them yet (its pause would fail).
/// Such pauses (and seeks) are remembered: seeks become the start offsets the assignment is made with, pauses are
/// applied as soon as <c>Consume</c> returns (the assignment has taken effect then). A record that still arrives from
/// a paused partition is never returned: the partition is paused for real and sought back to that record, which is
/// therefore fetched again after <see cref="Resume"/>.</para>
/// <para><b>Commit.</b> Synchronous, of the positions given (Kafka's committed offset is the next offset to read).
/// A commit that fails for a passing reason (coordinator moving or unreachable, brokers down) is retried with backoff
/// until it succeeds, logging at most every 30 s, bounded by the cancellation token of the latest <see cref="Fetch"/>
/// (the worker's stop signal). A commit refused because a rebalance is under way (or made with the generation it
/// replaces) is kept and retried on the next fetch, commit or revocation; one refused because this member no longer
/// owns the partitions (lost) is dropped with a warning: the partitions' new owner processes their records again from
/// the last commit.</para>
/// </remarks>
internal sealed class KafkaGroupConsumer : IGroupConsumer
{
    private static readonly TimeSpan MaxPollSlice = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxCommitBackoff = TimeSpan.FromSeconds(2);

    private readonly KafkaTransport _transport;
    private readonly IConsumer<int, int> _consumer;
    private readonly RecordCapture _capture = new();
    private readonly KafkaRecordSource _source;
    private readonly IAssignmentListener _listener;
    private readonly string _groupId;
    private readonly string? _singleTopic;
    private readonly string _name;
    private readonly HashSet<TopicPartition> _assigned = [];
    private readonly HashSet<TopicPartition> _paused = [];
    private readonly List<TopicPartition> _pausePending = [];
    private readonly Dictionary<TopicPartition, long> _seekPending = [];
    private readonly Dictionary<TopicPartition, long> _uncommitted = [];
    // Per partition, the offset after the last record returned; forgotten when the partition is sought, assigned or
    // taken away. A batch below it that no seek explains was delivered twice: the worker would process it twice.
    private readonly Dictionary<TopicPartition, long> _returnedUpTo = [];
    private readonly RecordBatch _held = new(1, 1024);
    private readonly IDisposable _registration;
    private HashSet<TopicPartition>? _assigning;
    private TopicPartition[] _assignment = [];
    private bool _hasHeld;
    private int _generation;
    private CancellationToken _stopping;
    private bool _closing;
    private bool _closed;

    public KafkaGroupConsumer(KafkaTransport transport, string groupId, string[] topics, IAssignmentListener listener)
    {
        _transport = transport;
        _groupId = groupId;
        _listener = listener;
        _singleTopic = topics.Length == 1 ? topics[0] : null;
        _name = $"consumer of group '{groupId}'";
        var config = transport.ConsumerConfig(groupId);
        // Only what a batch needs is marshalled: headers and timestamps, and topic names only when there are several.
        config["dotnet.consumer.consume.result.fields"] = _singleTopic is null ? "headers,timestamp,topic" : "headers,timestamp";
        _consumer = transport.Configure(new ConsumerBuilder<int, int>(config), _name)
            .SetKeyDeserializer(_capture.Key)
            .SetValueDeserializer(_capture.Value)
            .SetPartitionsAssignedHandler(OnAssigned)
            .SetPartitionsRevokedHandler((_, partitions) => OnRevokedOrLost(partitions, lost: false))
            .SetPartitionsLostHandler((_, partitions) => OnRevokedOrLost(partitions, lost: true))
            .Build();
        try
        {
            _source = KafkaRecordSource.Create(transport.Options.FetchPath, _consumer, _capture, transport, _name, _singleTopic);
        }
        catch
        {
            _consumer.Dispose();
            throw;
        }

        _registration = transport.Health.Register(() => _closed ? null : DescribeWaiting());
        _consumer.Subscribe(topics);
    }

    public IReadOnlyList<TopicPartition> Assignment => _assignment;

    /// <summary>The record kept for the next batch (the first of another partition), if any; for tests.</summary>
    internal TopicPartitionOffset? HeldRecord => _hasHeld ? new TopicPartitionOffset(_held.Topic, _held.Partition, _held[0].Offset) : null;

    /// <summary>Records returned a second time with no seek or assignment in between (each logged as a warning).</summary>
    internal long RecordsReturnedAgain { get; private set; }

    /// <summary>The Confluent.Kafka consumer underneath; for tests that act behind this consumer's back.</summary>
    internal IConsumer<int, int> Client => _consumer;

    /// <summary>
    /// The group, librdkafka's member id, and a generation counted by this consumer (each assignment or revocation it
    /// sees; Confluent.Kafka does not expose Kafka's generation id). <see cref="GroupMembership.TransportState"/> is
    /// Confluent.Kafka's <see cref="IConsumerGroupMetadata"/>, which carries Kafka's own generation for transactional commits.
    /// </summary>
    public GroupMembership Membership => new(_groupId, _consumer.MemberId ?? "", _generation)
    {
        TransportState = _consumer.ConsumerGroupMetadata,
    };

    public bool Fetch(RecordBatch batch, int maxRecords, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        ObjectDisposedException.ThrowIf(_closing, this);
        _stopping = cancellationToken;
        var deadline = Stopwatch.GetTimestamp() + (long)(Math.Max(0, timeout.TotalSeconds) * Stopwatch.Frequency);
        ApplyPendingPauses();
        if (_uncommitted.Count > 0)
        {
            CommitUncommitted(retry: false);
        }

        var count = 0;
        var current = default(TopicPartition);
        if (_hasHeld && TakeHeld(batch))
        {
            current = new TopicPartition(batch.Topic, batch.Partition);
            count = 1;
        }

        while (count < maxRecords)
        {
            var wait = 0;
            if (count == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                wait = (int)Math.Ceiling(Math.Clamp(left.TotalMilliseconds, 0, MaxPollSlice.TotalMilliseconds));
            }

            var polled = _source.Poll(wait);
            ApplyPendingPauses(); // an assignment made inside the poll has taken effect now
            if (count > 0 && !_assigned.Contains(current))
            {
                // The batch's partition was revoked (or lost) inside that poll: its records are no longer this
                // member's to process (the listener has dropped the partition; its next owner reads them from the
                // last commit). Returning them made the worker fail on records of a partition not assigned to it.
                count = 0;
            }

            if (!polled)
            {
                if (count > 0 || Stopwatch.GetTimestamp() >= deadline)
                {
                    return count > 0 && Returned(batch);
                }

                continue;
            }

            if (_source.IsPartitionEof)
            {
                continue;
            }

            var partition = new TopicPartition(_source.Topic, _source.Partition);
            if (_paused.Count > 0 && _paused.Contains(partition))
            {
                // Prefetched before the pause took effect: not returned, fetched again after Resume.
                PauseAndRewind(partition, _source.Offset);
                continue;
            }

            if (count == 0)
            {
                batch.Reset(partition.Topic, partition.Partition);
                current = partition;
            }
            else if (partition.Partition != current.Partition || !string.Equals(partition.Topic, current.Topic, StringComparison.Ordinal))
            {
                _held.Reset(partition.Topic, partition.Partition);
                _source.AddTo(_held);
                _hasHeld = true;
                return Returned(batch);
            }

            _source.AddTo(batch);
            count++;
        }

        return Returned(batch);
    }

    /// <summary>
    /// Notes how far <paramref name="batch"/>'s partition has been returned, and says so when the batch starts below
    /// that with no seek or assignment in between: those records reach the worker a second time. (Within a batch the
    /// offsets rise: they come from consecutive polls, and a seek can only come between batches.) Returns true.
    /// </summary>
    private bool Returned(RecordBatch batch)
    {
        var partition = new TopicPartition(batch.Topic, batch.Partition);
        var last = batch[batch.Count - 1].NextOffset;
        if (_returnedUpTo.TryGetValue(partition, out var upTo) && batch[0].Offset < upTo)
        {
            var again = 0;
            while (again < batch.Count && batch[again].Offset < upTo)
            {
                again++;
            }

            RecordsReturnedAgain += again;
            _transport.Logger.LogWarning("{Consumer} received {Count} record(s) of {Partition} from offset {Offset} again after records up to offset {UpTo} with no seek or assignment in between; the worker processes them again (at-least-once)",
                _name, again, partition, batch[0].Offset, upTo - 1);
            last = Math.Max(last, upTo);
        }

        _returnedUpTo[partition] = last;
        return true;
    }

    public void Pause(IReadOnlyList<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ObjectDisposedException.ThrowIf(_closed, this);
        List<CK.TopicPartition>? now = null;
        foreach (var partition in partitions)
        {
            if (!_assigned.Contains(partition) || !_paused.Add(partition))
            {
                continue;
            }

            if (_assigning is not null && _assigning.Contains(partition))
            {
                _pausePending.Add(partition); // not assigned in librdkafka yet: applied when Consume returns
                continue;
            }

            (now ??= []).Add(ToKafka(partition));
        }

        if (now is null)
        {
            return;
        }

        _consumer.Pause(now);
        if (_hasHeld && _paused.Contains(HeldPartition))
        {
            // The held record was consumed already: put it back, it comes again after Resume.
            _hasHeld = false;
            _consumer.Seek(new CK.TopicPartitionOffset(_held.Topic, _held.Partition, _held[0].Offset));
        }
    }

    public void Resume(IReadOnlyList<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ObjectDisposedException.ThrowIf(_closed, this);
        List<CK.TopicPartition>? now = null;
        foreach (var partition in partitions)
        {
            if (!_paused.Remove(partition) || _pausePending.Remove(partition))
            {
                continue;
            }

            (now ??= []).Add(ToKafka(partition));
        }

        if (now is not null)
        {
            _consumer.Resume(now);
        }
    }

    public void Seek(TopicPartitionOffset position)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        var partition = position.TopicPartition;
        if (!_assigned.Contains(partition))
        {
            throw new InvalidOperationException($"Cannot seek {position}: the partition is not assigned to this consumer.");
        }

        if (position.Offset < 0 && position.Offset is not Offsets.Beginning and not Offsets.End)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position.Offset, "Seek to an offset, Offsets.Beginning or Offsets.End.");
        }

        if (_assigning is not null && _assigning.Contains(partition))
        {
            _seekPending[partition] = position.Offset; // becomes the offset the assignment starts at
            return;
        }

        if (_hasHeld && HeldPartition == partition)
        {
            _hasHeld = false;
        }

        _returnedUpTo.Remove(partition); // the caller asks for records again
        _consumer.Seek(new CK.TopicPartitionOffset(partition.Topic, partition.Partition, KafkaTransport.ToKafkaOffset(position.Offset)));
    }

    public void Commit(IReadOnlyList<TopicPartitionOffset> positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ObjectDisposedException.ThrowIf(_closed, this);
        foreach (var position in positions)
        {
            if (_assigned.Contains(position.TopicPartition))
            {
                _uncommitted[position.TopicPartition] = position.Offset;
            }
            else
            {
                _transport.Logger.LogDebug("{Consumer} does not commit {Position}: the partition is no longer assigned to it", _name, position);
            }
        }

        if (_uncommitted.Count > 0)
        {
            CommitUncommitted(retry: true);
        }
    }

    public long? Committed(TopicPartition partition)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        List<CK.TopicPartitionOffset> committed;
        try
        {
            committed = _consumer.Committed([ToKafka(partition)], _transport.Options.RequestTimeout);
        }
        catch (KafkaException e)
        {
            throw new TimeoutException(
                $"Kafka did not tell the committed offset of {partition} for group '{_groupId}' within {_transport.Options.RequestTimeout.TotalSeconds:F0} s " +
                $"(brokers {_transport.Options.BootstrapServers}): {e.Error.Reason}.", e);
        }

        var offset = committed.Count == 1 ? committed[0].Offset : CK.Offset.Unset;
        return offset.IsSpecial ? null : offset.Value;
    }

    public void Close()
    {
        if (_closing)
        {
            return;
        }

        _closing = true;
        _source.Release(); // librdkafka's message, if any, before its consumer closes
        try
        {
            // Leaves the group: the revoke (or lost) callback runs in here, and with it the listener.
            _consumer.Close();
        }
        catch (KafkaException e)
        {
            _transport.Logger.LogWarning(e, "{Consumer} could not leave its group cleanly: {Reason}; the group notices when its session times out", _name, e.Error.Reason);
        }
        finally
        {
            _closed = true;
            _registration.Dispose();
            _consumer.Dispose();
            _source.Dispose();
            _assigned.Clear();
            _paused.Clear();
            _pausePending.Clear();
            _uncommitted.Clear();
            _returnedUpTo.Clear();
            _assignment = [];
            _hasHeld = false;
        }
    }

    public void Dispose() => Close();

    private TopicPartition HeldPartition => new(_held.Topic, _held.Partition);

    /// <summary>Starts <paramref name="batch"/> with the held record if its partition may still be read.</summary>
    private bool TakeHeld(RecordBatch batch)
    {
        _hasHeld = false;
        var partition = HeldPartition;
        if (!_assigned.Contains(partition))
        {
            return false;
        }

        ref readonly var record = ref _held[0];
        if (_paused.Contains(partition))
        {
            PauseAndRewind(partition, record.Offset);
            return false;
        }

        batch.Reset(partition.Topic, partition.Partition);
        batch.Add(record.Offset, record.NextOffset, record.TimestampMs, _held.KeyOf(in record), record.KeyIsNull,
            _held.ValueOf(in record), record.ValueIsNull, _held.EncodedHeadersOf(in record));
        return true;
    }

    /// <summary>A record of a paused partition came: make sure the partition is paused in librdkafka and fetch that record again later.</summary>
    private void PauseAndRewind(TopicPartition partition, long offset)
    {
        _pausePending.Remove(partition);
        var kafka = ToKafka(partition);
        _consumer.Pause([kafka]);
        _consumer.Seek(new CK.TopicPartitionOffset(kafka, offset));
    }

    private void ApplyPendingPauses()
    {
        if (_pausePending.Count == 0)
        {
            return;
        }

        var pending = _pausePending.Where(p => _paused.Contains(p) && _assigned.Contains(p)).Select(ToKafka).ToList();
        _pausePending.Clear();
        if (pending.Count > 0)
        {
            _consumer.Pause(pending);
        }
    }

    private IEnumerable<CK.TopicPartitionOffset> OnAssigned(IConsumer<int, int> consumer, List<CK.TopicPartition> partitions)
    {
        var assigned = partitions.Select(FromKafka).ToList();
        _assigning = [.. assigned];
        try
        {
            foreach (var partition in assigned)
            {
                _assigned.Add(partition);
                _paused.Remove(partition); // a partition assigned again starts unpaused
                _returnedUpTo.Remove(partition); // and from its committed offset
            }

            UpdateAssignment();
            _generation++;
            _listener.OnAssigned(assigned);
            return partitions.Select(p => new CK.TopicPartitionOffset(p,
                _seekPending.Remove(FromKafka(p), out var offset) ? KafkaTransport.ToKafkaOffset(offset) : CK.Offset.Unset)).ToList();
        }
        catch
        {
            // Confluent.Kafka unassigns everything and rethrows from Consume: the worker fails with the listener's exception.
            ForgetAll();
            throw;
        }
        finally
        {
            _assigning = null;
            _seekPending.Clear();
        }
    }

    private void OnRevokedOrLost(List<CK.TopicPartitionOffset> partitions, bool lost)
    {
        var taken = partitions.Select(p => FromKafka(p.TopicPartition)).Where(_assigned.Contains).ToList();
        if (taken.Count == 0)
        {
            return;
        }

        try
        {
            if (lost)
            {
                _listener.OnLost(taken);
            }
            else
            {
                _listener.OnRevoked(taken);
                if (taken.Any(_uncommitted.ContainsKey))
                {
                    // Positions the listener committed while a rebalance was under way: this is their last chance.
                    CommitUncommitted(retry: false);
                }
            }
        }
        catch
        {
            // Confluent.Kafka unassigns everything and rethrows from Consume: the worker fails with the listener's exception.
            ForgetAll();
            throw;
        }
        finally
        {
            var unpause = new List<CK.TopicPartition>();
            foreach (var partition in taken)
            {
                if (_paused.Remove(partition) && !_pausePending.Remove(partition))
                {
                    unpause.Add(ToKafka(partition));
                }

                if (_uncommitted.Remove(partition, out var position))
                {
                    _transport.Logger.LogWarning("{Consumer} gave up {Partition} before its position {Position} was committed; its next owner processes the records after the last commit again",
                        _name, partition, position);
                }

                _assigned.Remove(partition);
                _returnedUpTo.Remove(partition);
            }

            if (_hasHeld && taken.Contains(HeldPartition))
            {
                _hasHeld = false;
            }

            if (unpause.Count > 0 && !_closed)
            {
                TryResume(unpause);
            }

            UpdateAssignment();
            _generation++;
        }
    }

    /// <summary>Resumes partitions on their way out, so that they start unpaused if they come back.</summary>
    private void TryResume(List<CK.TopicPartition> partitions)
    {
        try
        {
            _consumer.Resume(partitions);
        }
        catch (KafkaException e)
        {
            _transport.Logger.LogDebug(e, "{Consumer} could not resume {Partitions} on their way out", _name, partitions);
        }
    }

    private void ForgetAll()
    {
        _assigned.Clear();
        _paused.Clear();
        _pausePending.Clear();
        _uncommitted.Clear();
        _returnedUpTo.Clear();
        _hasHeld = false;
        UpdateAssignment();
    }

    private void UpdateAssignment()
    {
        var assignment = _assigned.ToArray();
        Array.Sort(assignment, static (a, b) =>
            string.CompareOrdinal(a.Topic, b.Topic) is var byTopic && byTopic != 0 ? byTopic : a.Partition.CompareTo(b.Partition));
        _assignment = assignment;
    }

    /// <summary>Commits <see cref="_uncommitted"/>; with <paramref name="retry"/>, until done or pointless (see the class remarks).</summary>
    private void CommitUncommitted(bool retry)
    {
        var started = Stopwatch.GetTimestamp();
        var backoff = TimeSpan.FromMilliseconds(100);
        var attempts = 0;
        while (_uncommitted.Count > 0)
        {
            attempts++;
            var offsets = _uncommitted.Select(p => new CK.TopicPartitionOffset(p.Key.Topic, p.Key.Partition, p.Value)).ToList();
            var described = string.Join(", ", _uncommitted.Select(p => new TopicPartitionOffset(p.Key.Topic, p.Key.Partition, p.Value)));
            Error error;
            List<TopicPartition>? failed = null;
            try
            {
                _consumer.Commit(offsets);
                _uncommitted.Clear();
                if (attempts > 1)
                {
                    _transport.Logger.LogInformation("{Consumer} committed {Count} position(s) after {Attempts} attempts in {Seconds:F1} s",
                        _name, offsets.Count, attempts, Stopwatch.GetElapsedTime(started).TotalSeconds);
                }

                return;
            }
            catch (TopicPartitionOffsetException e)
            {
                failed = [];
                error = e.Error;
                foreach (var result in e.Results)
                {
                    var partition = FromKafka(result.TopicPartition);
                    if (result.Error.IsError)
                    {
                        failed.Add(partition);
                        error = result.Error;
                    }
                    else
                    {
                        _uncommitted.Remove(partition);
                    }
                }
            }
            catch (KafkaException e)
            {
                error = e.Error;
            }

            switch (Classify(error.Code))
            {
                case CommitFailure.NothingToCommit:
                    _uncommitted.Clear();
                    return;
                case CommitFailure.Lost:
                    _transport.Logger.LogWarning("{Consumer} could not commit {Positions}: {Reason} ({Code}); the partitions belong to another member now, which processes their records after the last commit again",
                        _name, described, error.Reason, error.Code);
                    foreach (var partition in failed ?? [.. _uncommitted.Keys])
                    {
                        _uncommitted.Remove(partition);
                    }

                    return;
                case CommitFailure.Rebalancing:
                    // The rebalance completes inside a later Consume; the positions are committed then (next fetch, commit or revocation).
                    _transport.Logger.LogDebug("{Consumer} defers committing {Positions}: a rebalance is under way", _name, described);
                    return;
                case CommitFailure.Passing when retry:
                    _transport.Health.Log(error.Code, LogLevel.Warning, _name + " (commit)",
                        $"committing {described} failed: {error.Reason}", "retrying until it succeeds");
                    if (_stopping.WaitHandle.WaitOne(backoff))
                    {
                        _transport.Logger.LogWarning("{Consumer} stopped retrying to commit {Positions} ({Reason}): the worker is stopping; the records after the last commit are processed again on restart",
                            _name, described, error.Reason);
                        _stopping.ThrowIfCancellationRequested();
                    }

                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxCommitBackoff.Ticks));
                    continue;
                case CommitFailure.Passing:
                    return; // tried once; retried later
                default:
                    throw new InvalidOperationException(
                        $"Kafka refused to commit {described} for group '{_groupId}': {error.Reason} ({error.Code}).", new KafkaException(error));
            }
        }
    }

    private enum CommitFailure
    {
        Passing,
        Rebalancing,
        Lost,
        NothingToCommit,
        Refused,
    }

    private static CommitFailure Classify(ErrorCode code) => code switch
    {
        ErrorCode.Local_NoOffset => CommitFailure.NothingToCommit,
        // IllegalGeneration: the group moved to a new generation while this member still owns its partitions (a
        // cooperative rebalance keeps them). librdkafka ignores it while rebalancing and reports the partitions lost
        // otherwise (the lost callback then drops their positions), so keep the positions and commit them with the
        // new generation: dropping them left the next owner to process again records already in the changelogs.
        ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration => CommitFailure.Rebalancing,
        ErrorCode.UnknownMemberId or ErrorCode.FencedInstanceId or ErrorCode.StaleMemberEpoch
            or ErrorCode.FencedMemberEpoch or ErrorCode.Local_State or ErrorCode.Local_UnknownPartition or ErrorCode.UnknownTopicOrPart => CommitFailure.Lost,
        ErrorCode.GroupAuthorizationFailed or ErrorCode.TopicAuthorizationFailed or ErrorCode.OffsetMetadataTooLarge
            or ErrorCode.InvalidCommitOffsetSize or ErrorCode.Local_InvalidArg or ErrorCode.InvalidGroupId => CommitFailure.Refused,
        _ => CommitFailure.Passing,
    };

    private string DescribeWaiting()
    {
        var uncommitted = _uncommitted.Count > 0 ? $", {_uncommitted.Count} position(s) to commit" : "";
        return $"{_name}: fetching {_assignment.Length} partition(s){uncommitted}";
    }

    private static CK.TopicPartition ToKafka(TopicPartition partition) => new(partition.Topic, partition.Partition);

    private static TopicPartition FromKafka(CK.TopicPartition partition) => new(partition.Topic, partition.Partition.Value);
}
