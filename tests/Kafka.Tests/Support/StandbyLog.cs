using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace Faustish.Kafka.Tests.Support;

/// <summary>When a process kept a standby of a partition, read from its own log (StandbyTables' lines).</summary>
internal static partial class StandbyLog
{
    /// <summary>
    /// Every interval in which <paramref name="child"/> kept a standby of a partition of <paramref name="topic"/>: from
    /// "keeps a standby of {topic}[p]" to "drops its standby of {topic}[p]" or "hands its standby of {topic}[p] over", or to
    /// <paramref name="end"/> for one still kept.
    /// </summary>
    public static List<OwnershipInterval> Intervals(ChildApp child, string topic, DateTimeOffset end)
    {
        var quoted = Regex.Escape(topic);
        var kept = new Regex($@"keeps a standby of {quoted}\[(?<p>\d+)\]", RegexOptions.CultureInvariant);
        var ended = new Regex($@"(drops|hands) its standby of {quoted}\[(?<p>\d+)\]", RegexOptions.CultureInvariant);
        var open = new Dictionary<int, DateTimeOffset>();
        var intervals = new List<OwnershipInterval>();
        foreach (var line in child.Lines)
        {
            if (line.Logged is not { } at)
            {
                continue;
            }

            if (kept.Match(line.Text) is { Success: true } start)
            {
                open[int.Parse(start.Groups["p"].Value, CultureInfo.InvariantCulture)] = at;
            }
            else if (ended.Match(line.Text) is { Success: true } stop && open.Remove(int.Parse(stop.Groups["p"].Value, CultureInfo.InvariantCulture), out var since))
            {
                intervals.Add(new OwnershipInterval(child.Name, int.Parse(stop.Groups["p"].Value, CultureInfo.InvariantCulture), since, at, Closed: true));
            }
        }

        intervals.AddRange(open.Select(o => new OwnershipInterval(child.Name, o.Key, o.Value, end, Closed: false)));
        return intervals;
    }

    /// <summary>The partitions <paramref name="child"/> keeps standbys of now, by its log.</summary>
    public static IReadOnlySet<int> Kept(ChildApp child, string topic) =>
        Intervals(child, topic, DateTimeOffset.MaxValue).Where(i => !i.Closed).Select(i => i.Partition).ToHashSet();

    /// <summary>
    /// The restores of <paramref name="table"/>[<paramref name="partition"/>] in <paramref name="child"/>'s log after
    /// <paramref name="after"/>: changelog records replayed and the whole line.
    /// </summary>
    public static List<(long Records, bool FromCheckpoint, DateTimeOffset At, string Line)> Restores(ChildApp child, string table, int partition, DateTimeOffset after)
    {
        var prefix = $"{table}[{partition}] restored ";
        var restores = new List<(long, bool, DateTimeOffset, string)>();
        foreach (var line in child.Lines)
        {
            if (line.Logged is not { } at || at < after || !line.Text.Contains(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (CheckpointRestore().Match(line.Text) is { Success: true } checkpoint)
            {
                restores.Add((Number(checkpoint.Groups["n"].Value), true, at, line.Text));
            }
            else if (FullReplay().Match(line.Text) is { Success: true } full)
            {
                restores.Add((Number(full.Groups["n"].Value), false, at, line.Text));
            }
        }

        return restores;
    }

    private static long Number(string text) => long.Parse(text.Replace(",", "", StringComparison.Ordinal).Replace(".", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"restored from checkpoint \d+ .* plus (?<n>[\d,.]+) changelog records after offset", RegexOptions.CultureInvariant)]
    private static partial Regex CheckpointRestore();

    [GeneratedRegex(@"restored by a full replay of (?<n>[\d,.]+) changelog records", RegexOptions.CultureInvariant)]
    private static partial Regex FullReplay();
}
