using System;

namespace Faustish;

/// <summary>
/// Declares a topic: a named, partitioned stream of keyed records. Put it on a
/// <c>sealed partial class</c> that derives from <see cref="Topic{TKey, TValue}"/>.
/// </summary>
/// <example>
/// <code>
/// [Topic("page-views", Partitions = 4)]
/// public sealed partial class PageViews : Topic&lt;string, PageView&gt;;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class TopicAttribute(string name) : Attribute
{
    /// <summary>The topic's name on the transport (Kafka topic name, or embedded log name).</summary>
    public string Name { get; } = name;

    /// <summary>How many partitions the topic has. Records are routed by Kafka's murmur2 partitioner.</summary>
    public int Partitions { get; init; } = 1;

    /// <summary>
    /// How long records are kept, e.g. <c>"1h"</c>, <c>"7d"</c> (units ms, s, m, h, d): older log segments are deleted,
    /// whether or not every consumer has read them (Kafka's <c>retention.ms</c>). Unset: the transport's default (on the
    /// embedded log, forever). Overridable in configuration: <c>Faustish:Topics:{name}:Retention</c>.
    /// </summary>
    public string? Retention { get; init; }

    /// <summary>
    /// How large each partition may grow, in bytes, before its oldest segments are deleted (Kafka's <c>retention.bytes</c>).
    /// Zero (the default): no limit. Overridable in configuration: <c>Faustish:Topics:{name}:RetentionBytes</c>.
    /// </summary>
    public long RetentionBytes { get; init; }
}
