using System;

namespace Faustish;

/// <summary>
/// Declares a table: keyed state, partitioned like the topic of the agent that writes it, kept in a
/// local store and made durable by the changelog topic <c>{app}-{name}-changelog</c>.
/// Put it on a <c>sealed partial class</c> that derives from <see cref="Table{TKey, TValue}"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class TableAttribute(string name) : Attribute
{
    /// <summary>The table's name; its changelog topic is <c>{app}-{name}-changelog</c>.</summary>
    public string Name { get; } = name;

    /// <summary>
    /// A <c>[Topic]</c> class whose records feed the table (Kafka Streams' source table): the latest value of each key,
    /// a null value deleting it. The topic is the table's changelog: the table restores from it and needs no changelog
    /// of its own, and agents read the table but never write it (send to the topic instead). The topic's key and value
    /// types must be the table's; a plain table is co-partitioned with the agent that reads it (same partition count),
    /// a global table holds every partition.
    /// </summary>
    public Type? Source { get; init; }

    /// <summary>
    /// Partition count of the table. Zero (the default) means "the partition count of the topic of the
    /// agent that writes it", which is what co-partitioning needs.
    /// </summary>
    public int Partitions { get; init; }

    /// <summary>
    /// Window of a <see cref="WindowedTable{TKey, TValue}"/>: <c>tumbling &lt;size&gt;</c>, <c>hopping &lt;size&gt; every &lt;step&gt;</c>,
    /// <c>sliding &lt;size&gt;</c> or <c>session &lt;gap&gt;</c>, optionally followed by <c>grace &lt;duration&gt;</c>; durations
    /// like <c>500ms</c>, <c>30s</c>, <c>1m</c>, <c>2h</c>, <c>1d</c>. E.g. <c>"tumbling 1m grace 10s"</c>.
    /// </summary>
    public string? Window { get; init; }

    /// <summary>
    /// Retention of a windowed table's windows, e.g. <c>"1h"</c>: windows are removed from the store and the changelog
    /// once the table's time passes them by this much. Defaults to size + grace, and may not be shorter.
    /// </summary>
    public string? Expires { get; init; }

    /// <summary>What a windowed table does with events that come after their window closed (always counted).</summary>
    public LateEvents Late { get; init; }

    /// <summary>What closes a windowed table's windows: stream time (default), and optionally the wall clock as well.</summary>
    public WindowClose CloseOn { get; init; } = WindowClose.StreamTime;

    /// <summary>Which time <c>table[key]</c> refers to in a windowed table: the current event's (default) or the wall clock's.</summary>
    public WindowTime RelativeTo { get; init; }
}
