using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Faustish.Transport;

/// <summary>
/// Where records live: the embedded log (default) or Kafka. The shape follows Kafka's, so that what works
/// on one works on the other: topics with fixed partition counts, producers that buffer until
/// <see cref="IRecordProducer.Flush"/>, group consumers whose partitions are assigned and revoked while the
/// app runs, and plain readers for restoring tables from changelogs.
/// </summary>
public interface ITransport : IAsyncDisposable
{
    /// <summary>A short description for logs, e.g. <c>embedded:/data/app</c> or <c>kafka://host:9092</c>.</summary>
    string Description { get; }

    /// <summary>
    /// Creates missing topics and checks existing ones. Throws <see cref="InvalidOperationException"/> with
    /// a message saying what to change when an existing topic has another partition count.
    /// </summary>
    ValueTask EnsureTopicsAsync(IReadOnlyList<TopicSpec> topics, CancellationToken cancellationToken);

    /// <summary>
    /// Partition count of an existing topic, or null if it does not exist. Throws <see cref="TimeoutException"/>
    /// naming the topic and the brokers when the transport cannot answer in time.
    /// </summary>
    int? GetPartitionCount(string topic);

    /// <summary>Creates a producer. Each worker thread uses its own.</summary>
    IRecordProducer CreateProducer();

    /// <summary>Creates a consumer in group <paramref name="groupId"/> subscribed to <paramref name="topics"/>.</summary>
    IGroupConsumer CreateGroupConsumer(string groupId, IReadOnlyList<string> topics, IAssignmentListener listener);

    /// <summary>Opens a reader on one partition from <paramref name="fromOffset"/> (use <see cref="Offsets.Beginning"/>).</summary>
    IPartitionReader OpenReader(TopicPartition partition, long fromOffset);

    /// <summary>
    /// The first offset still stored and the offset the next record will get. Offsets are record offsets on every
    /// transport: 0, 1, 2, … per partition. Throws <see cref="TimeoutException"/> naming the partition and the brokers
    /// when the transport cannot answer in time.
    /// </summary>
    Watermarks GetWatermarks(TopicPartition partition);
}

/// <summary>Special offsets.</summary>
public static class Offsets
{
    /// <summary>The first record still stored.</summary>
    public const long Beginning = -2;

    /// <summary>The next record produced from now on.</summary>
    public const long End = -1;
}

/// <summary>
/// The low (first stored) and high offsets of a partition. High is the offset after the last record a reader of the
/// transport can reach: the next offset to be written, or, where readers read committed and a transaction is open in
/// the partition, the first offset of the oldest open transaction (Kafka's last stable offset).
/// </summary>
public readonly record struct Watermarks(long Low, long High);

/// <summary>
/// Writes records. Writes are buffered: they become durable and visible to readers by <see cref="Flush"/>
/// (the embedded log commits; Kafka waits for acknowledgements). Not thread-safe: one per worker thread.
/// </summary>
public interface IRecordProducer : IDisposable
{
    /// <summary>Appends a record. A null key or value is passed as <paramref name="keyIsNull"/>/<paramref name="valueIsNull"/>.</summary>
    void Produce(TopicPartition partition, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull,
        long timestampMs, IReadOnlyList<RecordHeader>? headers = null);

    /// <summary>
    /// Blocks until everything produced so far is durable. Throws <see cref="DeliveryFailedException"/> listing every
    /// record that could not be delivered (topic, partition, reason); whatever depended on them (a commit of input
    /// positions) must then not happen.
    /// </summary>
    void Flush(CancellationToken cancellationToken);

    /// <summary>
    /// Starts making everything produced so far durable and returns without waiting for the disk: the task completes
    /// once it is durable, or fails with <see cref="DeliveryFailedException"/> as <see cref="Flush"/> would. Records
    /// produced after the call are not part of it. A producer that cannot flush in the background flushes here and
    /// returns a completed task.
    /// </summary>
    System.Threading.Tasks.Task BeginFlush()
    {
        Flush(CancellationToken.None);
        return System.Threading.Tasks.Task.CompletedTask;
    }
}

