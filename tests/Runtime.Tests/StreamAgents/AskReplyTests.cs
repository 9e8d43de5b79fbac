using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Faustish.Tests.StreamAgents;

/// <summary>
/// Faust's <c>agent.ask</c> on the embedded log: asks sent to a stream agent that yields a reply per event, each
/// reply matched to its request by correlation id, through the app's replies topic — across a rebalance too.
/// </summary>
public sealed class AskReplyTests : IAsyncDisposable
{
    private const string AppId = "asks";
    private static readonly AppModel Model = new([AskNumbers.Definition], [], [Doubler.Definition]);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-asks-" + Guid.NewGuid().ToString("N"));
    private readonly List<(Thread Thread, CancellationTokenSource Stop)> _workers = [];
    private readonly List<Exception> _failures = [];
    private readonly FaustishRuntime _runtime;

    public AskReplyTests()
    {
        var options = new FaustishOptions
        {
            AppId = AppId,
            DataDirectory = _directory,
            PollTimeout = TimeSpan.FromMilliseconds(20),
            CommitInterval = TimeSpan.FromMilliseconds(20),
        };
        options.Validate(AppId);
        _runtime = new FaustishRuntime(options, Model, NullLoggerFactory.Instance);
    }

    [Fact]
    public async Task Ten_thousand_asks_each_get_their_own_reply()
    {
        await StartAsync();
        var asks = Enumerable.Range(0, 10_000).Select(i => Doubler.AskAsync(_runtime.Asker, $"key-{i % 997}", i, TimeSpan.FromSeconds(60))).ToArray();
        var replies = await Task.WhenAll(asks);

        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => 2L * i), replies);
        Assert.Equal(0, _runtime.Asker.Waiting);
        AssertNoFailures();
    }

    [Fact]
    public async Task An_ask_without_a_reply_times_out_naming_the_agent_and_the_timeout()
    {
        await StartAsync();
        Assert.Equal(84, await Doubler.AskAsync(_runtime.Asker, "warm", 42, TimeSpan.FromSeconds(30)));

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => Doubler.AskAsync(_runtime.Asker, "silent", -1, TimeSpan.FromMilliseconds(500)));
        Assert.Contains("Faustish.Tests.StreamAgents.Doubler", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("'doubler'", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("00:00:00.5", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("ask-numbers", timeout.Message, StringComparison.Ordinal);
        AssertNoFailures();
    }

    [Fact]
    public async Task A_rebalance_while_asks_are_in_flight_loses_no_reply()
    {
        await StartAsync();
        var asks = new List<Task<long>>();
        for (var wave = 0; wave < 10; wave++)
        {
            asks.AddRange(Enumerable.Range(wave * 500, 500).Select(i => Doubler.AskAsync(_runtime.Asker, $"key-{i}", i, TimeSpan.FromSeconds(60))));
            if (wave == 3)
            {
                // One of the two workers leaves mid-stream: its partitions, and the asks waiting on them, move to the other.
                await WaitForAsync(() => asks.Count(a => a.IsCompletedSuccessfully) >= 1_000, "the first asks were never answered");
                _workers[1].Stop.Cancel();
                Assert.True(_workers[1].Thread.Join(TimeSpan.FromSeconds(30)), "the leaving worker did not stop");
            }
        }

        var replies = await Task.WhenAll(asks);
        Assert.Equal(Enumerable.Range(0, 5_000).Select(i => 2L * i), replies);
        AssertNoFailures();
    }

    private async Task StartAsync()
    {
        await _runtime.EnsureTopicsAsync(CancellationToken.None);
        _ = _runtime.Asker; // reads replies from now on
        foreach (var worker in _runtime.CreateWorkers(new ServiceCollection().BuildServiceProvider()))
        {
            var stop = new CancellationTokenSource();
            var thread = new Thread(() =>
            {
                try
                {
                    worker.Start(stop.Token);
                    var deadline = Stopwatch.StartNew();
                    while (!stop.IsCancellationRequested && deadline.Elapsed < TimeSpan.FromSeconds(120))
                    {
                        worker.RunOnce();
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
            _workers.Add((thread, stop));
            thread.Start();
        }

        Assert.Equal(2, _workers.Count);
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"Timed out: {what}");
            await Task.Delay(10);
        }
    }

    private void AssertNoFailures()
    {
        lock (_failures)
        {
            Assert.True(_failures.Count == 0, string.Join(Environment.NewLine, _failures));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (thread, stop) in _workers)
        {
            stop.Cancel();
            thread.Join(TimeSpan.FromSeconds(30));
            stop.Dispose();
        }

        await _runtime.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
