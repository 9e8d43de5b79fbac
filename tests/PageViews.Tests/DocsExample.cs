// The complete test of docs/testing.md, verbatim: keep the two the same.
using System;
using System.Linq;
using System.Threading.Tasks;
using PageViews;
using Xunit;

namespace PageViews.Tests;

public sealed class CountViewsExampleTests
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Counts_views_and_announces_every_ten_thousandth()
    {
        await using var test = CountViews.TestContext();

        await test.PutAsync("/home", new PageView("/home", "ann", Monday, Device.Phone, Referrer: null));
        await test.PutAsync("/about", new PageView("/about", "bob", Monday, Device.Desktop, Referrer: null));

        Assert.Equal(1, test.Table<PageCounts>()["/home"]);
        Assert.Equal([("/home", 1L)], test.Table<PhoneCounts>().Entries().Select(e => (e.Key, e.Value)));
        Assert.Empty(test.Sent<Milestones>());

        // Start a page one view short of a milestone, as if restored from its changelog.
        test.Table<PageCounts>()["/faq"] = 9_999;
        var view = new PageView("/faq", "cyd", Monday.AddHours(1), Device.Tablet, Referrer: null);
        await test.PutAsync("/faq", view, timestamp: view.At);

        var (page, milestone) = Assert.Single(test.Sent<Milestones>());
        Assert.Equal("/faq", page);
        Assert.Equal(new Milestone("/faq", 10_000, view.At), milestone);
    }
}
