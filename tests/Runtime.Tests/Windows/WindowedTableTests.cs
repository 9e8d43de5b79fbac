using System;
using System.Collections.Generic;
using System.Linq;
using Faustish.Serialization;
using Faustish.Tables;
using Faustish.Tables.Windows;
using static Faustish.Tests.Windows.WindowTestKit;

namespace Faustish.Tests.Windows;

public sealed class WindowedTableTests
{
    [Fact]
    public void Tumbling_windows_take_each_event_in_the_one_window_of_its_time()
    {
        var (shard, table, context) = Open(Definition("tumbling 1m grace 1m", "1h"));
        foreach (var time in new[] { 0, 59_999, 60_000, 125_000 })
        {
            context.At(time);
            table["home"] += 1;
        }

        table.Increment("home", 5, DateTimeOffset.FromUnixTimeMilliseconds(61_000));
        Assert.Equal([(0, Minute, 2), (Minute, 2 * Minute, 6), (2 * Minute, 3 * Minute, 1)], WindowsOf(table, "home"));
        Assert.Empty(table.Windows("away"));
        Assert.Equal(0, shard.LateEvents);
    }

    [Fact]
    public void Hopping_windows_take_each_event_in_every_window_that_contains_it()
    {
        var (_, table, context) = Open(Definition("hopping 10s every 5s", "1h"));
        context.At(7_000);
        table["k"] += 1;
        context.At(12_000);
        table.Increment("k");

        Assert.Equal([(0, 10_000, 1), (5_000, 15_000, 2), (10_000, 20_000, 1)], WindowsOf(table, "k"));
        // The latest window containing the time answers reads.
        Assert.Equal(1, table["k"].Value());
        Assert.Equal(2, table["k", DateTimeOffset.FromUnixTimeMilliseconds(9_000)].Value());
    }

    [Fact]
    public void Sliding_windows_are_those_kip_450_defines_and_reads_see_the_size_before_the_time()
    {
        var (_, table, context) = Open(Definition("sliding 10s", "1h"));
        foreach (var time in new[] { 1_000, 5_000, 12_000, 12_000 })
        {
            context.At(time);
            table["k"] += 1;
        }

        // Left windows [0, 10s] (both early events) and [2s, 12s]; right windows after 1s and after 5s. None starts before 0.
        Assert.Equal([(0, 10_000, 2), (1_001, 11_001, 1), (2_000, 12_000, 3), (5_001, 15_001, 2)], WindowsOf(table, "k"));
        Assert.Equal(3, table["k"].Value());
        Assert.Equal(3, table["k", DateTimeOffset.FromUnixTimeMilliseconds(14_999)].Value());
        Assert.Equal(2, table["k", DateTimeOffset.FromUnixTimeMilliseconds(15_001)].Value());
        Assert.Equal(0, table["k", DateTimeOffset.FromUnixTimeMilliseconds(30_000)].Value());
    }

    [Fact]
    public void Session_windows_merge_on_write_and_tombstone_the_sessions_they_replace()
    {
        var (shard, table, context) = Open(Definition("session 5s", "1h"));
        foreach (var time in new[] { 0, 3_000, 9_000 })
        {
            context.At(time);
            table["u"] += 1;
        }

        Assert.Equal([(0, 3_000, 2), (9_000, 9_000, 1)], WindowsOf(table, "u"));
        var changelog = new MemoryChangelog();
        shard.FlushChangelog(changelog, default);

        // 6s is within 5s of both [0, 3s] and [9s, 9s]: one session replaces the two.
        context.At(6_000);
        table["u"] += 1;
        context.At(20_000);
        table["u"] += 1;
        Assert.Equal([(0, 9_000, 4), (20_000, 20_000, 1)], WindowsOf(table, "u"));
        changelog = new MemoryChangelog();
        shard.FlushChangelog(changelog, default);
        Assert.Equal([new WindowKey<string>("u", 0, 3_000), new WindowKey<string>("u", 9_000, 9_000)],
            changelog.Tombstones("u").OrderBy(k => k.StartMs).ToList());
        Assert.Equal(4, table["u", DateTimeOffset.FromUnixTimeMilliseconds(5_000)].Value());
    }

