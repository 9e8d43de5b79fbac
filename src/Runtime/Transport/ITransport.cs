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

    /// <summary>Partition count of an existing topic, or null if it does not exist.</summary>
    int? GetPartitionCount(string topic);

    /// <summary>Creates a producer. Each worker thread uses its own.</summary>
    IRecordProducer CreateProducer();

    /// <summary>Creates a consumer in group <paramref name="groupId"/> subscribed to <paramref name="topics"/>.</summary>
    IGroupConsumer CreateGroupConsumer(string groupId, IReadOnlyList<string> topics, IAssignmentListener listener);

    /// <summary>Opens a reader on one partition from <paramref name="fromOffset"/> (use <see cref="Offsets.Beginning"/>).</summary>
    IPartitionReader OpenReader(TopicPartition partition, long fromOffset);

    /// <summary>The first offset still stored and the offset the next record will get.</summary>
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

/// <summary>The low (first stored) and high (next to be written) offsets of a partition.</summary>
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

    /// <summary>Blocks until everything produced so far is durable, or throws saying why it is not.</summary>
    void Flush(CancellationToken cancellationToken);
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
    /// <paramref name="positions"/> (next offsets to read) of <paramref name="consumer"/>'s group, for partitions it
    /// owns. On failure (I/O, a partition no longer owned, <see cref="ProducerFencedException"/>) nothing is
    /// committed and the transaction stays open: call <see cref="AbortTransaction"/>.
    /// </summary>
    void CommitTransaction(IReadOnlyList<TopicPartitionOffset> positions, IGroupConsumer? consumer, CancellationToken cancellationToken);

    /// <summary>Aborts the open transaction (if any): its records are never visible. Throws if the abort cannot be recorded.</summary>
    void AbortTransaction();
}

/// <summary>A transactional producer was replaced by a newer one with the same transactional id; it can no longer commit.</summary>
public sealed class ProducerFencedException(string message) : InvalidOperationException(message);

/// <summary>Told when a group consumer gains or loses partitions. Called on the consumer's thread, inside <see cref="IGroupConsumer.Fetch"/>.</summary>
public interface IAssignmentListener
{
    /// <summary>New partitions are assigned. Restore their state before returning.</summary>
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
    /// Fills <paramref name="batch"/> with up to <paramref name="maxRecords"/> records of one assigned
    /// partition, waiting up to <paramref name="timeout"/> for data. Returns false when nothing arrived.
    /// Rebalance callbacks run inside this call.
    /// </summary>
    bool Fetch(RecordBatch batch, int maxRecords, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Durably records the next offsets to read. Call after the outputs of those records are flushed.</summary>
    void Commit(IReadOnlyList<TopicPartitionOffset> positions);

    /// <summary>The committed next offset of an assigned partition, or null if nothing was committed.</summary>
    long? Committed(TopicPartition partition);

    /// <summary>Leaves the group, revoking all partitions (listener's <see cref="IAssignmentListener.OnRevoked"/> runs).</summary>
    void Close();
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
