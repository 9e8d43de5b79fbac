using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Faustish.Transport;
using Microsoft.Extensions.Logging;

namespace Faustish.Agents;

/// <summary>A partition with records waiting and no progress for longer than the stall timeout.</summary>
/// <param name="Topic">The input topic.</param>
/// <param name="Partition">The input partition.</param>
/// <param name="Offset">The next offset to process (-1: before the partition's first record).</param>
/// <param name="Agent">The agent that reads it.</param>
/// <param name="Worker">The worker thread that holds it.</param>
/// <param name="WaitingFor">What the partition's task is waiting for, in words.</param>
/// <param name="Since">When it last made progress (by the watchdog's clock).</param>
internal sealed record StallReport(string Topic, int Partition, long Offset, string Agent, string Worker, string WaitingFor, DateTimeOffset Since);

/// <summary>
/// Finds partitions that have records waiting but have not moved for <c>Faustish:StallTimeout</c> (default 2
/// minutes): a hung agent, a commit that never finishes, a restore that reads nothing, a transport that delivers
/// nothing. Each is logged once with its coordinates and what its task waits for, shown on the status page and
/// counted by the <c>faustish.partition.stalled</c> gauge; the report clears (and says so) when the partition moves.
/// It reads only what workers publish (<see cref="WorkerProgress"/>), so a hung worker cannot hang it.
/// </summary>
internal sealed class StallWatchdog(ITransport transport, TimeSpan timeout, TimeProvider clock, ILogger logger)
{
    private readonly Dictionary<(AgentWorker Worker, int Partition), Seen> _seen = [];
    private volatile IReadOnlyList<StallReport> _stalls = [];

    /// <summary>The partitions stalled at the last <see cref="Check"/>.</summary>
    public IReadOnlyList<StallReport> Stalls => _stalls;

    /// <summary>Looks at every partition of <paramref name="workers"/> once. Not thread-safe: one caller (the worker service's loop).</summary>
    public void Check(IReadOnlyList<AgentWorker> workers)
    {
        ArgumentNullException.ThrowIfNull(workers);
        var now = clock.GetUtcNow();
        var stalls = new List<StallReport>();
        var present = new HashSet<(AgentWorker, int)>();
        foreach (var worker in workers)
        {
            var progress = worker.Progress;
            for (var p = 0; p < progress.Partitions; p++)
            {
                var phase = progress.PhaseOf(p);
                if (phase == PartitionPhase.None)
                {
                    continue;
                }

                var id = (worker, p);
                present.Add(id);
                var position = progress.PositionOf(p);
                var (restored, remaining) = progress.RestoreOf(p);
                var waiting = phase == PartitionPhase.Restoring || HasRecordsWaiting(new TopicPartition(worker.Agent.Topic.Name, p), position);
                var marker = (position, restored);
                if (!_seen.TryGetValue(id, out var seen) || seen.Marker != marker || !waiting)
                {
                    if (seen is { Reported: true })
                    {
                        logger.LogInformation("{Topic}[{Partition}] of agent {Agent} ({Worker}) moves again: at offset {Offset} after a stall of {Seconds:F0} s",
                            worker.Agent.Topic.Name, p, worker.Agent.Name, worker.Name, position, (now - seen.Since).TotalSeconds);
                    }

                    _seen[id] = new Seen(marker, now, Reported: false);
                    continue;
                }

                if (now - seen.Since < timeout)
                {
                    continue;
                }

                var report = new StallReport(worker.Agent.Topic.Name, p, position, worker.Agent.Name, worker.Name,
                    WaitingFor(worker, p, phase, remaining), seen.Since);
                stalls.Add(report);
                if (!seen.Reported)
                {
                    _seen[id] = seen with { Reported = true };
                    logger.LogWarning("Stalled: {Topic}[{Partition}] of agent {Agent} ({Worker}) has records waiting and has not moved for {Seconds:F0} s, at offset {Offset}. It waits for {WaitingFor}",
                        report.Topic, p, report.Agent, report.Worker, (now - seen.Since).TotalSeconds, position, report.WaitingFor);
                }
            }
        }

        foreach (var gone in _seen.Keys.Where(id => !present.Contains(id)).ToList())
        {
            _seen.Remove(gone);
        }

        _stalls = stalls;
    }

    private bool HasRecordsWaiting(TopicPartition partition, long position)
    {
        try
        {
            var watermarks = transport.GetWatermarks(partition);
            return position < 0 ? watermarks.High > watermarks.Low : watermarks.High > position;
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
        {
            // The transport cannot say: count the partition as waiting, so an unreachable broker shows up as a stall.
            return true;
        }
    }

    private static string WaitingFor(AgentWorker worker, int partition, PartitionPhase phase, long restoreRemaining)
    {
        var progress = worker.Progress;
        var (target, offset) = progress.PhaseTarget;
        var seconds = progress.InPhaseFor.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture);
        if (phase == PartitionPhase.Restoring)
        {
            return $"its tables' restore: {restoreRemaining:N0} changelog offsets left to replay and none read lately (can the transport reach the changelog?)";
        }

        return progress.Phase switch
        {
            WorkerPhase.Processing when target == partition =>
                $"the agent's code: {worker.Agent.TypeName} has been processing the batch from offset {offset} for {seconds} s without returning (a blocking call or an endless loop?)",
            WorkerPhase.Processing =>
                $"its worker, busy in the agent's code on partition {target} for {seconds} s",
            WorkerPhase.Committing =>
                $"a commit that has not finished for {seconds} s (the transport does not accept outputs, changelogs or positions)",
            WorkerPhase.Restoring =>
                $"its worker, restoring the tables of other partitions for {seconds} s",
            WorkerPhase.Stopped =>
                "its worker, which has stopped",
            _ => "records the transport does not deliver (the partition is paused, or the transport cannot fetch it)",
        };
    }

    private readonly record struct Seen((long Position, long Restored) Marker, DateTimeOffset Since, bool Reported);
}
