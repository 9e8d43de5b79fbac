using Faustish;

namespace Faustish.EndToEnd.Worker;

[Topic("hits", Partitions = 8)]
public sealed partial class Hits : Topic<string, long>;

[Table("hits-per-key")]
public sealed partial class HitsPerKey : Table<string, long>;

/// <summary>Eight worker threads, one partition each, incrementing one table.</summary>
[Agent(typeof(Hits), Concurrency = 8)]
public sealed partial class CountHits(HitsPerKey counts)
{
    public void Process(string key, long weight) => counts.Increment(key, weight);
}
