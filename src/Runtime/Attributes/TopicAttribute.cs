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

    /// <summary>
    /// Where an event's time comes from, when not from the record's own timestamp (the producer's or broker's time, the
    /// default). Event time is what windowed tables assign windows by, what stream time follows, what
    /// <see cref="Agents.EventContext.TimestampMs"/> says, and the timestamp of the records an agent sends while processing
    /// the event. Name either:
    /// <list type="bullet">
    /// <item>a property or field of the value type (<c>nameof(PageView.At)</c>), readable from the topic's assembly, of type
    /// <see cref="DateTimeOffset"/>, <see cref="DateTime"/> (read as UTC: <see cref="DateTimeKind.Utc"/> and
    /// <see cref="DateTimeKind.Unspecified"/> as they are, <see cref="DateTimeKind.Local"/> converted) or <see cref="long"/>
    /// (Unix milliseconds); a record without a value (a tombstone) keeps its own timestamp;</item>
    /// <item>or a public or internal <c>static</c> method declared on the topic class itself,
    /// <c>static long Name(TKey key, TValue value, long recordTimestampMs)</c> (or returning <see cref="DateTimeOffset"/>),
    /// called with each record that has a value and its record timestamp, e.g. to fall back to it when the value has none.</item>
    /// </list>
    /// A time before 1970-01-01 (negative Unix milliseconds, as <c>default(DateTimeOffset)</c> gives) is not usable, nor is
    /// a method that throws: such a record follows <see cref="Agents.ErrorPolicy"/> (the agent stops naming it, or it goes
    /// to the dead-letter topic with the reason). The analyzers check the name at compile time (FSH0512).
    /// </summary>
    /// <example>
    /// <code>
    /// [Topic("page-views", Partitions = 4, Timestamp = nameof(PageView.At))]
    /// public sealed partial class PageViews : Topic&lt;string, PageView&gt;;
    ///
    /// [Topic("clicks", Timestamp = nameof(EventTime))]
    /// public sealed partial class Clicks : Topic&lt;string, Click&gt;
    /// {
    ///     internal static long EventTime(string key, Click click, long recordTimestampMs) =&gt;
    ///         click.At is { } at ? at.ToUnixTimeMilliseconds() : recordTimestampMs;
    /// }
    /// </code>
    /// </example>
    public string? Timestamp { get; init; }
}
