using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace Faustish.Agents;

/// <summary>
/// The timers of one partition's agent instance: when each is due next on the worker's clock, and running those that
/// are due. Interval timers tick at fixed instants from the moment the partition started processing; a run that ends
/// after later ticks have passed skips them (they are not piled up), and the skip is logged at Debug.
/// </summary>
internal sealed class PartitionTimers
{
    private readonly AgentDefinition _agent;
    private readonly int _partition;
    private readonly DateTimeOffset _start;
    private readonly DateTimeOffset?[] _due;

    /// <param name="now">When the partition starts processing: the interval timers' first tick is one interval later.</param>
    public PartitionTimers(AgentDefinition agent, int partition, DateTimeOffset now)
    {
        _agent = agent;
        _partition = partition;
        _start = now;
        var timers = agent.Timers;
        _due = new DateTimeOffset?[timers.Count];
        for (var i = 0; i < timers.Count; i++)
        {
            // A leader's timer runs only where partition 0 is: exactly one process of the group owns it at a time.
            _due[i] = timers[i].OnLeader && partition != 0 ? null : timers[i].NextAfter(now, now);
        }
    }

    /// <summary>The earliest time a timer is due, or null when none will run here.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            DateTimeOffset? next = null;
            foreach (var due in _due)
            {
                if (due is { } at && (next is null || at < next))
                {
                    next = at;
                }
            }

            return next;
        }
    }

    /// <summary>Runs, in declaration order, every timer due at the clock's current time.</summary>
    /// <param name="stopOnFailure">Throw <see cref="AgentFailedException"/> when a timer throws (<see cref="ErrorPolicy.Stop"/>); otherwise log it and go on.</param>
    public void RunDue(AgentPartition instance, TimeProvider clock, ILogger logger, string worker, bool stopOnFailure, CancellationToken cancellationToken)
    {
        IReadOnlyList<AgentTimer> timers = _agent.Timers;
        var now = clock.GetUtcNow();
        for (var i = 0; i < _due.Length; i++)
        {
            if (_due[i] is not { } due || due > now)
            {
                continue;
            }

            var timer = timers[i];
            try
            {
                instance.RunTimer(i, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var message = $"Timer {_agent.TypeName}.{timer.Method} ({timer}) failed on partition {_partition} of {_agent.Topic.Name}: {exception.Message}";
                if (stopOnFailure)
                {
                    throw new AgentFailedException(message, exception);
                }

                logger.LogError(exception, "{Worker}: {Message}; it runs again at its next tick", worker, message);
            }

            // The next tick after the run ended: ticks that passed meanwhile (or while the worker was busy) are skipped.
            var ended = clock.GetUtcNow();
            var next = timer.NextAfter(_start, due);
            var skipped = 0;
            while (next is { } at && at <= ended && skipped < 1000)
            {
                skipped++;
                next = timer.NextAfter(_start, at);
            }

            if (next is { } late && late <= ended)
            {
                next = timer.NextAfter(_start, ended);
                skipped = -1;
            }

            if (skipped != 0)
            {
                logger.LogDebug("{Worker}: timer {Agent}.{Method} on partition {Partition} skipped {Skipped} missed tick(s); next at {Next:O}",
                    worker, _agent.TypeName, timer.Method, _partition, skipped < 0 ? "over 1000" : skipped, next);
            }

            _due[i] = next;
        }
    }
}
