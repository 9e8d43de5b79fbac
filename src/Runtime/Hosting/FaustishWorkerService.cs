using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faustish.Hosting;

/// <summary>How the <c>worker</c> command runs.</summary>
/// <param name="ExitWhenIdle">Stop once every agent has caught up with its input and nothing new arrives (batch jobs, demos, tests).</param>
public sealed record WorkerRunOptions(bool ExitWhenIdle = false);

/// <summary>
/// Runs every agent on its own threads until the host stops (Ctrl+C, SIGTERM) or, with
/// <see cref="WorkerRunOptions.ExitWhenIdle"/>, until all input is processed. A failing agent stops the app with
/// a non-zero exit code and the failing record's coordinates in the log.
/// </summary>
public sealed class FaustishWorkerService(
    FaustishRuntime runtime,
    IServiceProvider services,
    IEnumerable<IWorkerLifecycle> hooks,
    IHostApplicationLifetime lifetime,
    WorkerRunOptions run,
    ILogger<FaustishWorkerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            logger.LogCritical(exception, "Faustish app '{App}' stopped: {Reason}", runtime.Options.AppId, exception.Message);
            Environment.ExitCode = 1;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    private static TimeSpan WatchdogInterval => TimeSpan.FromSeconds(1);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        await runtime.EnsureTopicsAsync(stoppingToken).ConfigureAwait(false);
        foreach (var hook in hooks)
        {
            await hook.OnStartingAsync(runtime, stoppingToken).ConfigureAwait(false);
        }

        var started = Stopwatch.GetTimestamp();
        var workers = runtime.CreateWorkers(services);
        logger.LogInformation("Faustish app '{App}' on {Transport}: {Agents} agent(s), {Workers} worker thread(s)",
            runtime.Options.AppId, runtime.Transport.Description, runtime.Topology.Model.Agents.Count, workers.Count);

        using var stopWorkers = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var idle = new int[workers.Count];
        var caughtUp = new bool[workers.Count];

        // Moves whenever a worker processed or committed something. A worker's caughtUp is trusted only if nothing moved
        // since it was computed: a downstream worker still busy with a batch its upstream just committed shows stale
        // flags from before, and must not let the app stop in the middle of it.
        long activity = 0;
        var checkedAt = new long[workers.Count];
        var failure = default(Exception);
        var threads = workers.Select((worker, i) => new Thread(() =>
        {
            try
            {
                worker.Start(stopWorkers.Token);
                try
                {
                    while (!stopWorkers.IsCancellationRequested)
                    {
                        var fetched = worker.RunOnce();
                        if (!fetched && run.ExitWhenIdle)
                        {
                            if (Volatile.Read(ref idle[i]) == 0)
                            {
                                // Out of input: commit now, so what this worker sent reaches the agents downstream before
                                // the app can be called idle (they wake on it and stop being idle).
                                worker.Commit();
                                Interlocked.Increment(ref activity);
                            }

                            var at = Volatile.Read(ref activity);
                            Volatile.Write(ref caughtUp[i], worker.IsCaughtUp());
                            Volatile.Write(ref checkedAt[i], at);
                        }
                        else
                        {
                            Volatile.Write(ref caughtUp[i], false);
                            if (fetched)
                            {
                                Interlocked.Increment(ref activity);
                            }
                        }

                        Volatile.Write(ref idle[i], fetched ? 0 : Math.Min(Volatile.Read(ref idle[i]) + 1, 1000));
                    }
                }
                finally
                {
                    worker.Stop();
                }
            }
            catch (OperationCanceledException) when (stopWorkers.IsCancellationRequested)
            {
                // Stopping: Stop() above has committed what was processed.
            }
            catch (Exception exception)
            {
                // Never let a worker thread's exception end the process unlogged: record it and stop the app.
                Interlocked.CompareExchange(ref failure, exception, null);
                stopWorkers.Cancel();
            }
        })
        {
            IsBackground = true,
            Name = $"faustish-{worker.Name}",
        }).ToList();

        threads.ForEach(t => t.Start());
        var lastWatch = Stopwatch.GetTimestamp();
        try
        {
            while (!stopWorkers.IsCancellationRequested)
            {
                if (Stopwatch.GetElapsedTime(lastWatch) >= WatchdogInterval)
                {
                    // Off the worker threads: a hung worker cannot hide its own stall.
                    lastWatch = Stopwatch.GetTimestamp();
                    runtime.Watchdog.Check(workers);
                }

                // Two empty polls in a row on every worker: nothing left to read and nothing new arrived.
                if (run.ExitWhenIdle && idle.All(count => count >= 2) && caughtUp.All(done => done) &&
                    checkedAt.All(at => at == Volatile.Read(ref activity)))
                {
                    logger.LogInformation("All agents caught up; stopping (--exit-when-idle)");
                    break;
                }

                await Task.Delay(runtime.Options.PollTimeout, stopWorkers.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopWorkers.IsCancellationRequested)
        {
        }

        await stopWorkers.CancelAsync().ConfigureAwait(false);
        foreach (var thread in threads)
        {
            thread.Join();
        }

        var processed = workers.Sum(w => w.Processed);
        foreach (var worker in workers)
        {
            worker.Dispose();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        logger.LogInformation("Processed {Records} record(s) in {Seconds:F1} s ({Rate:F0}/s)",
            processed, elapsed.TotalSeconds, processed / Math.Max(elapsed.TotalSeconds, 1e-6));
        if (failure is not null)
        {
            throw failure;
        }

        foreach (var hook in hooks)
        {
            await hook.OnStoppedAsync(runtime, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
