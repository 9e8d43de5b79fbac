using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.IO;
using System.Linq;
using System.Threading;
using Faustish.Agents;
using Faustish.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Faustish.Web.Tests;

/// <summary>The stall watchdog, on a fake clock: a hung agent's partition is reported with its coordinates, then cleared.</summary>
[Collection(SerialWebTests.Name)]
public sealed class WatchdogTests
{
    private static readonly AppModel JobsModel = new([Jobs.Definition], [], [RunJobs.Definition]);

    [Fact]
    public async System.Threading.Tasks.Task A_partition_whose_agent_hangs_is_reported_after_the_stall_timeout_and_cleared_when_it_moves()
    {
        var directory = Path.Combine(Path.GetTempPath(), "faustish-web-" + Guid.NewGuid().ToString("N"));
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = new FaustishOptions { AppId = "web", DataDirectory = directory, PollTimeout = TimeSpan.FromMilliseconds(20) };
        options.Validate("web");
        var runtime = new FaustishRuntime(options, JobsModel, NullLoggerFactory.Instance) { Clock = clock };
        using var stop = new CancellationTokenSource();
        Thread? thread = null;
        try
        {
            await runtime.EnsureTopicsAsync(CancellationToken.None);
            var worker = runtime.CreateWorkers(new ServiceCollection().BuildServiceProvider()).Single();
            thread = new Thread(() =>
            {
                worker.Start(stop.Token);
                var deadline = Stopwatch.StartNew();
                while (!stop.IsCancellationRequested && deadline.Elapsed < TimeSpan.FromSeconds(60))
                {
                    worker.RunOnce();
                }

                worker.Stop();
            });
            thread.Start();

            // One job goes through; then the agent hangs on the next two, all on job 7's partition.
            Send(runtime, 1);
            Wait(() => worker.Processed == 1, "the first job was never processed");
            JobGate.Close();
            Send(runtime, 2);
            var partition = Routing.KafkaPartitioner.Partition(Jobs.Definition.EncodeKeyText("7"), 2);
            Wait(() => worker.Progress.Phase == WorkerPhase.Processing, "the agent never began the second job");

            var watchdog = runtime.Watchdog;
            watchdog.Check(runtime.Workers);
            Assert.Empty(watchdog.Stalls);
            clock.Advance(TimeSpan.FromMinutes(1));
            watchdog.Check(runtime.Workers);
            Assert.Empty(watchdog.Stalls);

            clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
            watchdog.Check(runtime.Workers);
            var stall = Assert.Single(watchdog.Stalls);
            Assert.Equal(("jobs", partition, 1L, "run-jobs", "run-jobs#0"), (stall.Topic, stall.Partition, stall.Offset, stall.Agent, stall.Worker));
            Assert.Contains("the agent's code: Faustish.Web.Tests.RunJobs has been processing the batch from offset 1", stall.WaitingFor, StringComparison.Ordinal);
            Assert.Equal(clock.GetUtcNow() - TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1), stall.Since);
            Assert.Equal(1, StalledGauge(runtime));

            JobGate.Release();
            Wait(() => worker.Processed == 3, "the jobs never finished after the agent was released");
            watchdog.Check(runtime.Workers);
            Assert.Empty(watchdog.Stalls);
            Assert.Equal(0, StalledGauge(runtime));

            // Caught up: no records wait, so time passing is no stall.
            clock.Advance(TimeSpan.FromMinutes(10));
            watchdog.Check(runtime.Workers);
            Assert.Empty(watchdog.Stalls);
        }
        finally
        {
            JobGate.Release();
            stop.Cancel();
            thread?.Join(TimeSpan.FromSeconds(30));
            await runtime.DisposeAsync();
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static void Send(FaustishRuntime runtime, int jobs)
    {
        var sender = runtime.CreateSender();
        using var producer = sender.Producer;
        for (var i = 0; i < jobs; i++)
        {
            sender.Send(Jobs.Definition, 7L, i);
        }

        producer.Flush(CancellationToken.None);
    }

    private static void Wait(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"Timed out: {what}");
            Thread.Sleep(5);
        }
    }

    /// <summary>The <c>faustish.partition.stalled</c> gauge of this runtime's meter, read as an exporter would.</summary>
    private static long StalledGauge(FaustishRuntime runtime)
    {
        long? value = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == runtime.Metrics.Meter && instrument.Name == "faustish.partition.stalled")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((_, measurement, _, _) => value = measurement);
        listener.Start();
        listener.RecordObservableInstruments();
        return value ?? throw new InvalidOperationException("The faustish.partition.stalled gauge was not observed.");
    }
}
