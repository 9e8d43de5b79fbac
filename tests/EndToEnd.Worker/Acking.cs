using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Faustish;

namespace Faustish.EndToEnd.Worker;

/// <summary>Input of <see cref="AckStreamAgent"/>: one partition, so an event's value (its sequence number) is its offset.</summary>
[Topic("ack-stream-events", Partitions = 1)]
public sealed partial class AckStreamEvents : Topic<long, long>;

/// <summary>Input of <see cref="AckAsyncAgent"/>, likewise.</summary>
[Topic("ack-async-events", Partitions = 1)]
public sealed partial class AckAsyncEvents : Topic<long, long>;

/// <summary>
/// What the acking agents do with each event: print "ack-event {agent} {value}"; on every 10th event (value % 10 == 9),
/// when the environment variable <see cref="Variable"/> names a folder, print "ack-await {agent} {value}" and wait,
/// asynchronously, until the file "{agent}-{value}" appears in that folder (the test creates it, or kills the process).
/// </summary>
public static class AckGate
{
    public const string Variable = "FAUSTISH_E2E_ACK_GATES";

    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(2);

    public static async Task PassAsync(string agent, long value)
    {
        Console.WriteLine($"ack-event {agent} {value}");
        var folder = Environment.GetEnvironmentVariable(Variable);
        if (value % 10 != 9 || string.IsNullOrEmpty(folder))
        {
            return;
        }

        Console.WriteLine($"ack-await {agent} {value}");
        var release = Path.Combine(folder, $"{agent}-{value}");
        var waited = Stopwatch.StartNew();
        while (!File.Exists(release))
        {
            if (waited.Elapsed > Longest)
            {
                throw new TimeoutException($"{release} did not appear within {Longest}.");
            }

            await Task.Delay(5);
        }

        Console.WriteLine($"ack-released {agent} {value}");
    }
}

/// <summary>A stream agent that awaits slowly on every 10th event (<see cref="AckGate"/>).</summary>
[Agent(typeof(AckStreamEvents))]
public sealed partial class AckStreamAgent
{
    private readonly string _name = "stream";

    public async Task ProcessAsync(Stream<long, long> events)
    {
        await foreach (var value in events)
        {
            await AckGate.PassAsync(_name, value);
        }
    }
}

/// <summary>A per-event async agent that awaits slowly on every 10th event (<see cref="AckGate"/>).</summary>
[Agent(typeof(AckAsyncEvents))]
public sealed partial class AckAsyncAgent
{
    private readonly string _name = "async";

    public async Task ProcessAsync(long key, long value) => await AckGate.PassAsync(_name, value);
}
