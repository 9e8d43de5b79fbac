namespace Faustish.Transport;

/// <summary>A partition of a topic.</summary>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    public override string ToString() => $"{Topic}[{Partition}]";
}

/// <summary>A position in a partition: the offset of the next record to read.</summary>
public readonly record struct TopicPartitionOffset(string Topic, int Partition, long Offset)
{
    public TopicPartition TopicPartition => new(Topic, Partition);

    public override string ToString() => $"{Topic}[{Partition}]@{Offset}";
}

/// <summary>What a transport must know to create or check a topic.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="Partitions">Partition count.</param>
/// <param name="Compacted">Whether old values of a key may be dropped (changelogs).</param>
/// <param name="RetentionMs">
/// How long records must be kept at least, in milliseconds; null keeps them for as long as the transport's default
/// (forever for a compacted topic). A compacted topic with a retention also drops records older than it (Kafka's
/// <c>cleanup.policy=compact,delete</c>): windowed tables' changelogs, whose windows expire.
/// </param>
/// <param name="RetentionBytes">
/// How large a partition may grow before its oldest segments are deleted (Kafka's <c>retention.bytes</c>); null: no limit.
/// </param>
public sealed record TopicSpec(string Name, int Partitions, bool Compacted = false, long? RetentionMs = null, long? RetentionBytes = null);
