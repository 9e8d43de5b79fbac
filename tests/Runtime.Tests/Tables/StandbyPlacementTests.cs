using System;
using System.Collections.Generic;
using System.Linq;
using Faustish.Tables.Standby;

namespace Faustish.Tests.Tables;

/// <summary>
/// Standby placement as every process computes it from the assignment board: never on a partition's active owner,
/// the same answer in every process, spread evenly, and only a few standbys moving when a process joins.
/// </summary>
public sealed class StandbyPlacementTests
{
    private const string Agent = "count-clicks";

    [Fact]
    public void Four_processes_owning_one_partition_each_keep_one_standby_each_for_many_sets_of_process_ids()
    {
        // Process ids are random per data directory: try many, since ranking ties are broken by hashing them.
        for (var seed = 0; seed < 200; seed++)
        {
            var ids = Enumerable.Range(0, 4).Select(i => $"{seed:D4}-{Guid.NewGuid():N}-{i}").ToList();
            var board = ids.Select((id, i) => (id, new[] { i })).ToDictionary(e => e.id, e => Owning(e.Item2));
            var standbys = ids.ToDictionary(id => id, id => StandbyPlacement.StandbysOf(board, Agent, 4, 1, id));

            foreach (var (id, mine) in standbys)
            {
                Assert.True(mine.Count == 1, $"{id} keeps standbys of [{string.Join(",", mine)}] (ids {string.Join(", ", ids)})");
                Assert.DoesNotContain(mine.Single(), board[id].Agents[Agent]);
            }

            Assert.Equal([0, 1, 2, 3], standbys.Values.SelectMany(s => s).Order());
        }
    }

    [Fact]
    public void Every_partition_gets_its_replicas_on_distinct_processes_other_than_its_owner()
    {
        var board = new Dictionary<string, ProcessAssignment>(StringComparer.Ordinal)
        {
            ["a"] = Owning(0, 1),
            ["b"] = Owning(2),
            ["c"] = Owning(3),
            ["d"] = Owning(),
        };

        var holders = new Dictionary<int, List<string>>();
        foreach (var id in board.Keys)
        {
            foreach (var partition in StandbyPlacement.StandbysOf(board, Agent, 4, 2, id))
            {
                Assert.False(board[id].Owns(Agent, partition), $"{id} owns {partition} and keeps its standby");
                holders.TryAdd(partition, []);
                holders[partition].Add(id);
            }
        }

        Assert.Equal([0, 1, 2, 3], holders.Keys.Order());
        Assert.All(holders, h => Assert.Equal(2, h.Value.Distinct().Count()));
        // Standbys go first to the processes owning fewest partitions (where cooperative-sticky moves a failed
        // process's partitions): d, owning none, keeps a standby of every partition it may.
        Assert.All(holders, h => Assert.Contains("d", h.Value));
    }

    [Fact]
    public void A_process_not_on_the_board_and_zero_replicas_keep_nothing()
    {
        var board = new Dictionary<string, ProcessAssignment>(StringComparer.Ordinal) { ["a"] = Owning(0), ["b"] = Owning(1) };
        Assert.Empty(StandbyPlacement.StandbysOf(board, Agent, 2, 1, "stranger"));
        Assert.Empty(StandbyPlacement.StandbysOf(board, Agent, 2, 0, "a"));
        Assert.Equal([1], StandbyPlacement.StandbysOf(board, Agent, 2, 1, "a"));
    }

    private static ProcessAssignment Owning(params int[] partitions) =>
        new(new Dictionary<string, IReadOnlySet<int>>(StringComparer.Ordinal) { [Agent] = partitions.ToHashSet() });
}
