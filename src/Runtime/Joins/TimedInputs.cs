using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Faustish.Agents;

namespace Faustish.Joins;

/// <summary>
/// The inputs of one agent partition besides its own topic, applied in time order with its records: before an event at
/// time t, every input record at or before t (ties: the input's first, so an event sees a table update of its own
/// time). An input with nothing fetched holds the partition back only while it is known to have more (its high
/// watermark), or for <see cref="FaustishOptions.MaxTaskIdle"/> when that is set (Kafka Streams' <c>max.task.idle.ms</c>).
/// </summary>
internal sealed class TimedInputs(IReadOnlyList<TimedInput> inputs, TimeSpan maxIdle, CancellationToken stopping) : IDisposable
{
    /// <summary>How long an input known to hold unfetched records may hold its partition back (a broker away).</summary>
    private static readonly TimeSpan LagWait = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan RefillWait = TimeSpan.FromMilliseconds(200);

    public IReadOnlyList<TimedInput> Inputs { get; } = inputs;

    public TimeSpan MaxIdle { get; } = maxIdle;

    /// <summary>Applies every input record at or before <paramref name="timestampMs"/>, oldest first.</summary>
    public void AdvanceTo(long timestampMs, AgentPartitionContext context) => AdvanceTo(timestampMs, context, int.MaxValue);

    private void AdvanceTo(long timestampMs, AgentPartitionContext context, int maxRecords)
    {
        for (var applied = 0; applied < maxRecords; applied++)
        {
            TimedInput? next = null;
            var nextTime = long.MaxValue;
            foreach (var input in Inputs)
            {
                if (Peek(input, out var time) && time <= timestampMs && time < nextTime)
                {
                    next = input;
                    nextTime = time;
                }
            }

            if (next is null)
            {
                return;
            }

            next.ApplyNext(context);
        }
    }

    /// <summary>
    /// Whether the partition's next batch may be processed: every input has a record at hand, or has none to give (at
    /// its end) and has been idle for <see cref="MaxIdle"/>; an input known to hold unfetched records waits for them
    /// (at most <see cref="LagWait"/>).
    /// </summary>
    public bool Ready()
    {
        var ready = true;
        var now = Stopwatch.GetTimestamp();
        foreach (var input in Inputs)
        {
            if (input.TryPeek(out _, TimeSpan.Zero, stopping))
            {
                input.IdleSinceTicks = 0;
                continue;
            }

            if (input.IdleSinceTicks == 0)
            {
                input.IdleSinceTicks = now;
            }

            var idle = Stopwatch.GetElapsedTime(input.IdleSinceTicks, now);
            ready &= input.HasLag() ? idle >= LagWait : idle >= MaxIdle;
        }

        return ready;
    }

    /// <summary>Whether any input has a record fetched and not yet applied, or known to be waiting on its topic.</summary>
    public bool HasRecords()
    {
        foreach (var input in Inputs)
        {
            if (input.TryPeek(out _, TimeSpan.Zero, stopping) || input.HasLag())
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Applies up to <paramref name="maxRecords"/> input records, oldest first, while the partition's own topic has none
    /// to come first; the worker checks its topic again before the next ones.
    /// </summary>
    public void Drain(AgentPartitionContext context, int maxRecords) => AdvanceTo(long.MaxValue, context, maxRecords);

    /// <summary>
    /// Peeks without waiting, and, when an input's fetched records are used up mid-batch while its topic holds more,
    /// waits briefly for them: time order across inputs needs the next record, not an empty prefetch.
    /// </summary>
    private bool Peek(TimedInput input, out long timestampMs) =>
        input.TryPeek(out timestampMs, TimeSpan.Zero, stopping) || (input.HasLag() && input.TryPeek(out timestampMs, RefillWait, stopping));

    public void Dispose()
    {
        foreach (var input in Inputs)
        {
            input.Dispose();
        }
    }
}
