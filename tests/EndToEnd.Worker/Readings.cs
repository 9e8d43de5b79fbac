using System;
using System.Collections.Generic;
using Faustish;

namespace Faustish.EndToEnd.Worker;

/// <summary>A sensor's reading at a time of its own (the window is chosen by this field, Faust's relative_to_field).</summary>
public sealed record Reading(long Value, DateTimeOffset At);

[Topic("readings", Partitions = 2)]
public sealed partial class Readings : Topic<string, Reading>;

/// <summary>Each sensor's readings per minute, as a list: the windowed value is a collection.</summary>
[Table("readings-per-minute", Window = "tumbling 1m", Expires = "1h")]
public sealed partial class ReadingsPerMinute : WindowedTable<string, List<long>>;

/// <summary>Appends each reading to its minute with a collection expression, as a plain table's value would be.</summary>
[Agent(typeof(Readings))]
public sealed partial class CollectReadings(ReadingsPerMinute perMinute)
{
    public void Process(string sensor, Reading reading) =>
        perMinute[sensor, reading.At] = [.. perMinute[sensor, reading.At], reading.Value];
}
