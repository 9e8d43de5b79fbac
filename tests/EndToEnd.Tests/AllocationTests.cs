using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;

namespace Faustish.EndToEnd.Tests;

/// <summary>
/// The generated consumer loop and the state path allocate nothing per event (Mediator's MemAllocationTests style):
/// after a warm-up, 100,000 events on the embedded transport, with FASTER tables, move the processing thread's
/// allocation counter by no more than a small fixed allowance. Two shapes: long keys counted with
/// <c>Increment</c>; string keys with record-struct values, counted with <c>table[key] += 1</c> in a
/// <c>Table&lt;string, long&gt;</c> and a windowed table, and stored as record values.
/// </summary>
public sealed class AllocationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int WarmUp = 20_000;
    private const int Measured = 100_000;
    private const int Users = 1_000;

    // Batches end past a round number; a little more input lets the measured run reach 100,000 whole.
    private const int Slack = 4_096;

    // Batch boundaries may touch lazily-created state once (e.g. a partition's first batch); nothing scales with events.
    private const long Allowance = 16 * 1024;

    [Fact]
    public void Processing_100000_events_allocates_nothing_per_event()
    {
        using var app = new TestApp(TestApp.ClicksModel, o => o.MaxBatchSize = 1024);
        var at = DateTimeOffset.UnixEpoch;
        app.Send(sender =>
        {
            for (var i = 0; i < WarmUp + Measured + Slack; i++)
            {
                sender.Send(Clicks.Definition, i % Users, new Click(i % Users, i % 50, at.AddMilliseconds(i)));
            }
        });

        var worker = app.Runtime.CreateWorkers(TestApp.Services)[0];
        worker.Start(CancellationToken.None);
        var deadline = Stopwatch.StartNew();
        while (worker.Processed < WarmUp && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            worker.RunOnce();
        }

        Assert.True(worker.Processed >= WarmUp, $"Warm-up processed only {worker.Processed} events.");
        var before = GC.GetAllocatedBytesForCurrentThread();
        var startProcessed = worker.Processed;
        while (worker.Processed - startProcessed < Measured && deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            worker.RunOnce();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var processed = worker.Processed - startProcessed;
        worker.Stop();
        worker.Dispose();

        output.WriteLine($"{processed:N0} events processed after warm-up; {allocated:N0} bytes allocated on the processing thread ({(double)allocated / processed:F3} B/event)");
        Assert.True(processed >= Measured, $"Processed {processed} events, expected at least {Measured}.");
        Assert.True(allocated <= Allowance,
            $"Processing {processed:N0} events allocated {allocated:N0} bytes ({(double)allocated / processed:F2} B/event); allowance is {Allowance:N0} bytes in all.");

        var counts = app.ReadTable(ClicksPerUser.Definition);
        Assert.Equal(Users, counts.Count);
        Assert.Equal(worker.Processed, counts.Values.Sum());
    }

    [Fact]
    public void String_keys_with_record_values_a_counter_and_a_windowed_counter_allocate_nothing_per_event()
    {
        var model = new Agents.AppModel([PageHits.Definition], [HitsPerPage.Definition, HitsPerPageMinute.Definition, LastHitPerPage.Definition], [CountPageHits.Definition]);
        using var app = new TestApp(model, o => o.MaxBatchSize = 1024);
        var at = DateTimeOffset.UnixEpoch;
        app.Send(sender =>
        {
            for (var i = 0; i < WarmUp + Measured + Slack; i++)
            {
                // Ten events per millisecond: every event falls in the first minute, one window per page.
                var hitAt = at.AddMilliseconds(i / 10);
                sender.Send(PageHits.Definition, $"/page/{i % Users}", new PageHit(i, i % 500, hitAt), hitAt);
            }
        });

        var (processed, allocated) = Measure(app);
        output.WriteLine($"{processed:N0} events processed after warm-up; {allocated:N0} bytes allocated on the processing thread ({(double)allocated / processed:F3} B/event)");
        Assert.True(processed >= Measured, $"Processed {processed} events, expected at least {Measured}.");
        Assert.True(allocated <= Allowance,
            $"Processing {processed:N0} events allocated {allocated:N0} bytes ({(double)allocated / processed:F2} B/event); allowance is {Allowance:N0} bytes in all.");

        var hits = app.ReadTable(HitsPerPage.Definition);
        Assert.Equal(Users, hits.Count);
        Assert.Equal(WarmUp + Measured + Slack, hits.Values.Sum());
        var last = app.ReadTable(LastHitPerPage.Definition);
        Assert.Equal(Users, last.Count);
        Assert.Equal(new PageHit(WarmUp + Measured + Slack - 1, (WarmUp + Measured + Slack - 1) % 500, at.AddMilliseconds((WarmUp + Measured + Slack - 1) / 10)),
            last[$"/page/{(WarmUp + Measured + Slack - 1) % Users}"]);
    }

    /// <summary>
    /// A stream agent with <c>GroupBy</c> and <c>Take</c> (<see cref="SumAmountBatches"/>): each of its two stages (its
    /// own topic, re-keyed and forwarded to the repartition topic; then the repartition topic, in batches of 100 summed
    /// into a table) is run alone on this thread over all of its input, and measured over 100,000 events after warm-up.
    /// </summary>
    [Fact]
    public void A_stream_agent_with_GroupBy_and_Take_allocates_nothing_per_event_in_either_stage()
    {
        var model = new Agents.AppModel([AllocAmounts.Definition], [AllocAccountTotals.Definition], [SumAmountBatches.Definition]);
        using var app = new TestApp(model, o => o.MaxBatchSize = 1024);
        const int Total = WarmUp + Measured + Slack;
        app.Send(sender =>
        {
            for (long i = 0; i < Total; i++)
            {
                sender.Send(AllocAmounts.Definition, i, i);
            }
        });

        var workers = app.Runtime.CreateWorkers(TestApp.Services);
        Assert.Equal(["sum-amount-batches", "sum-amount-batches-account"], workers.Select(w => w.Agent.Name).Order(StringComparer.Ordinal));
        var results = new List<(string Stage, long Processed, long Allocated)>();
        foreach (var worker in workers.OrderBy(w => w.Agent.Name, StringComparer.Ordinal))
        {
            // The first stage's Stop flushes and commits its forwarded records: the second then finds all of them.
            // Then a little past Take's 'within', so each partition's last, partial batch is summed before Stop.
            var (processed, allocated) = Measure(worker, Total, linger: TimeSpan.FromSeconds(2));
            output.WriteLine($"{worker.Agent.Name}: {processed:N0} events processed after warm-up; {allocated:N0} bytes allocated on the processing thread ({(double)allocated / processed:F3} B/event)");
            results.Add((worker.Agent.Name, processed, allocated));
        }

        foreach (var (stage, processed, allocated) in results)
        {
            Assert.True(processed >= Measured, $"{stage} processed {processed} events, expected at least {Measured}.");
            Assert.True(allocated <= Allowance,
                $"{stage}: processing {processed:N0} events allocated {allocated:N0} bytes ({(double)allocated / processed:F2} B/event); allowance is {Allowance:N0} bytes in all.");
        }

        var totals = app.ReadTable(AllocAccountTotals.Definition);
        Assert.Equal(SumAmountBatches.Accounts, totals.Count);
        Assert.Equal((long)Total * (Total - 1) / 2, totals.Values.Sum());
    }

    /// <summary>Warms the app's single worker up, then counts the bytes its thread allocates over <see cref="Measured"/> events; runs it to the end.</summary>
    private static (long Processed, long Allocated) Measure(TestApp app) =>
        Measure(app.Runtime.CreateWorkers(TestApp.Services)[0], WarmUp + Measured + Slack);

    /// <summary>Warms <paramref name="worker"/> up, counts the bytes its thread allocates over <see cref="Measured"/> events, then runs it to <paramref name="total"/> events and stops it.</summary>
    private static (long Processed, long Allocated) Measure(AgentWorker worker, long total, TimeSpan linger = default)
    {
        worker.Start(CancellationToken.None);
        var deadline = Stopwatch.StartNew();
        while (worker.Processed < WarmUp && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            worker.RunOnce();
        }

        Assert.True(worker.Processed >= WarmUp, $"Warm-up processed only {worker.Processed} events.");
        var before = GC.GetAllocatedBytesForCurrentThread();
        var startProcessed = worker.Processed;
        while (worker.Processed - startProcessed < Measured && deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            worker.RunOnce();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var processed = worker.Processed - startProcessed;

        // The rest, so the tables hold every event (Stop commits them).
        while (worker.Processed < total && deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            worker.RunOnce();
        }

        var lingered = Stopwatch.StartNew();
        while (lingered.Elapsed < linger)
        {
            worker.RunOnce();
        }

        worker.Stop();
        worker.Dispose();
        return (processed, allocated);
    }
}
