using System;
using Faustish;

namespace Faustish.EndToEnd.Worker;

/// <summary>A click: only value-type fields, so decoding it allocates nothing.</summary>
public readonly record struct Click(long UserId, int Page, DateTimeOffset At);

[Topic("clicks", Partitions = 4)]
public sealed partial class Clicks : Topic<long, Click>;

[Table("clicks-per-user")]
public sealed partial class ClicksPerUser : Table<long, long>;

/// <summary>Counts clicks per user.</summary>
[Agent(typeof(Clicks))]
public sealed partial class CountClicks(ClicksPerUser counts)
{
    public void Process(long userId, Click click) => counts.Increment(userId);
}
