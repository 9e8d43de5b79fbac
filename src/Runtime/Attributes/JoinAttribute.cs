using System;

namespace Faustish;

/// <summary>
/// Makes an agent a join of two co-partitioned topics: its own topic (the left side) and <paramref name="right"/>.
/// Its method takes the key and both sides, <c>void Process(TKey key, TLeft? left, TRight? right)</c>, and is called
/// with every join result. With a <see cref="Window"/> it joins two streams (Kafka Streams' <c>KStream.join</c> with
/// <c>JoinWindows</c>): records of either side whose times are at most the window apart. Without one it joins two
/// tables (<c>KTable.join</c>): each topic's latest value per key, a null value deleting it, and every update of
/// either side gives the key's new result, or <c>(key, null, null)</c> when the key's result is gone.
/// With a <see cref="ForeignKey"/> it joins two tables whose keys differ: each left value names a right key.
/// See docs/joins.md for the exact semantics of each kind.
/// </summary>
/// <param name="right">The <c>[Topic]</c> class of the right side: same key type and partition count as the agent's topic.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class JoinAttribute(Type right) : Attribute
{
    /// <summary>The right side's topic.</summary>
    public Type Right { get; } = right;

    /// <summary>Inner (default), left or outer: which records without a partner still give a result.</summary>
    public JoinKind Kind { get; init; }

    /// <summary>
    /// The join window of a stream–stream join: <c>"5m"</c> (records at most 5 minutes apart, either way),
    /// <c>"before 1m after 5m"</c> (a right record from 1 minute before to 5 minutes after the left one), each optionally
    /// followed by <c>grace &lt;duration&gt;</c> (how long out-of-order records are still joined; default 0). Unset: a
    /// table–table join.
    /// </summary>
    public string? Window { get; init; }

    /// <summary>
    /// Makes this a foreign-key table–table join (Kafka Streams' <c>KTable.join(other, foreignKeyExtractor, …)</c>, KIP-213):
    /// the name of a property or field of the left value that holds a key of <see cref="Right"/>'s topic, e.g.
    /// <c>nameof(Order.ProductId)</c>, or of a static method of the agent that takes the left value and returns one. Each
    /// left key's result is its latest value with the right topic's latest value of its foreign key, given again when
    /// either changes, when the foreign key changes, and as <c>(key, null, null)</c> when it is gone. A null foreign key
    /// joins nothing. The topics need not be co-partitioned; the runtime adds two internal topics,
    /// <c>{app}-{agent}-fk-subscription</c> and <c>{app}-{agent}-fk-response</c>. Inner or left only; no window.
    /// </summary>
    public string? ForeignKey { get; init; }
}

/// <summary>Which records of a join give results when they have no partner.</summary>
public enum JoinKind
{
    /// <summary>Only pairs: a record without a partner gives nothing.</summary>
    Inner,

    /// <summary>Every left record gives a result: with its partners, or once, with a null right side, when it has none.</summary>
    Left,

    /// <summary>Every record of either side gives a result: with its partners, or once, with the other side null.</summary>
    Outer,
}
