using Faustish;

namespace Faustish.Benchmarks.CheckpointPause;

/// <summary>Events keyed by one of a million keys, on one partition.</summary>
[Topic("keyed-events", Partitions = 1)]
public sealed partial class KeyedEvents : Topic<string, long>;

/// <summary>Events per key: the table that is checkpointed.</summary>
[Table("events-per-key")]
public sealed partial class EventsPerKey : Table<string, long>;

/// <summary>Counts events per key.</summary>
[Agent(typeof(KeyedEvents))]
public sealed partial class CountEvents(EventsPerKey counts)
{
    public void Process(string key, long value) => counts.Increment(key);
}
