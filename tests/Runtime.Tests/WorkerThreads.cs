using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Faustish.Agents;
using Xunit;

namespace Faustish.Tests;

/// <summary>Runs workers on their own threads, each loop bounded in time, and collects what they throw.</summary>
internal sealed class WorkerThreads : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _threads = [];
    private readonly List<Exception> _failures = [];

    public void Start(IEnumerable<AgentWorker> workers)
    {
        foreach (var worker in workers)
        {
            var thread = new Thread(() =>
            {
                try
                {
                    worker.Start(_stop.Token);
                    var deadline = Stopwatch.StartNew();
                    try
                    {
                        while (!_stop.IsCancellationRequested && deadline.Elapsed < TimeSpan.FromSeconds(120))
                        {
                            worker.RunOnce();
                        }
                    }
                    catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                    {
                        // Stopping: a fetch in progress gives up (Kafka); the orderly stop below still commits.
                    }

                    worker.Stop();
                }
                catch (Exception exception)
                {
                    lock (_failures)
                    {
                        _failures.Add(exception);
                    }
                }
                finally
                {
                    worker.Dispose();
                }
            })
            { IsBackground = true, Name = worker.Name };
            _threads.Add(thread);
            thread.Start();
        }
    }

    /// <summary>Waits (at most 60 s) until <paramref name="condition"/> holds; fails with <paramref name="what"/> or a worker's exception.</summary>
    public void WaitFor(Func<bool> condition, Func<string> what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            lock (_failures)
            {
                Assert.True(_failures.Count == 0, $"A worker failed: {string.Join(Environment.NewLine, _failures)}");
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"Timed out: {what()}");
            Thread.Sleep(10);
        }
    }

    /// <summary>Stops every worker (an orderly stop: each commits), and fails if one threw.</summary>
    public void StopAll()
    {
        _stop.Cancel();
        foreach (var thread in _threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(30)), $"{thread.Name} did not stop within 30 s");
        }

        _threads.Clear();
        lock (_failures)
        {
            Assert.True(_failures.Count == 0, $"A worker failed: {string.Join(Environment.NewLine, _failures)}");
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(30));
        }

        _stop.Dispose();
    }
}