    [Fact]
    public void Late_events_within_grace_are_counted_and_after_grace_dropped_and_reported()
    {
        var (shard, table, context) = Open(Definition("tumbling 1m grace 10s", "1h"));
        context.At(1_000);
        table["k"] += 1;
        context.At(65_000);
        table["k"] += 1;

        // Stream time is 65s: window [0, 60s) closes at 70s, so an event at 30s still counts.
        table["k", DateTimeOffset.FromUnixTimeMilliseconds(30_000)] += 1;
        Assert.Equal(2, table.Windows("k")[0].Value);

        context.At(70_000);
        table["k", DateTimeOffset.FromUnixTimeMilliseconds(30_000)] += 1;
        Assert.Equal(2, table.Windows("k")[0].Value);
        Assert.Equal(1, shard.LateEvents);
        var late = Assert.Single(context.Late);
        Assert.Equal(new Window(0, Minute), late.Window);
        Assert.Equal(30_000, late.EventTimeMs);
        Assert.Equal(70_000, late.TableTimeMs);
        Assert.False(late.Applied);
        Assert.Equal(LateEvents.Drop, late.Policy);
    }

    [Fact]
    public void A_hopping_event_late_for_old_windows_still_counts_in_the_open_ones()
    {
        var (shard, table, context) = Open(Definition("hopping 10s every 5s", "1h", late: LateEvents.DeadLetter));
        context.At(10_000);
        table["k", DateTimeOffset.FromUnixTimeMilliseconds(9_000)] += 1;

        // [0, 10s) closed at 10s; [5s, 15s) is open.
        Assert.Equal([(5_000, 15_000, 1)], WindowsOf(table, "k"));
        var late = Assert.Single(context.Late);
        Assert.True(late.Applied);
        Assert.Equal(1, shard.LateEvents);
    }

    [Fact]
    public void Expired_windows_leave_the_store_and_the_changelog_gets_tombstones()
    {
        var (shard, table, context) = Open(Definition("tumbling 1m", "3m"));
        for (var minute = 0; minute < 5; minute++)
        {
            context.At(minute * Minute);
            table["k"] += 1;
        }

        var changelog = new MemoryChangelog();
        shard.FlushChangelog(changelog, default);

        // At 4m the windows starting at 0 and 1m have expired: reads no longer see them, though Advance removes them.
        Assert.Equal([2 * Minute, 3 * Minute, 4 * Minute], table.Windows("k").Select(w => w.StartMs).ToList());
        Assert.Empty(changelog.Tombstones("k"));

        // Retention is measured from the window's start (Kafka Streams): at 5m, windows starting at 2m or before are gone.
        shard.Advance(5 * Minute, 0);
        Assert.Equal([3 * Minute, 4 * Minute], table.Windows("k").Select(w => w.StartMs).ToList());
        shard.FlushChangelog(changelog, default);
        Assert.Equal([0, Minute, 2 * Minute], changelog.Tombstones("k").Select(k => k.StartMs).Order().ToList());
        Assert.Equal(0, table["k", DateTimeOffset.FromUnixTimeMilliseconds(30_000)].Value());
    }

    [Fact]
    public void The_close_callback_fires_once_per_window_on_stream_time()
    {
        var (shard, table, context) = Open(Definition("tumbling 1m grace 10s", "1h"));
        context.At(1_000);
        table["a"] += 1;
        table["b"] += 2;
        context.At(61_000);
        table["a"] += 1;
        shard.Advance(context.StreamTimeMs, 0);
        Assert.Empty(table.Closed);

        context.At(70_000);
        shard.Advance(context.StreamTimeMs, 0);
        shard.Advance(context.StreamTimeMs, 0);
        Assert.Equal([("a", new Window(0, Minute), 1L), ("b", new Window(0, Minute), 2L)], table.Closed.OrderBy(c => c.Key).ToList());

        shard.Advance(200_000, 0);
        shard.Advance(300_000, 0);
        Assert.Equal(3, table.Closed.Count);
        Assert.Equal(("a", new Window(Minute, 2 * Minute), 1L), table.Closed[2]);
    }

