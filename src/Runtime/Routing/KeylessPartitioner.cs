using System;

namespace Faustish.Routing;

/// <summary>
/// Spreads records without a key over a topic's partitions, round-robin, as Kafka's classic default partitioner
/// did for null keys (Faust's keyless records land the same way): each record goes to the partition after the
/// previous one's. One per producer-side sender, used from one thread.
/// </summary>
/// <remarks>
/// The counter is unsigned and taken modulo the partition count as an unsigned number, so when it wraps past
/// <see cref="uint.MaxValue"/> it starts again at 0 and never yields a negative partition (the signed
/// <c>counter++ % partitions</c> turns negative after <see cref="int.MaxValue"/> records). At a wrap the
/// rotation may repeat a partition once; the spread stays even.
/// </remarks>
public sealed class KeylessPartitioner
{
    private uint _next;

    /// <summary>
    /// Starts at a random partition, so many short-lived senders (one record each, like the CLI's <c>send</c>)
    /// spread too instead of all starting at partition 0.
    /// </summary>
    public KeylessPartitioner()
        : this((uint)Random.Shared.Next())
    {
    }

    /// <summary>Starts the rotation at <paramref name="start"/> (tests; a fixed start gives a repeatable spread).</summary>
    public KeylessPartitioner(uint start) => _next = start;

    /// <summary>The partition of the next keyless record among <paramref name="partitions"/>.</summary>
    public int Next(int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        return (int)(unchecked(_next++) % (uint)partitions);
    }
}
