using System;
using System.Collections.Concurrent;
using System.Threading.Tasks;
using Faustish;
using Faustish.Agents;

namespace Faustish.Tests.EventTime;

/// <summary>A sensor's reading, stamped by the sensor: <see cref="At"/> is the event's time, whatever the record says.</summary>
public sealed record Reading(string Sensor, DateTimeOffset At, int Value);

[Topic("evt-readings", Partitions = 2, Timestamp = nameof(Reading.At))]
public sealed partial class EvtReadings : Topic<string, Reading>;

/// <summary>What the agents send on, so the tests can read the timestamps of sends.</summary>
[Topic("evt-forwarded", Partitions = 2)]
public sealed partial class EvtForwarded : Topic<string, Reading>;

[Table("evt-readings-per-minute", Window = "tumbling 1m", Expires = "1d")]
public sealed partial class EvtReadingsPerMinute : WindowedTable<string, long>;

/// <summary>The event times agents saw (<see cref="EventContext.TimestampMs"/>, <see cref="StreamEvent{TKey, TValue}.TimestampMs"/>), by sensor.</summary>
public sealed class EventTimeLog
{
    public ConcurrentQueue<(string Sensor, long EventTimeMs)> Seen { get; } = new();
}

/// <summary>
/// Counts readings per sensor and minute of their time, and forwards each one; a reading with an odd value is forwarded
/// again after an await, under the key "{sensor}-after-await".
/// </summary>
[Agent(typeof(EvtReadings))]
public sealed partial class CountReadings(EvtReadingsPerMinute perMinute, EvtForwarded forwarded, EventTimeLog log)
{
    public async Task ProcessAsync(string sensor, Reading reading, EventContext context)
    {
        log.Seen.Enqueue((sensor, context.TimestampMs));
        perMinute[sensor] += 1;
        forwarded.Send(sensor, reading);
        if (reading.Value % 2 != 0)
        {
            await Task.Yield();
            forwarded.Send(sensor + "-after-await", reading);
        }
    }
}

[Topic("evt-stream-readings", Timestamp = nameof(Reading.At))]
public sealed partial class EvtStreamReadings : Topic<string, Reading>;

/// <summary>A stream agent over readings: notes each event's time and forwards the reading.</summary>
[Agent(typeof(EvtStreamReadings))]
public sealed partial class ForwardReadingEvents(EvtForwarded forwarded, EventTimeLog log)
{
    public async Task ProcessAsync(Stream<string, Reading> readings)
    {
        await foreach (var reading in readings.Events())
        {
            log.Seen.Enqueue((reading.Key, reading.TimestampMs));
            forwarded.Send(reading.Key, reading.Value);
        }
    }
}

/// <summary>A click, with the time the browser saw it when it knows one (Unix ms).</summary>
public sealed record Click(string Page, long? AtMs);

/// <summary>
/// Clicks take their time from the browser's, or the record's when the browser had none. A click on "boom" has no time
/// the method can tell (it throws).
/// </summary>
[Topic("evt-clicks", Timestamp = nameof(EventTime))]
public sealed partial class EvtClicks : Topic<string, Click>
{
    internal static long EventTime(string page, Click click, long recordTimestampMs) =>
        click.Page == "boom" ? throw new InvalidOperationException("a click on boom has no time") : click.AtMs ?? recordTimestampMs;
}

[Table("evt-clicks-per-minute", Window = "tumbling 1m", Expires = "1d")]
public sealed partial class EvtClicksPerMinute : WindowedTable<string, long>;

[Agent(typeof(EvtClicks))]
public sealed partial class CountClicks(EvtClicksPerMinute perMinute)
{
    public void Process(string page, Click click) => perMinute[page] += 1;
}
