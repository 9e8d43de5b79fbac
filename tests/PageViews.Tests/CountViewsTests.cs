using System;
using System.Linq;
using System.Threading.Tasks;

namespace PageViews.Tests;

/// <summary>
/// The PageViews example's agents, each through its test context: events run through the generated loop with the
/// agents' real tables in memory. (The example as a whole, worker and all, runs in KafkaEndToEndTests.)
/// </summary>
public sealed class CountViewsTests
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private static PageView View(string page, Device device = Device.Desktop, int minute = 0) =>
        new(page, "ann", Monday.AddMinutes(minute), device, Referrer: null);

    [Fact]
    public async Task Counts_views_per_page_and_views_from_phones()
    {
        await using var test = CountViews.TestContext();

        await test.PutAsync("/home", View("/home"));
        await test.PutAsync("/home", View("/home", Device.Phone));
        await test.PutAsync("/about", View("/about", Device.Tablet));

        var counts = test.Table<PageCounts>();
        Assert.Equal(2, counts["/home"]);
        Assert.Equal(1, counts["/about"]);
        Assert.Equal(0, counts["/faq"]);
        Assert.Equal([("/home", 1L)], test.Table<PhoneCounts>().Entries().Select(e => (e.Key, e.Value)));
        Assert.Empty(test.Sent<Milestones>());
    }

    [Fact]
    public async Task Announces_every_ten_thousandth_view_of_a_page()
    {
        await using var test = CountViews.TestContext();

        for (var i = 1; i <= 20_000; i++)
        {
            var view = View("/home", minute: i / 1_000);
            await test.PutAsync("/home", view, timestamp: view.At);
        }

        await test.PutAsync("/about", View("/about"));

        var sent = test.Sent<Milestones>();
        Assert.Equal(
            [("/home", new Milestone("/home", 10_000, Monday.AddMinutes(10))), ("/home", new Milestone("/home", 20_000, Monday.AddMinutes(20)))],
            sent.Select(r => ((string)r.Key!, (Milestone)r.Value!)));
        Assert.Equal([Monday.AddMinutes(10), Monday.AddMinutes(20)], sent.Select(r => r.Timestamp)); // the timestamps of the views that reached them
        Assert.Equal(20_000, test.Table<PageCounts>()["/home"]);
    }

    [Fact]
    public async Task A_page_restored_at_one_short_of_a_milestone_reaches_it_with_the_next_view()
    {
        await using var test = CountViews.TestContext();
        test.Table<PageCounts>()["/home"] = 29_999;

        await test.PutAsync("/home", View("/home", minute: 5));

        var (page, milestone) = Assert.Single(test.Sent<Milestones>());
        Assert.Equal("/home", page);
        Assert.Equal(new Milestone("/home", 30_000, Monday.AddMinutes(5)), milestone);
    }

    [Fact]
    public async Task RecordMilestones_keeps_the_latest_milestone_per_page()
    {
        await using var test = RecordMilestones.TestContext();

        await test.PutAsync("/home", new Milestone("/home", 10_000, Monday));
        await test.PutAsync("/about", new Milestone("/about", 10_000, Monday.AddHours(1)));
        await test.PutAsync("/home", new Milestone("/home", 20_000, Monday.AddHours(2)));

        var latest = test.Table<LatestMilestones>();
        Assert.Equal(new Milestone("/home", 20_000, Monday.AddHours(2)), latest["/home"]);
        Assert.Equal(new Milestone("/about", 10_000, Monday.AddHours(1)), latest["/about"]);
    }
}
