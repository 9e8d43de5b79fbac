using System.Collections.Generic;
using System.Linq;
using static Faustish.Tests.Windows.WindowTestKit;

namespace Faustish.Tests.Windows;

/// <summary>
/// Sliding windows as Kafka Streams defines them (KIP-450), checked against the windows and counts of Kafka Streams' own
/// KStreamSlidingWindowAggregateTest for the same records (the last value it emits per window).
/// </summary>
public sealed class SlidingWindowTests
{
    [Fact]
    public void Kafka_small_input_gives_kafkas_windows_and_counts()
    {
        // KStreamSlidingWindowAggregateTest.testAggregateSmallInput: time difference 10 ms, grace 5 ms, key A.
        var (_, table, _) = Run(Definition("sliding 10ms grace 5ms", "1h"), [("A", 10), ("A", 10), ("A", 14), ("A", 15), ("A", 20), ("A", 22), ("A", 30)]);

        Assert.Equal(
            [(0, 10, 2), (4, 14, 3), (5, 15, 4), (10, 20, 5), (11, 21, 3), (12, 22, 4), (15, 25, 3), (16, 26, 2), (20, 30, 3), (21, 31, 2), (23, 33, 1)],
            WindowsOf(table, "A"));
    }

    [Fact]
    public void Kafka_early_records_share_the_window_from_zero_and_arrive_out_of_order()
    {
        // KStreamSlidingWindowAggregateTest.testEarlyRecordsSmallInput: time difference 50 ms, no grace; records earlier than
        // 50 ms go into [0, 50] instead of a window that would start before 0.
        var (shard, table, _) = Run(Definition("sliding 50ms", "1h"), [("A", 0), ("A", 5), ("A", 6), ("A", 3), ("A", 13), ("A", 10), ("A", 70)]);

        Assert.Equal([(0, 50, 6), (1, 51, 5), (4, 54, 4), (6, 56, 3), (7, 57, 2), (11, 61, 1), (20, 70, 1)], WindowsOf(table, "A"));
        Assert.Equal(0, shard.LateEvents);
        Assert.All(table.Windows("A"), w => Assert.True(w.StartMs >= 0));
    }

    [Fact]
    public void Kafka_records_whose_windows_all_closed_are_dropped_and_counted()
    {
        // KStreamSlidingWindowAggregateTest.shouldLogAndMeterWhenSkippingExpiredWindowByGrace: time difference 10 ms, grace
        // 90 ms; at stream time 200 the records at 100..105 and 15 are late (7 dropped), and only three windows exist.
        var (shard, table, context) = Run(Definition("sliding 10ms grace 90ms", "1h"),
            [("k", 200), ("k", 100), ("k", 101), ("k", 102), ("k", 103), ("k", 104), ("k", 105), ("k", 15), ("k", 300), ("k", 400)]);

        Assert.Equal([(190, 200, 1), (290, 300, 1), (390, 400, 1)], WindowsOf(table, "k"));
        Assert.Equal(7, shard.LateEvents);
        Assert.Equal([100L, 101, 102, 103, 104, 105, 15], context.Late.Select(l => l.EventTimeMs).ToList());
        Assert.All(context.Late, l => Assert.False(l.Applied));
        Assert.Equal(new Window(90, 100, endInclusive: true), context.Late[0].Window);
    }

    [Fact]
    public void A_window_closes_when_its_end_plus_grace_is_reached_and_fires_once_with_its_final_value()
    {
        var (shard, table, context) = Run(Definition("sliding 10ms grace 5ms", "1h"), [("A", 10), ("A", 14)]);
        context.At(28);
        shard.Advance(context.StreamTimeMs, 0);

        // A window [start, end] closes when end + 1 + grace is reached: [0, 10] at 16, [4, 14] at 20, [11, 21] (the right
        // window of 10) at 27; none fires twice.
        Assert.Equal([(0L, 10L, 1L), (4, 14, 2), (11, 21, 1)], table.Closed.Select(c => (c.Window.StartMs, c.Window.EndMs, c.Value)).ToList());
        Assert.All(table.Closed, c => Assert.True(c.Window.EndInclusive));
        shard.Advance(context.StreamTimeMs, 0);
        Assert.Equal(3, table.Closed.Count);
    }

    [Fact]
    public void Reads_see_the_size_before_the_time()
    {
        var (_, table, _) = Run(Definition("sliding 10ms", "1h"), [("A", 10), ("A", 14), ("A", 25)]);
        Assert.Equal(1, table["A"].Value());
        Assert.Equal(2, table["A", System.DateTimeOffset.FromUnixTimeMilliseconds(14)].Value());
        Assert.Equal(1, table["A", System.DateTimeOffset.FromUnixTimeMilliseconds(24)].Value());
    }

    private static (Faustish.Tables.Windows.WindowedTableShard<string, long> Shard, Counts Table, FakeWindowContext Context) Run(
        Faustish.Tables.Windows.WindowedTableDefinition<string, long> definition, List<(string Key, long Time)> events)
    {
        var opened = Open(definition);
        foreach (var (key, time) in events)
        {
            opened.Context.At(time);
            opened.Table[key] += 1;
        }

        return opened;
    }
}
