using System;
using System.Collections.Generic;
using Faustish.Tables.Windows;
using Faustish.Transport;

namespace Faustish.Topics;

/// <summary>
/// A topic's retention set in configuration (<c>Faustish:Topics:{name}:Retention</c> and <c>:RetentionBytes</c>), which
/// overrides what its <c>[Topic]</c> attribute declares.
/// </summary>
public sealed class TopicRetention
{
    /// <summary>How long records are kept, e.g. <c>"2h"</c> or <c>"7d"</c>; unset keeps the declared value.</summary>
    public string? Retention { get; set; }

    /// <summary>How large each partition may grow, in bytes; unset keeps the declared value, 0 removes the limit.</summary>
    public long? RetentionBytes { get; set; }

    /// <summary>Parses a retention such as <c>30m</c>, <c>1h</c> or <c>7d</c>; throws naming <paramref name="where"/> when it is not one.</summary>
    public static long ParseMilliseconds(string text, string where)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!WindowSpec.TryParseDuration(text.Trim(), out var milliseconds, out var error) || milliseconds <= 0)
        {
            throw new ArgumentException($"{where} is '{text}': {error ?? "a retention must be longer than zero"}.", nameof(text));
        }

        return milliseconds;
    }

    /// <summary>
    /// <paramref name="spec"/> with the configured retention of its topic applied, if any. Changelogs are compacted: a
    /// retention set on one also deletes its records past it (compact and delete).
    /// </summary>
    internal static TopicSpec Apply(TopicSpec spec, IReadOnlyDictionary<string, TopicRetention>? configured)
    {
        if (configured is null || !configured.TryGetValue(spec.Name, out var retention) || retention is null)
        {
            return spec;
        }

        if (retention.RetentionBytes is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(configured), retention.RetentionBytes,
                $"Faustish:Topics:{spec.Name}:RetentionBytes is {retention.RetentionBytes}: set a positive size in bytes, or 0 for no limit.");
        }

        return spec with
        {
            RetentionMs = retention.Retention is { } text ? ParseMilliseconds(text, $"Faustish:Topics:{spec.Name}:Retention") : spec.RetentionMs,
            RetentionBytes = retention.RetentionBytes is { } bytes ? (bytes == 0 ? null : bytes) : spec.RetentionBytes,
        };
    }
}
