using Faustish;
using PageViews;

namespace Faustish.Benchmarks.Throughput;

/// <summary>The example's page views on one partition: the one-thread contender reads them with one worker thread.</summary>
[Topic("page-views-1", Partitions = 1)]
public sealed partial class PageViewsOnePartition : Topic<string, PageView>;

/// <summary>Views per page, for <see cref="CountViewsOnOnePartition"/>.</summary>
[Table("page-counts-1")]
public sealed partial class PageCountsOnePartition : Table<string, long>;

/// <summary>Views per page from phones, for <see cref="CountViewsOnOnePartition"/>.</summary>
[Table("phone-counts-1")]
public sealed partial class PhoneCountsOnePartition : Table<string, long>;

/// <summary>The example's <see cref="CountViews"/>, line for line, on the one-partition topic and its own tables.</summary>
[Agent(typeof(PageViewsOnePartition), Concurrency = 1)]
public sealed partial class CountViewsOnOnePartition(PageCountsOnePartition counts, PhoneCountsOnePartition phoneCounts, Milestones milestones)
{
    public void Process(string page, PageView view)
    {
        var views = counts.Increment(page);
        if (view.Device == Device.Phone)
        {
            phoneCounts[page] += 1;
        }

        if (views % 10_000 == 0)
        {
            milestones.Send(page, new Milestone(page, views, view.At));
        }
    }
}