/// <summary>One record a producer could not deliver.</summary>
/// <param name="Partition">Where it was going.</param>
/// <param name="Reason">Why it failed, in the transport's words.</param>
public readonly record struct DeliveryFailure(TopicPartition Partition, string Reason)
{
    public override string ToString() => $"{Partition}: {Reason}";
}

/// <summary>
/// <see cref="IRecordProducer.Flush"/> found records that were not delivered. Nothing after them may be committed;
/// the worker stops and a restart processes their input again.
/// </summary>
public sealed class DeliveryFailedException(IReadOnlyList<DeliveryFailure> failures)
    : Exception(Describe(failures))
{
    /// <summary>Every failed delivery, in the order reported.</summary>
    public IReadOnlyList<DeliveryFailure> Failures { get; } = failures;

    private static string Describe(IReadOnlyList<DeliveryFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        var shown = string.Join("; ", System.Linq.Enumerable.Take(failures, 5));
        var more = failures.Count > 5 ? $" (and {failures.Count - 5} more)" : "";
        return $"{failures.Count} record(s) could not be delivered: {shown}{more}.";
    }
}

/// <summary>
/// A transport whose producers can write transactions: records to any partitions plus a group's input positions,
/// made visible together or not at all (<see cref="Hosting.ProcessingGuarantee.ExactlyOnce"/>). Its readers and
/// consumers read committed records only.
/// </summary>
public interface ITransactionalTransport
{
    /// <summary>
    /// Creates the transactional producer of <paramref name="transactionalId"/> (stable across restarts, e.g. the
    /// worker's name). Creating one fences the previous producer of the same id: its commits fail from then on.
    /// </summary>
    ITransactionalProducer CreateTransactionalProducer(string transactionalId);
}

/// <summary>
/// A producer whose records belong to a transaction: none is visible to readers until
/// <see cref="CommitTransaction"/> succeeds, and none ever is after <see cref="AbortTransaction"/> or a crash.
/// A transaction begins with the first record after a commit or abort. <see cref="IRecordProducer.Flush"/> makes
/// records durable without making them visible. Not thread-safe: one per worker thread.
/// </summary>
public interface ITransactionalProducer : IRecordProducer
{
    /// <summary>The transactional id this producer was created with.</summary>
    string TransactionalId { get; }

    /// <summary>
    /// Atomically commits the records produced since the last commit or abort together with
    /// <paramref name="positions"/> (next offsets to read) of the group <paramref name="consumer"/> belongs to, for
    /// partitions it owns (checked through <see cref="IGroupConsumer.Membership"/>). On failure (I/O, a partition no longer owned, <see cref="ProducerFencedException"/>) nothing is
    /// committed and the transaction stays open: call <see cref="AbortTransaction"/>.
    /// </summary>
    void CommitTransaction(IReadOnlyList<TopicPartitionOffset> positions, IGroupConsumer? consumer, CancellationToken cancellationToken);

    /// <summary>Aborts the open transaction (if any): its records are never visible. Throws if the abort cannot be recorded.</summary>
    void AbortTransaction();

    /// <summary>
    /// The offset after the last record the last committed transaction wrote to <paramref name="partition"/>, or null
    /// when it wrote none there or the transport does not tell (readers then read up to the high watermark). A worker
    /// that aborted a later transaction restores its tables up to here: what follows in its changelogs is aborted work.
    /// </summary>
    long? CommittedEnd(TopicPartition partition) => null;
}

/// <summary>A transactional producer was replaced by a newer one with the same transactional id; it can no longer commit.</summary>
public sealed class ProducerFencedException(string message) : InvalidOperationException(message);

