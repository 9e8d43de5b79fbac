using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Faustish.Tables.Standby;

/// <summary>
/// Where the standby replicas of an agent's table partitions go, computed by every process alike from the same view
/// of the assignment board (<see cref="AssignmentBoard"/>), so no process needs to tell another what to keep.
/// </summary>
/// <remarks>
/// <para>Partitions are placed in order. For each, the candidates are the live processes other than its active
/// owner(s). They are ranked by the agent's partitions they own (fewest first), then by the standbys already placed on
/// them, then by rendezvous hashing of (process, agent, partition). The first <c>replicas</c> candidates keep
/// standbys. Then, among processes owning as many partitions, standbys move from the most to the least loaded until
/// they are within one (or no move is allowed). Ranking by ownership and score alone put two standbys on one process
/// and none on another (4 processes, 4 partitions, 1 replica: about one run in three).</para>
/// <para>Why fewest first: Confluent.Kafka has no pluggable assignor, so Faustish cannot give a failed process's
/// partitions to their standbys; cooperative-sticky gives them to the least loaded survivors (it keeps the group
/// balanced), so that is where a standby is most likely to be taken over. Why rendezvous hashing for ties: when a
/// process joins or leaves, only the standbys it held or now wins move; the rest stay warm where they are.</para>
/// </remarks>
internal static class StandbyPlacement
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

        var holders = Place(processes, agent, partitions, replicas);
        for (var p = 0; p < partitions; p++)
        {
            if (holders[p].Contains(self))
            {
                mine.Add(p);
            }
        }

        return mine;
    }

    /// <summary>Every partition's standby holders: placed greedily by load and rendezvous score, then evened out.</summary>
    private static List<string>[] Place(IReadOnlyDictionary<string, ProcessAssignment> processes, string agent, int partitions, int replicas)
    {
        // Standbys placed so far on each process.
        var load = processes.Keys.ToDictionary(process => process, _ => 0, StringComparer.Ordinal);

        var holders = new List<string>[partitions];
        var ranked = new List<(string Process, int Owned, int Load, ulong Score)>(processes.Count);
        for (var p = 0; p < partitions; p++)
        {
            ranked.Clear();
            foreach (var (process, assignment) in processes)
            {
                if (!assignment.Owns(agent, p))
                {
                    ranked.Add((process, assignment.Count(agent), load[process], Score(process, agent, p)));
                }
            }

            ranked.Sort(static (a, b) => a.Owned != b.Owned ? a.Owned.CompareTo(b.Owned) : a.Load != b.Load ? a.Load.CompareTo(b.Load)
                : b.Score != a.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Process, b.Process));
            holders[p] = new List<string>(replicas);
            for (var i = 0; i < Math.Min(replicas, ranked.Count); i++)
            {
                holders[p].Add(ranked[i].Process);
                load[ranked[i].Process]++;
            }
        }

        // Greedy placement in partition order can leave the last partitions only loaded candidates (4 processes owning
        // one partition each, one replica: one process with two standbys and one with none). Move standbys from the
        // most to the least loaded process while one may take one and that evens them out.
        var ordered = new List<string>(load.Keys);
        ordered.Sort(StringComparer.Ordinal);
        for (var moves = 0; moves < partitions * replicas && EvenOnce(holders, processes, load, ordered, agent); moves++)
        {
        }

        return holders;
    }

    /// <summary>
    /// Moves one standby from a process to one with at least two fewer that owns as many partitions (standbys stay with
    /// the least loaded owners, where cooperative-sticky hands a failed process's partitions). False when none can move.
    /// </summary>
    private static bool EvenOnce(List<string>[] holders, IReadOnlyDictionary<string, ProcessAssignment> processes, Dictionary<string, int> load,
        List<string> ordered, string agent)
    {
        foreach (var most in ordered)
        {
            foreach (var least in ordered)
            {
                if (processes[most].Count(agent) == processes[least].Count(agent) && load[most] - load[least] > 1
                    && MoveOne(holders, processes[least], agent, most, least))
                {
                    load[most]--;
                    load[least]++;
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Moves the lowest partition's standby that <paramref name="from"/> holds and <paramref name="to"/> may hold.</summary>
    private static bool MoveOne(List<string>[] holders, ProcessAssignment toAssignment, string agent, string from, string to)
    {
        for (var p = 0; p < holders.Length; p++)
        {
            var at = holders[p].IndexOf(from);
            if (at >= 0 && !toAssignment.Owns(agent, p) && !holders[p].Contains(to))
            {
                holders[p][at] = to;
                return true;
            }
        }

        return false;
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
internal sealed class ProcessAssignment(IReadOnlyDictionary<string, IReadOnlySet<int>> agents, string? web = null)
{
    /// <summary>The process's advertised web address (status page, table views), when it serves one.</summary>
    public string? Web { get; } = web;

    public static ProcessAssignment Empty { get; } = new(new Dictionary<string, IReadOnlySet<int>>());

    public IReadOnlyDictionary<string, IReadOnlySet<int>> Agents { get; } = agents;

    public bool Owns(string agent, int partition) => Agents.TryGetValue(agent, out var owned) && owned.Contains(partition);

    public int Count(string agent) => Agents.TryGetValue(agent, out var owned) ? owned.Count : 0;
}
