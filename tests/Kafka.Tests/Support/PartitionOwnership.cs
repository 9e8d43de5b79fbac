using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace Faustish.Kafka.Tests.Support;

/// <summary>
/// When a process processed a partition, read from its own log (AgentWorker's lines): from
/// "<c>{Worker} restored {topic}[p]: …; processing it</c>" to "<c>{Worker} released {topic}[…p…]</c>" or
/// "<c>{Worker} lost …{topic}[p]… without committing</c>", or to the end given for a partition still held.
/// </summary>
/// <param name="Process">The child's name.</param>
/// <param name="Partition">The partition of the agent's topic.</param>
/// <param name="Start">The log time of "restored": the partition's tables are complete and its records flow.</param>
/// <param name="End">The log time of "released" or "lost", or the end given for a partition still held then.</param>
/// <param name="Closed">Whether the process's log says it gave the partition up (false: still held at <see cref="End"/>).</param>
internal sealed record OwnershipInterval(string Process, int Partition, DateTimeOffset Start, DateTimeOffset End, bool Closed)
{
    public bool Overlaps(OwnershipInterval other) => Start < other.End && other.Start < End;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Process} p{Partition} {Start:HH:mm:ss.ffffff}–{End:HH:mm:ss.ffffff}{(Closed ? "" : " (held)")}");
}

internal static class PartitionOwnership
{
    /// <summary>Every interval in which <paramref name="child"/> processed a partition of <paramref name="topic"/> with <paramref name="agent"/>'s workers.</summary>
    /// <param name="end">Where intervals still open end: the process's exit, or now.</param>
    public static List<OwnershipInterval> Intervals(ChildApp child, string agent, string topic, DateTimeOffset end)
    {
        var worker = Regex.Escape(agent) + @"#\d+";
        var quoted = Regex.Escape(topic);
        var restored = new Regex($@"\b{worker} restored {quoted}\[(?<p>\d+)\]: .*processing it", RegexOptions.CultureInvariant);
        var released = new Regex($@"\b{worker} released {quoted}\[(?<ps>[\d,]*)\]", RegexOptions.CultureInvariant);
        var lost = new Regex($@"\b{worker} lost (?<what>.*) without committing", RegexOptions.CultureInvariant);
        var lostPartition = new Regex($@"\b{quoted}\[(?<p>\d+)\]", RegexOptions.CultureInvariant);

        var open = new Dictionary<int, DateTimeOffset>();
        var intervals = new List<OwnershipInterval>();
        foreach (var line in child.Lines)
        {
            if (line.Logged is not { } at)
            {
                continue;
            }

            if (restored.Match(line.Text) is { Success: true } start)
            {
                var partition = int.Parse(start.Groups["p"].Value, CultureInfo.InvariantCulture);
                if (open.ContainsKey(partition))
                {
                    throw new InvalidOperationException($"{child.Name} restored {topic}[{partition}] twice without releasing it: {line.Text}");
                }

                open[partition] = at;
                continue;
            }

            IEnumerable<int> given;
            if (released.Match(line.Text) is { Success: true } release)
            {
                given = release.Groups["ps"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture));
            }
            else if (lost.Match(line.Text) is { Success: true } loss)
            {
                given = lostPartition.Matches(loss.Groups["what"].Value).Select(m => int.Parse(m.Groups["p"].Value, CultureInfo.InvariantCulture));
            }
            else
            {
                continue;
            }

            foreach (var partition in given)
            {
                // A partition released while still restoring was never processed here: it has no interval.
                if (open.Remove(partition, out var since))
                {
                    intervals.Add(new OwnershipInterval(child.Name, partition, since, at, Closed: true));
                }
            }
        }

        intervals.AddRange(open.Select(o => new OwnershipInterval(child.Name, o.Key, o.Value, end, Closed: false)));
        return intervals;
    }

    /// <summary>The partitions <paramref name="child"/> processes now, by its log.</summary>
    public static IReadOnlySet<int> Held(ChildApp child, string agent, string topic) =>
        Intervals(child, agent, topic, DateTimeOffset.MaxValue).Where(i => !i.Closed).Select(i => i.Partition).ToHashSet();

    /// <summary>Pairs of intervals of different processes that overlap on the same partition.</summary>
    public static List<(OwnershipInterval First, OwnershipInterval Second)> Overlaps(IReadOnlyList<OwnershipInterval> intervals)
    {
        var overlaps = new List<(OwnershipInterval, OwnershipInterval)>();
        foreach (var partition in intervals.GroupBy(i => i.Partition))
        {
            var list = partition.OrderBy(i => i.Start).ToList();
            for (var i = 0; i < list.Count; i++)
            {
                for (var j = i + 1; j < list.Count; j++)
                {
                    if (!string.Equals(list[i].Process, list[j].Process, StringComparison.Ordinal) && list[i].Overlaps(list[j]))
                    {
                        overlaps.Add((list[i], list[j]));
                    }
                }
            }
        }

        return overlaps;
    }
}
