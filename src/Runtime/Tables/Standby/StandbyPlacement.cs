using System;
using System.Collections.Generic;
using System.Text;

namespace Faustish.Tables.Standby;

/// <summary>
/// Where the standby replicas of an agent's table partitions go, computed by every process alike from the same view
/// of the assignment board (<see cref="AssignmentBoard"/>), so no process needs to tell another what to keep.
/// </summary>
/// <remarks>
/// <para>For each partition, the candidates are the live processes other than its active owner(s). They are ranked
/// by how many of the agent's partitions they own (fewest first), then by rendezvous hashing of (process, agent,
/// partition). The first <c>replicas</c> candidates keep standbys.</para>
/// <para>Why fewest first: Confluent.Kafka has no pluggable assignor, so Faustish cannot give a failed process's
/// partitions to their standbys; cooperative-sticky gives them to the least loaded survivors (it keeps the group
/// balanced), so that is where a standby is most likely to be taken over. Why rendezvous hashing for ties: when a
/// process joins or leaves, only the standbys it held or now wins move; the rest stay warm where they are.</para>
/// </remarks>
public static class StandbyPlacement
{
    /// <summary>The partitions of <paramref name="agent"/> that process <paramref name="self"/> keeps standbys of.</summary>
    /// <param name="processes">Live processes and the partitions of each agent each one owns (actively).</param>
    /// <param name="agent">The agent's name.</param>
    /// <param name="partitions">The agent's partition count.</param>
    /// <param name="replicas">Standbys per partition (<see cref="Hosting.FaustishOptions.StandbyReplicas"/>).</param>
    /// <param name="self">This process's id.</param>
    public static IReadOnlySet<int> StandbysOf(IReadOnlyDictionary<string, ProcessAssignment> processes, string agent, int partitions, int replicas, string self)
    {
        ArgumentNullException.ThrowIfNull(processes);
        var mine = new HashSet<int>();
        if (replicas <= 0 || !processes.ContainsKey(self))
        {
            return mine;
        }

        var ranked = new List<(string Process, int Load, ulong Score)>(processes.Count);
        for (var p = 0; p < partitions; p++)
        {
            ranked.Clear();
            foreach (var (process, assignment) in processes)
            {
                if (assignment.Owns(agent, p))
                {
                    continue;
                }

                ranked.Add((process, assignment.Count(agent), Score(process, agent, p)));
            }

            ranked.Sort(static (a, b) => a.Load != b.Load ? a.Load.CompareTo(b.Load)
                : b.Score != a.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Process, b.Process));
            for (var i = 0; i < Math.Min(replicas, ranked.Count); i++)
            {
                if (string.Equals(ranked[i].Process, self, StringComparison.Ordinal))
                {
                    mine.Add(p);
                }
            }
        }

        return mine;
    }

    /// <summary>Rendezvous score: FNV-1a over the names, mixed by SplitMix64's finalizer (stable across processes and runs).</summary>
    private static ulong Score(string process, string agent, int partition)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes($"{process}/{agent}/{partition}"))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        hash ^= hash >> 30;
        hash *= 0xbf58476d1ce4e5b9UL;
        hash ^= hash >> 27;
        hash *= 0x94d049bb133111ebUL;
        return hash ^ (hash >> 31);
    }
}

/// <summary>What one process owns: per agent, the partitions its workers hold (restoring or processing).</summary>
public sealed class ProcessAssignment(IReadOnlyDictionary<string, IReadOnlySet<int>> agents)
{
    public static ProcessAssignment Empty { get; } = new(new Dictionary<string, IReadOnlySet<int>>());

    public IReadOnlyDictionary<string, IReadOnlySet<int>> Agents { get; } = agents;

    public bool Owns(string agent, int partition) => Agents.TryGetValue(agent, out var owned) && owned.Contains(partition);

    public int Count(string agent) => Agents.TryGetValue(agent, out var owned) ? owned.Count : 0;
}