    [Fact]
    public void On_wall_clock_time_windows_close_with_no_new_event()
    {
        var (shard, table, context) = Open(Definition("session 10s", "1h", closeOn: WindowClose.StreamTime | WindowClose.WallClock));
        context.At(1_000);
        table["u"] += 1;
        context.At(4_000);
        table["u"] += 1;

        shard.Advance(context.StreamTimeMs, 14_000);
        Assert.Empty(table.Closed);

        // No event since 4s; the wall clock passes last + gap (+1 ms): the session closes.
        shard.Advance(context.StreamTimeMs, 14_001);
        Assert.Equal([("u", new Window(1_000, 4_000, endInclusive: true), 2L)], table.Closed);
        shard.Advance(context.StreamTimeMs, 100_000);
        Assert.Single(table.Closed);

        // An event that would extend the closed session is late.
        context.At(5_000);
        table["u"] += 1;
        Assert.Single(context.Late);
    }

    [Fact]
    public void Views_read_now_current_delta_and_value_per_time_reference()
    {
        var (_, table, context) = Open(Definition("tumbling 1m grace 1h", "2h"));
        context.WallClockMs = 10 * Minute + 5;
        context.At(2 * Minute + 1);
        table["k"] += 3;
        context.At(10 * Minute);
        table["k"] += 1;
        context.At(Minute);
        table["k"] += 7;

        Assert.Equal(7, table["k"].Current());
        Assert.Equal(7, table["k"].Value());
        Assert.Equal(1, table["k"].Now());
        Assert.Equal(0, table["k"].Delta(TimeSpan.FromMinutes(1)));
        Assert.Equal(3, table["k", DateTimeOffset.FromUnixTimeMilliseconds(3 * Minute)].Delta(TimeSpan.FromMinutes(1)));

        var (_, byNow, nowContext) = Open(Definition("tumbling 1m", "1h", relativeTo: WindowTime.Now));
        nowContext.WallClockMs = 5 * Minute;
        nowContext.At(Minute);
        byNow["k"] += 1;
        Assert.Equal([(5 * Minute, 6 * Minute, 1)], WindowsOf(byNow, "k"));
        Assert.Equal(1, byNow["k"].Value());
        Assert.Equal(0, byNow["k"].Current());
        Assert.Equal(1, byNow["k"].Now());
    }

    [Fact]
    public void Assigning_replaces_the_windows_values()
    {
        var (_, table, context) = Open(Definition("hopping 2m every 1m", "1h"));
        context.At(90_000);
        table["k"] += 4;
        table["k"] = 10;
        Assert.All(table.Windows("k"), w => Assert.Equal(10, w.Value));
        Assert.Throws<InvalidOperationException>(() => table["k"] = table["j"]);
        Assert.True(table.Remove("k"));
        Assert.False(table.ContainsKey("k"));
    }

    [Fact]
    public void Restore_gives_the_same_windows_without_expired_ones_or_repeated_callbacks()
    {
        var definition = Definition("tumbling 1m grace 10s", "3m");
        var (shard, table, context) = Open(definition);
        for (var second = 0; second < 300; second += 20)
        {
            context.At(second * Second);
            table["k"] += 1;
            table[second % 40 == 0 ? "even" : "odd"] += 1;
        }

        shard.Advance(context.StreamTimeMs, 0);
        var closedBefore = table.Closed.Count;
        Assert.True(closedBefore > 0);
        var changelog = new MemoryChangelog();
        shard.FlushChangelog(changelog, default);

        var (restored, again, againContext) = Open(definition);
        ((ITableShard)restored).Restore(changelog.Reader(), default);
        foreach (var key in new[] { "k", "even", "odd" })
        {
            Assert.Equal(WindowsOf(table, key), WindowsOf(again, key));
        }

        restored.Advance(-1, 0);
        againContext.At(280_000);
        restored.Advance(againContext.StreamTimeMs, 0);
        Assert.Empty(again.Closed);

        // The next window to close closes once, after the restart.
        againContext.At(310_000);
        restored.Advance(againContext.StreamTimeMs, 0);
        Assert.Equal(3, again.Closed.Count);
        Assert.All(again.Closed, c => Assert.Equal(new Window(4 * Minute, 5 * Minute), c.Window));
    }

