using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Hosting;
using Faustish.Tables.Windows;
using Faustish.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace Faustish.EndToEnd.Tests;

/// <summary>A windowed table behind a real worker, the embedded log and FASTER, with the wall clock under the test's control.</summary>
[Collection(VisitsTableTests.Name)] // the late-event metric is process-wide: no two tests of this table at once
public sealed class WindowEndToEndTests
{
    private static readonly AppModel Model = new([Visits.Definition], [VisitsPerMinute.Definition], [CountVisits.Definition]);
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Windows_close_once_on_stream_and_wall_clock_time_late_events_are_dead_lettered_expiry_tombstones_and_restarts_keep_it()
    {
        var clock = new ManualClock(T0);
        var log = new ClosedWindowLog();
        using var services = new ServiceCollection().AddSingleton(log).BuildServiceProvider();
        using var late = new LateEventCounter("visits-per-minute");
        var directory = TestApp.NewDirectory();
        try
        {
            IReadOnlyList<WindowedValue<long>> before;
            using (var app = new TestApp(Model, directory: directory, clock: clock))
            {
                app.Send(sender =>
                {
                    foreach (var second in new[] { 1, 2, 61, 75, 5 })
                    {
                        sender.Send(Visits.Definition, "home", 7L, T0.AddSeconds(second));
                    }
                });

                var worker = app.Runtime.CreateWorkers(services).Single();
                worker.Start(CancellationToken.None);
                try
                {
                    RunUntil(worker, () => worker.Processed >= 5);

                    // Stream time reached 75 s: the first minute closed (end 60 s + grace 10 s), so the visit at 5 s came late.
                    Assert.Equal([("home", Minute(0), 2L)], log.Closed);
                    Assert.Equal(1, late.Count);

                    // No new visit: the wall clock alone closes the second minute, and the first one expires (start + 2m).
                    clock.Now = T0.AddSeconds(130);
                    worker.RunOnce();
                    Assert.Equal([("home", Minute(0), 2L), ("home", Minute(1), 2L)], log.Closed);
                    worker.RunOnce();
                    Assert.Equal(2, log.Closed.Count);
                }
                finally
                {
                    worker.Stop();
                    worker.Dispose();
                }

                var letter = Assert.Single(DeadLetterTests.ReadAll(app, new TopicPartition("e2e-dead-letters", 0)));
                Assert.Equal("late", letter.Header(RecordFailureHandler.Headers.Stage));
                Assert.Equal("visits-per-minute", letter.Header(RecordFailureHandler.Headers.Table));
                Assert.Equal(T0.AddSeconds(5).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    letter.Header(RecordFailureHandler.Headers.Timestamp));

                Assert.Contains(ChangelogTombstones(app), key => key == new WindowKey<string>("home", Minute(0).StartMs, Minute(0).EndMs));
                before = ReadWindows(app, "home");
                Assert.Equal([new WindowedValue<long>(Minute(1), 2)], before);
            }

            // Restart: same contents, and windows closed before the last commit do not close again.
            using (var app = new TestApp(Model, directory: directory, clock: clock))
            {
                Assert.Equal(before, ReadWindows(app, "home"));
                var worker = app.Runtime.CreateWorkers(services).Single();
                worker.Start(CancellationToken.None);
                try
                {
                    for (var turn = 0; turn < 5; turn++)
                    {
                        worker.RunOnce();
                    }

                    Assert.Equal(2, log.Closed.Count);
                    clock.Now = T0.AddSeconds(400);
                    worker.RunOnce();
                    Assert.Equal(2, log.Closed.Count);
                }
                finally
                {
                    worker.Stop();
                    worker.Dispose();
                }

                // Past the second minute's retention: gone from the table after a restore, too.
                Assert.Empty(ReadWindows(app, "home"));
            }
        }
        finally
        {
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static Window Minute(int index) => new(T0.AddMinutes(index).ToUnixTimeMilliseconds(), T0.AddMinutes(index + 1).ToUnixTimeMilliseconds());

    private static void RunUntil(AgentWorker worker, Func<bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (!done() && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            worker.RunOnce();
        }
    }

    private static List<WindowedValue<long>> ReadWindows(TestApp app, string page)
    {
        var shards = app.Runtime.ReadTable(VisitsPerMinute.Definition, CancellationToken.None);
        try
        {
            return [.. shards.Cast<WindowedTableShard<string, long>>().SelectMany(s => s.Windows(page))];
        }
        finally
        {
            foreach (var shard in shards)
            {
                shard.Dispose();
            }
        }
    }

    private static List<WindowKey<string>> ChangelogTombstones(TestApp app)
    {
        var tombstones = new List<WindowKey<string>>();
        var changelog = VisitsPerMinute.Definition.ChangelogTopic("e2e");
        for (var partition = 0; partition < 2; partition++)
        {
            using var reader = app.Runtime.Transport.OpenReader(new TopicPartition(changelog, partition), Offsets.Beginning);
            var batch = new RecordBatch();
            while (reader.Fetch(batch, 1000, TimeSpan.FromMilliseconds(50), CancellationToken.None))
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    ref readonly var record = ref batch[i];
                    if (record.ValueIsNull && batch.KeyOf(in record).Length > 0)
                    {
                        tombstones.Add(VisitsPerMinute.Definition.WindowKeyCodec.Read(batch.KeyOf(in record)));
                    }
                }
            }
        }

        return tombstones;
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>Sums <c>faustish.window.late_events</c> for one table.</summary>
    private sealed class LateEventCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public LateEventCounter(string table)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == FaustishMetrics.MeterName && instrument.Name == "faustish.window.late_events")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "table" && Equals(tag.Value, table))
                    {
                        Interlocked.Add(ref _count, value);
                    }
                }
            });
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