/// <summary>Told when a group consumer gains or loses partitions. Called on the consumer's thread, inside <see cref="IGroupConsumer.Fetch"/>.</summary>
public interface IAssignmentListener
{
    /// <summary>
    /// New partitions are assigned. Return quickly: restoring state here would stall the whole group (Kafka evicts a
    /// member that does not poll within <c>max.poll.interval.ms</c>). Pause the partitions
    /// (<see cref="IGroupConsumer.Pause"/>) and restore them between fetches, then resume them.
    /// </summary>
    void OnAssigned(IReadOnlyList<TopicPartition> partitions);

    /// <summary>Partitions are taken away after an orderly rebalance: commit their work before returning.</summary>
    void OnRevoked(IReadOnlyList<TopicPartition> partitions);

    /// <summary>Partitions were lost (the group moved on without us): drop their work, do not commit.</summary>
    void OnLost(IReadOnlyList<TopicPartition> partitions);
}

/// <summary>A consumer in a group. Not thread-safe: owned by one worker thread.</summary>
public interface IGroupConsumer : IDisposable
{
    /// <summary>The partitions currently assigned to this consumer.</summary>
    IReadOnlyList<TopicPartition> Assignment { get; }

    /// <summary>
    /// Who this consumer is in its group right now (group, member, generation): what a transactional commit sends
    /// with its positions, so the transport can refuse positions of partitions the member no longer owns.
    /// </summary>
    GroupMembership Membership { get; }

    /// <summary>
    /// Fills <paramref name="batch"/> with up to <paramref name="maxRecords"/> records of one assigned
    /// partition, waiting up to <paramref name="timeout"/> for data. Returns false when nothing arrived.
    /// Rebalance callbacks run inside this call.
    /// </summary>
    bool Fetch(RecordBatch batch, int maxRecords, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Stops returning records of <paramref name="partitions"/> (assigned ones; others are ignored) until
    /// <see cref="Resume"/>, while the consumer stays in its group. A partition revoked and assigned again starts unpaused.
    /// </summary>
    void Pause(IReadOnlyList<TopicPartition> partitions);

    /// <summary>Returns records of paused <paramref name="partitions"/> again, from where they stopped (or were sought to).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "Kafka's own name for it; Faustish targets C#.")]
    void Resume(IReadOnlyList<TopicPartition> partitions);

    /// <summary>The next record fetched from the assigned partition <paramref name="position"/> names is the one at its offset.</summary>
    void Seek(TopicPartitionOffset position);

    /// <summary>Durably records the next offsets to read. Call after the outputs of those records are flushed.</summary>
    void Commit(IReadOnlyList<TopicPartitionOffset> positions);

    /// <summary>The group's committed next offset of a partition (assigned to this member or not), or null if nothing was committed.</summary>
    long? Committed(TopicPartition partition);

    /// <summary>Leaves the group, revoking all partitions (listener's <see cref="IAssignmentListener.OnRevoked"/> runs).</summary>
    void Close();
}

/// <summary>A group consumer's identity in its group at one moment.</summary>
/// <param name="GroupId">The group.</param>
/// <param name="MemberId">The member, as the group coordinator named it.</param>
/// <param name="Generation">The group's generation (rebalance count) the member last joined.</param>
public sealed record GroupMembership(string GroupId, string MemberId, int Generation)
{
    /// <summary>Transport-specific proof of membership (Kafka's consumer group metadata); null where none is needed.</summary>
    internal object? TransportState { get; init; }
}

/// <summary>Reads one partition in order, outside any group (restores, tools, tests). Not thread-safe.</summary>
public interface IPartitionReader : IDisposable
{
    /// <summary>
    /// Fills <paramref name="batch"/> with up to <paramref name="maxRecords"/> records, waiting up to
    /// <paramref name="timeout"/> for data. Returns false when there is nothing more for now.
    /// </summary>
    bool Fetch(RecordBatch batch, int maxRecords, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>The offset of the next record this reader returns.</summary>
    long Position { get; }
}
