using System.Collections.Generic;
using System.Linq;
using static Faustish.Tests.Windows.WindowTestKit;

namespace Faustish.Tests.Windows;

/// <summary>
/// Session windows as Kafka Streams merges and closes them (KStreamSessionWindowAggregate): an event is late only when the
/// session it makes, merged with every session within the gap of it, closed (its end + gap + grace passed).
/// </summary>
public sealed class SessionWindowTests
{
    private const long Gap = 5 * Minute;

    [Fact]
    public void Kafka_an_out_of_order_event_merges_the_sessions_on_both_sides()
    {
        // KStreamSessionWindowAggregateProcessorTest.shouldMergeSessions.
        var (_, table, _) = Run(Definition("session 5m", "1h"), [("mel", 0), ("mel", Gap + 1), ("mel", Gap / 2)]);
        Assert.Equal([(0, Gap + 1, 3)], WindowsOf(table, "mel"));
    }

    [Fact]
    public void Kafka_multiple_keys_keep_their_own_sessions()
    {
        // KStreamSessionWindowAggregateProcessorTest.shouldHandleMultipleSessionsAndMerging.
        var (_, table, _) = Run(Definition("session 5m", "1h"),
        [
            ("a", 0), ("b", 0), ("c", 0), ("d", 0), ("d", Gap / 2), ("a", Gap + 1), ("b", Gap + 1),
            ("a", Gap + 1 + Gap / 2), ("c", Gap + 1 + Gap / 2),
        ]);

        Assert.Equal([(0, 0, 1), (Gap + 1, Gap + 1 + Gap / 2, 2)], WindowsOf(table, "a"));
        Assert.Equal([(0, 0, 1), (Gap + 1, Gap + 1, 1)], WindowsOf(table, "b"));
        Assert.Equal([(0, 0, 1), (Gap + 1 + Gap / 2, Gap + 1 + Gap / 2, 1)], WindowsOf(table, "c"));
        Assert.Equal([(0, Gap / 2, 2)], WindowsOf(table, "d"));
    }

    [Fact]
    public void Kafka_zero_grace_an_event_after_end_plus_gap_is_late()
    {
        // KStreamSessionWindowAggregateProcessorTest.shouldLogAndMeterWhenSkippingLateRecordWithZeroGrace: gap 10 ms; stream
        // time 11 closes [0, 0] (expiration 1 = 11 - 0 - 10), so Late1 at 0 is dropped.
        var (shard, table, context) = Run(Definition("session 10ms grace 0ms", "1h"), [("dummy", 0), ("OnTime1", 0), ("dummy", 11), ("Late1", 0)]);

        Assert.Equal([(0, 0, 1)], WindowsOf(table, "OnTime1"));
        Assert.Empty(table.Windows("Late1"));
        Assert.Equal(1, shard.LateEvents);
        var late = Assert.Single(context.Late);
        Assert.Equal(new Window(0, 0, endInclusive: true), late.Window);
        Assert.Equal(11, late.TableTimeMs);
        Assert.Equal(11, late.CloseTimeMs);
    }

    [Fact]
    public void Kafka_grace_keeps_a_delayed_event_until_end_plus_gap_plus_grace()
    {
        // KStreamSessionWindowAggregateProcessorTest.shouldLogAndMeterWhenSkippingLateRecordWithNonzeroGrace: gap 10 ms,
        // grace 1 ms: at stream time 11 OnTime2 at 0 still counts, at 12 Late1 at 0 is dropped.
        var (shard, table, _) = Run(Definition("session 10ms grace 1ms", "1h"),
            [("dummy", 0), ("OnTime1", 0), ("dummy", 11), ("OnTime2", 0), ("dummy", 12), ("Late1", 0)]);

        Assert.Equal([(0, 0, 1)], WindowsOf(table, "OnTime1"));
        Assert.Equal([(0, 0, 1)], WindowsOf(table, "OnTime2"));
        Assert.Empty(table.Windows("Late1"));
        Assert.Equal(1, shard.LateEvents);
    }

    [Fact]
    public void An_event_bridging_a_closed_session_and_an_open_one_merges_them()
    {
        // Gap 10 ms, no grace. At 11, [0, 0] closed (0 + 10 < 11) and its callback fired; an event at 5 is within the gap of
        // [0, 0] and [11, 11], and the merged session [0, 11] closes only at 22: Kafka Streams merges all three.
        var (shard, table, context) = Run(Definition("session 10ms grace 0ms", "1h"), [("u", 0), ("u", 11)]);
        Assert.Equal([("u", new Window(0, 0, endInclusive: true), 1L)], table.Closed);

        context.At(5);
        table["u"] += 1;
        Assert.Equal([(0, 11, 3)], WindowsOf(table, "u"));
        Assert.Equal(0, shard.LateEvents);

        // An event inside the open merged session counts.
        context.At(3);
        table["u"] += 1;
        Assert.Equal([(0, 11, 4)], WindowsOf(table, "u"));

        context.At(30);
        table["u"] += 1;
        shard.Advance(context.StreamTimeMs, 0);
        Assert.Equal([("u", new Window(0, 0, endInclusive: true), 1L), ("u", new Window(0, 11, endInclusive: true), 4L)], table.Closed);
        // At 30, an event at 15 would merge into [0, 15], closed since 26: late.
        table["u", System.DateTimeOffset.FromUnixTimeMilliseconds(15)] += 1;
        Assert.Equal(1, shard.LateEvents);
        Assert.Equal([(0, 11, 4), (30, 30, 1)], WindowsOf(table, "u"));
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
