using System;
using System.Buffers;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Hosting;
using Faustish.Transport;
using Faustish.Transport.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Faustish.Tests.AsyncAgents;

/// <summary>
/// An agent's await never blocks its worker: while the event of partition 0 waits on a <see cref="TaskCompletionSource"/>
/// the test holds, the same worker processes and commits all of partition 1; partition 0 goes on when the test lets it.
/// </summary>
public sealed class IsolationTests : IAsyncDisposable
{
    private const int OtherEvents = 10_000;
    private static readonly AppModel Model = new([IsolationEvents.Definition], [IsolationCounts.Definition], [WaitOnGate.Definition]);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-isolation-" + Guid.NewGuid().ToString("N"));
    private readonly IsolationGate _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly FaustishRuntime _runtime;
    private Thread? _thread;
    private Exception? _failure;

    public IsolationTests()
    {
        var options = new FaustishOptions
        {
            AppId = "isolation",
            DataDirectory = _directory,
            PollTimeout = TimeSpan.FromMilliseconds(20),
            CommitInterval = TimeSpan.FromMilliseconds(50),
        };
        options.Validate("isolation");
        _runtime = new FaustishRuntime(options, Model, NullLoggerFactory.Instance);
    }

    [Fact]
    public async Task A_waiting_event_on_partition_0_does_not_stop_partition_1_on_the_same_worker()
    {
        await _runtime.EnsureTopicsAsync(CancellationToken.None);
        var worker = _runtime.CreateWorkers(new ServiceCollection().AddSingleton(_gate).BuildServiceProvider()).Single();
        Produce(0, [IsolationGate.Blocking, 1, 2, 3]);
        Produce(1, Enumerable.Range(1, OtherEvents).Select(i => (long)i));
        _thread = new Thread(() => Loop(worker)) { IsBackground = true, Name = "isolation-worker" };
        _thread.Start();

        await _gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        WaitFor(() => Committed(1) == OtherEvents, "partition 1 was not processed and committed while partition 0 waited");

        // Partition 0 stands at its waiting event: nothing of it processed, nothing committed past it.
        Assert.Equal(OtherEvents, _gate.Processed.Count);
        Assert.All(_gate.Processed, p => Assert.Equal(1, p.Partition));
        Assert.Equal(Enumerable.Range(1, OtherEvents).Select(i => (long)i), _gate.Processed.Select(p => p.Value));
        Assert.True(Committed(0) is null or 0, $"partition 0 committed {Committed(0)} while its first event still waited");
        Assert.True(worker.Progress.PositionOf(0) <= 0);

        _gate.Release.SetResult();
        WaitFor(() => Committed(0) == 4, "partition 0 did not go on once its await completed");
        Assert.Equal([IsolationGate.Blocking, 1L, 2L, 3L], _gate.Processed.Where(p => p.Partition == 0).Select(p => p.Value));
        Assert.Equal(OtherEvents + 4, worker.Processed);

        // Every table write, before and after the await, ran on the worker's own thread.
        Assert.Equal([_thread.ManagedThreadId], _gate.Threads.Keys);
        Assert.Null(_failure);
    }

    private void Loop(AgentWorker worker)
    {
        try
        {
            worker.Start(_stop.Token);
            var deadline = Stopwatch.StartNew();
            while (!_stop.IsCancellationRequested && deadline.Elapsed < TimeSpan.FromSeconds(120))
            {
                worker.RunOnce();
            }

            worker.Stop();
        }
        catch (Exception exception)
        {
            _failure = exception;
        }
        finally
        {
            worker.Dispose();
        }
    }

    private long? Committed(int partition) =>
        ((EmbeddedTransport)_runtime.Transport).FindGroup(WaitOnGate.Definition.GroupId("isolation"))?.Committed(new TopicPartition(IsolationEvents.Definition.Name, partition));

    private void Produce(int partition, System.Collections.Generic.IEnumerable<long> values)
    {
        using var producer = _runtime.Transport.CreateProducer();
        var key = new ArrayBufferWriter<byte>();
        var value = new ArrayBufferWriter<byte>();
        foreach (var v in values)
        {
            key.ResetWrittenCount();
            value.ResetWrittenCount();
            IsolationEvents.Definition.KeyCodec.Write(key, v);
            IsolationEvents.Definition.ValueCodec.Write(value, v);
            producer.Produce(new TopicPartition(IsolationEvents.Definition.Name, partition), key.WrittenSpan, false, value.WrittenSpan, false, 0);
        }

        producer.Flush(CancellationToken.None);
    }

    private void WaitFor(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"Timed out: {what}");
            Assert.True(_failure is null, $"The worker failed while waiting ({what}): {_failure}");
            Thread.Sleep(5);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _gate.Release.TrySetResult();
        _thread?.Join(TimeSpan.FromSeconds(30));
        await _runtime.DisposeAsync();
        _stop.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
