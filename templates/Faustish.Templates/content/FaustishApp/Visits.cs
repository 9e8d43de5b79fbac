using Faustish;

namespace FaustishApp1;

/// <summary>A page visit, as JSON: {"user": "ada", "page": "/docs", "at": "2026-01-01T12:00:00+00:00"}.</summary>
public sealed record Visit(string User, string Page, DateTimeOffset At);

// Visits keyed by user. On the embedded log (the default) its records live under ./.faustish/<app>/topics.
[Topic("visits", Partitions = 4)]
public sealed partial class Visits : Topic<string, Visit>;

// Partitioned like the topic of the agent that writes it; durable through its changelog topic.
[Table("visits-per-user")]
public sealed partial class VisitsPerUser : Table<string, long>;

// Called for every visit. A partition and its part of the table belong to one worker thread at a time, so table
// writes never race.
[Agent(typeof(Visits))]
public sealed partial class CountVisits(VisitsPerUser visitsPerUser)
{
    public void Process(string user, Visit visit) => visitsPerUser[user] += 1;
}