    [Fact]
    public void Restore_does_not_resurrect_windows_whose_tombstones_were_never_written()
    {
        var definition = Definition("tumbling 1m", "2m");
        var (shard, table, context) = Open(definition);
        context.At(0);
        table["k"] += 1;
        var changelog = new MemoryChangelog();
        shard.FlushChangelog(changelog, default);

        // A later run moved time on and flushed, but crashed before the old window's tombstone reached the changelog.
        context.At(10 * Minute);
        table["k"] += 1;
        shard.FlushChangelog(changelog, default);
        Assert.Empty(changelog.Tombstones("k"));

        var (restored, again, _) = Open(definition);
        ((ITableShard)restored).Restore(changelog.Reader(), default);
        Assert.Equal([(10 * Minute, 11 * Minute, 1)], WindowsOf(again, "k"));
        var after = new MemoryChangelog();
        restored.FlushChangelog(after, default);
        Assert.Equal([new WindowKey<string>("k", 0, Minute)], after.Tombstones("k"));
    }

    [Fact]
    public void Numbers_merge_by_addition_and_other_values_need_an_override()
    {
        var definition = new WindowedTableDefinition<string, string>("names", 0, new WindowOptions("tumbling 1m", null),
            PrimitiveCodecs.Utf8String, PrimitiveCodecs.Utf8String, static shard => new Names(shard));
        var shard = (WindowedTableShard<string, string>)definition.OpenShard(0, StoreKind.Memory, new StoreOptions("unused", 1 << 16));
        var names = (Names)shard.Table;
        names["k"] += "a";
        names["k"] += "b";
        Assert.Equal("a,b", names["k"].Value());
    }

    [Fact]
    public void Faster_stores_hold_windowed_keys_blittable_and_encoded()
    {
        var directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "faustish-window-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new StoreOptions(System.IO.Path.Combine(directory, "blittable"), 1 << 20);
            using (var blittable = new Faustish.Tables.Faster.FasterBlittableStore<WindowKey<long>, long>(options))
            {
                blittable.Put(new WindowKey<long>(7, 0, Minute), 3);
                blittable.Put(new WindowKey<long>(7, Minute, 2 * Minute), 4);
                Assert.True(blittable.TryGet(new WindowKey<long>(7, Minute, 2 * Minute), out var value));
                Assert.Equal(4, value);
                Assert.False(blittable.TryGet(new WindowKey<long>(8, Minute, 2 * Minute), out _));
            }

            var definition = new WindowedTableDefinition<string, long>("counts", 0, new WindowOptions("tumbling 1m", "1h"),
                PrimitiveCodecs.Utf8String, PrimitiveCodecs.Int64BigEndian, static shard => new Counts(shard));
            using var shard = (WindowedTableShard<string, long>)definition.OpenShard(0, StoreKind.Faster, new StoreOptions(System.IO.Path.Combine(directory, "encoded"), 1 << 20));
            var context = new FakeWindowContext();
            shard.Bind(context);
            var table = (Counts)shard.Table;
            for (var i = 0; i < 1_000; i++)
            {
                context.At(i * Second);
                table[$"page-{i % 3}"] += 1;
            }

            Assert.Equal(17, table.Windows("page-1").Count);
            Assert.Equal(1_000, new[] { "page-0", "page-1", "page-2" }.Sum(p => table.Windows(p).Sum(w => w.Value)));
        }
        finally
        {
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
        }
    }

    private sealed class Names(WindowedTableShard<string, string> shard) : WindowedTable<string, string>(shard)
    {
        protected override string Merge(string accumulated, string value) => accumulated + "," + value;
    }
}
