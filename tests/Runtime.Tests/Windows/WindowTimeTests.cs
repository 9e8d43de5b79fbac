using System;
using System.Linq;
using Faustish.Tables.Windows;
using static Faustish.Tests.Windows.WindowTestKit;

namespace Faustish.Tests.Windows;

/// <summary>No window starts before 0; a table without records has no time; windows print as <c>[start, end)</c>.</summary>
public sealed class WindowTimeTests
{
    [Fact]
    public void Hopping_windows_that_would_start_before_zero_do_not_exist()
    {
        var (_, table, context) = Open(Definition("hopping 10s every 3s", "1h"));
        context.At(2_000);
        table["k"] += 1;
        Assert.Equal([(0, 10_000, 1)], WindowsOf(table, "k"));
    }

    [Fact]
    public void A_negative_time_is_refused_saying_what_to_change()
    {
        var (shard, table, context) = Open(Definition("tumbling 1m", "1h"));
        context.At(-5);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => table["k"] += 1);
        Assert.Contains("'counts'", error.Message, StringComparison.Ordinal);
        Assert.Contains("no window starts before 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("timestamp of 0 or later", error.Message, StringComparison.Ordinal);
        Assert.Empty(table.Windows("k"));
        Assert.Equal(-1, shard.TimeMs);
    }

    [Fact]
    public void A_table_without_records_has_no_time_so_its_first_records_are_never_late()
    {
        // Windows close on the wall clock too, and the wall clock is far ahead of the events (a replay of old records).
        var (shard, table, context) = Open(Definition("tumbling 1m grace 0s", "1h", closeOn: WindowClose.StreamTime | WindowClose.WallClock));
        shard.Advance(context.StreamTimeMs, 100 * Minute);
        Assert.Equal(-1, shard.TimeMs);

        context.At(30 * Second);
        table["k"] += 1;
        context.At(50 * Second);
        table["k"] += 1;
        Assert.Equal([(0, Minute, 2)], WindowsOf(table, "k"));
        Assert.Equal(0, shard.LateEvents);
        Assert.Empty(context.Late);

        // From then on the table has a time: the wall clock closes its windows, and older writes are late.
        Assert.Equal(50 * Second, shard.TimeMs);
        shard.Advance(context.StreamTimeMs, 100 * Minute);
        Assert.Single(table.Closed);
        table["k", DateTimeOffset.FromUnixTimeMilliseconds(40 * Second)] += 1;
        Assert.Equal(1, shard.LateEvents);
    }

    [Fact]
    public void Windows_print_with_an_exclusive_end()
    {
        Assert.Equal("[1970-01-01T00:00:00.0000000+00:00, 1970-01-01T00:01:00.0000000+00:00)", new Window(0, Minute).ToString());
        Assert.Equal("[1970-01-01T00:00:00.0000000+00:00, 1970-01-01T00:00:03.0010000+00:00)", new Window(0, 3_000, endInclusive: true).ToString());
        Assert.True(new Window(0, 3_000, endInclusive: true).Contains(3_000));
        Assert.False(new Window(0, 3_000).Contains(3_000));

        var (shard, table, context) = Open(Definition("session 5s", "1h"));
        context.At(0);
        table["u"] += 1;
        context.At(3_000);
        table["u"] += 1;
        var (key, value) = Assert.Single(shard.FormatAll());
        Assert.Equal("u [1970-01-01T00:00:00.0000000+00:00, 1970-01-01T00:00:03.0010000+00:00)", key);
        Assert.Equal("2", value);
        Assert.True(shard.TryFormat("u"u8, out var json));
        Assert.Contains("\"end\":\"1970-01-01T00:00:03.0010000+00:00\"", json, StringComparison.Ordinal);
    }
}
