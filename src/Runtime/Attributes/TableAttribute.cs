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
    /// Partition count of the table. Zero (the default) means "the partition count of the topic of the
    /// agent that writes it", which is what co-partitioning needs.
    /// </summary>
    public int Partitions { get; init; }

    /// <summary>
    /// Window specification for windowed tables, e.g. <c>"tumbling 1m"</c> or <c>"hopping 10m every 1m"</c>.
    /// </summary>
    public string? Window { get; init; }

    /// <summary>Retention of a windowed table's windows, e.g. <c>"1h"</c>.</summary>
    public string? Expires { get; init; }
}
