using Faustish;

namespace PageViews;

/// <summary>Page views keyed by page path, spread over four partitions by Kafka's partitioner.</summary>
[Topic("page-views", Partitions = 4)]
public sealed partial class PageViewsTopic : Topic<string, PageView>;

/// <summary>Pages that reached a round number of views.</summary>
[Topic("page-milestones", Partitions = 4)]
public sealed partial class Milestones : Topic<string, Milestone>;

/// <summary>Views per page. Partitioned like <see cref="PageViewsTopic"/>, restored from its changelog at start.</summary>
[Table("page-counts")]
public sealed partial class PageCounts : Table<string, long>;

/// <summary>Views per page from phones.</summary>
[Table("phone-counts")]
public sealed partial class PhoneCounts : Table<string, long>;

/// <summary>Counts views per page, and announces every 10,000th view of a page.</summary>
[Agent(typeof(PageViewsTopic))]
public sealed partial class CountViews(PageCounts counts, PhoneCounts phoneCounts, Milestones milestones)
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

/// <summary>Keeps the latest milestone per page.</summary>
[Table("latest-milestones")]
public sealed partial class LatestMilestones : Table<string, Milestone>;

[Agent(typeof(Milestones))]
public sealed partial class RecordMilestones(LatestMilestones latest)
{
    public void Process(string page, Milestone milestone) => latest[page] = milestone;
}
