using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Faustish.EndToEnd.Tests;

/// <summary>Dropped late events are visible at the default log level, and a flood of them does not flood the log.</summary>
[Collection(VisitsTableTests.Name)] // the late-event metric is process-wide: no two tests of this table at once
public sealed class LateEventWarningTests
{
    private static readonly AppModel Model = new([Visits.Definition], [VisitsPerMinute.Definition], [CountVisits.Definition]);
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async System.Threading.Tasks.Task The_first_late_event_of_a_table_partition_is_a_warning_and_a_flood_gives_a_bounded_number_of_lines()
    {
        const int Flood = 2_000;
        var clock = new ManualClock(T0);
        var logs = new CapturingLoggers();
        var directory = TestApp.NewDirectory();
        try
        {
            var options = new FaustishOptions { AppId = "e2e", DataDirectory = directory, CommitInterval = TimeSpan.FromHours(1) }.Validate("e2e");
            var runtime = new FaustishRuntime(options, Model, logs) { Clock = clock };
            using var services = new ServiceCollection().BuildServiceProvider();
            try
            {
                await runtime.EnsureTopicsAsync(CancellationToken.None);
                Send(runtime, [100]); // stream time 100 s: minute 0 closed at 70 s (end 60 s + grace 10 s)
                Send(runtime, Enumerable.Repeat(5, Flood));
                var worker = runtime.CreateWorkers(services).Single();
                worker.Start(CancellationToken.None);
                try
                {
                    RunUntil(worker, Flood + 1);
                    var warnings = logs.Warnings("Late event");
                    var first = Assert.Single(warnings);
                    Assert.Contains("table 'visits-per-minute' partition ", first, StringComparison.Ordinal);
                    Assert.Contains("its time 2026-01-01T00:00:05.000Z", first, StringComparison.Ordinal);
                    Assert.Contains("closed at 2026-01-01T00:01:10.000Z", first, StringComparison.Ordinal);
                    Assert.Empty(logs.Warnings("more late events"));

                    // A minute later, the next late event brings one summary of those in between.
                    clock.Now = T0.AddMinutes(1).AddSeconds(1);
                    Send(runtime, [6]);
                    RunUntil(worker, Flood + 2);
                    var summary = Assert.Single(logs.Warnings("more late events"));
                    Assert.Contains($"{Flood} more late events in table 'visits-per-minute' partition ", summary, StringComparison.Ordinal);
                    Assert.Equal(2, logs.Warnings("late event", StringComparison.OrdinalIgnoreCase).Count);
                }
                finally
                {
                    worker.Stop();
                    worker.Dispose();
                }
            }
            finally
            {
                await runtime.DisposeAsync();
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

    private static void Send(FaustishRuntime runtime, IEnumerable<int> seconds)
    {
        var sender = runtime.CreateSender();
        using var producer = sender.Producer;
        foreach (var second in seconds)
        {
            sender.Send(Visits.Definition, "home", 7L, T0.AddSeconds(second));
        }

        producer.Flush(CancellationToken.None);
    }

    private static void RunUntil(AgentWorker worker, long processed)
    {
        var deadline = Stopwatch.StartNew();
        while (worker.Processed < processed && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            worker.RunOnce();
        }

        Assert.Equal(processed, worker.Processed);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>Keeps every warning (and worse) any logger of the app writes.</summary>
    private sealed class CapturingLoggers : ILoggerFactory, ILogger
    {
        private readonly List<string> _warnings = [];

        public List<string> Warnings(string containing, StringComparison comparison = StringComparison.Ordinal)
        {
            lock (_warnings)
            {
                return [.. _warnings.Where(w => w.Contains(containing, comparison))];
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lock (_warnings)
                {
                    _warnings.Add(formatter(state, exception));
                }
            }
        }
    }
}

/// <summary>Tests of the <c>visits-per-minute</c> table, which count its process-wide late-event metric, run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class VisitsTableTests
{
    public const string Name = "visits-per-minute";
}
