using System;
using System.Collections.Generic;
using System.Linq;
using Faustish.Tables;
using static Faustish.Tests.Windows.WindowTestKit;

namespace Faustish.Tests.Windows;

/// <summary>
/// The same records give the same windows, close callbacks and late counts whatever the batch size. A batch ends, as in
/// the agent worker, with <c>Advance</c> (stream time and the wall clock) and a changelog flush (a commit).
/// </summary>
public sealed class BatchIndependenceTests
{
    public static TheoryData<string> Scenarios() => new(ScenarioList.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Batch_sizes_1_7_and_1000_give_identical_tables(string name)
    {
        var (window, expires, events) = ScenarioList[name];
        var one = Run(window, expires, events, 1);
        var seven = Run(window, expires, events, 7);
        var thousand = Run(window, expires, events, 1_000);

        Assert.NotEmpty(one.Windows);
        Assert.Equal(one.Windows, seven.Windows);
        Assert.Equal(one.Windows, thousand.Windows);
        Assert.Equal(one.Closed, seven.Closed);
        Assert.Equal(one.Closed, thousand.Closed);
        Assert.Equal(one.Late, seven.Late);
        Assert.Equal(one.Late, thousand.Late);

        // What the changelog holds restores to the same windows.
        Assert.Equal(one.Windows, one.Restored);
        Assert.Equal(one.Windows, thousand.Restored);
    }

    /// <summary>Event: key, record timestamp (stream time), and the time written when it differs (relative to a field).</summary>
    private static readonly Dictionary<string, (string Window, string Expires, List<(string Key, long Record, long? At)> Events)> ScenarioList = new()
    {
        ["tumbling-late"] = ("tumbling 1m grace 10s", "1h", [("k", 1_000, null), ("k", 65_000, null), ("k", 65_000, 30_000), ("k", 70_000, null), ("k", 70_000, 30_000)]),
        ["hopping-late"] = ("hopping 10s every 5s", "1h", [("k", 7_000, null), ("k", 10_000, 9_000), ("k", 12_000, null)]),
        ["session-bridge"] = ("session 10ms grace 0ms", "1h", [("u", 0, null), ("u", 11, null), ("u", 5, null), ("u", 3, null), ("u", 30, null), ("u", 30, 15)]),
        ["session-kafka-merge"] = ("session 5m", "1h", [("mel", 0, null), ("mel", 300_001, null), ("mel", 150_000, null)]),
        ["session-kafka-grace"] = ("session 10ms grace 1ms", "1h",
            [("dummy", 0, null), ("OnTime1", 0, null), ("dummy", 11, null), ("OnTime2", 0, null), ("dummy", 12, null), ("Late1", 0, null)]),
        ["sliding-kafka-small"] = ("sliding 10ms grace 5ms", "1h", [("A", 10, null), ("A", 10, null), ("A", 14, null), ("A", 15, null), ("A", 20, null), ("A", 22, null), ("A", 30, null)]),
        ["sliding-kafka-early"] = ("sliding 50ms", "1h", [("A", 0, null), ("A", 5, null), ("A", 6, null), ("A", 3, null), ("A", 13, null), ("A", 10, null), ("A", 70, null)]),
        ["sliding-kafka-grace"] = ("sliding 10ms grace 90ms", "1h",
            [("k", 200, null), ("k", 100, null), ("k", 101, null), ("k", 102, null), ("k", 103, null), ("k", 104, null), ("k", 105, null), ("k", 15, null), ("k", 300, null), ("k", 400, null)]),
        ["random-tumbling"] = ("tumbling 10s grace 2s", "40s", Random(1)),
        ["random-hopping"] = ("hopping 10s every 3s grace 1s", "40s", Random(2)),
        ["random-sliding"] = ("sliding 5s grace 2s", "30s", Random(3)),
        ["random-session"] = ("session 3s grace 1s", "30s", Random(4)),
    };

    /// <summary>600 events over 5 keys: time moves on, with some events up to 8 s behind and some written at an earlier field time.</summary>
    private static List<(string Key, long Record, long? At)> Random(int seed)
    {
        var random = new Random(seed);
        var events = new List<(string, long, long?)>();
        long time = 0;
        for (var i = 0; i < 600; i++)
        {
            time += random.Next(0, 700);
            var record = random.Next(4) == 0 ? Math.Max(0, time - random.Next(8_000)) : time;
            long? at = random.Next(6) == 0 ? Math.Max(0, record - random.Next(6_000)) : null;
            events.Add(($"k{random.Next(5)}", record, at));
        }

        return events;
    }

    private static Snapshot Run(string window, string expires, List<(string Key, long Record, long? At)> events, int batchSize)
    {
        var definition = Definition(window, expires);
        var (shard, table, context) = Open(definition);
        var changelog = new MemoryChangelog();
        var inBatch = 0;
        foreach (var (key, record, at) in events)
        {
            context.At(record);
            if (at is { } time)
            {
                table[key, DateTimeOffset.FromUnixTimeMilliseconds(time)] += 1;
            }
            else
            {
                table[key] += 1;
            }

            if (++inBatch == batchSize)
            {
                shard.Advance(context.StreamTimeMs, 0);
                shard.FlushChangelog(changelog, default);
                inBatch = 0;
            }
        }

        shard.Advance(context.StreamTimeMs, 0);
        shard.FlushChangelog(changelog, default);

        var (restored, again, _) = Open(definition);
        ((ITableShard)restored).Restore(changelog.Reader(), default);
        return new Snapshot(Describe(table), table.Closed.Select(c => $"{c.Key} {c.Window} {c.Value}").ToList(), shard.LateEvents, Describe(again));
    }

    private static List<string> Describe(Counts table)
    {
        var keys = new List<string>(table.WindowShard.Keys());
        keys.Sort(StringComparer.Ordinal);
        return keys.SelectMany(key => table.Windows(key).Select(w => $"{key} {w.Window} {w.Value}")).ToList();
    }

    private sealed record Snapshot(List<string> Windows, List<string> Closed, long Late, List<string> Restored);
}
