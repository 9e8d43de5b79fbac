using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Hosting;
using Faustish.Transport;
using Xunit.Abstractions;

namespace Faustish.EndToEnd.Tests;

/// <summary>
/// Kafka Streams' EOS system test, on the embedded log: a child worker process (agent <see cref="CountAndForward"/>,
/// two worker threads) counts 1,000,000 events per key into a table and forwards one derived record per event; it
/// is killed with SIGKILL at 20 random moments while it processes (a 50 ms commit interval, so most kills land in
/// an open transaction) and restarted each time. A verifier then reads the table (rebuilt from its changelog) and
/// the output topic, both read committed, and recomputes the expected result from the input.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Keys = 1_000;
    private const int Events = 1_000_000;
    private const int Kills = 20;

    [Fact]
    public void Exactly_once_a_worker_killed_20_times_ends_with_the_tables_and_outputs_of_an_uninterrupted_run()
    {
        var result = RunWithKills(ProcessingGuarantee.ExactlyOnce, seed: 20261126);
        output.WriteLine(result.Report);

        Assert.Equal(Kills, result.Kills);
        Assert.Equal(0, result.MissingCounts);
        Assert.Equal(0, result.OverCounted);
        Assert.Equal(Keys, result.KeysCounted);
        Assert.Equal(0, result.MissingOutputs);
        Assert.Equal(0, result.DuplicateOutputs);
        Assert.Equal(0, result.WrongOutputs);
        Assert.Equal(Events, result.OutputRecords);
        Assert.Equal(0, result.UnderCountedWindows);
        Assert.Equal(0, result.OverCountedWindows);
    }

    [Fact]
    public void At_least_once_a_worker_killed_20_times_loses_nothing_and_reports_its_duplicates()
    {
        var result = RunWithKills(ProcessingGuarantee.AtLeastOnce, seed: 20261127);
        output.WriteLine(result.Report);

        Assert.Equal(Kills, result.Kills);
        Assert.Equal(0, result.MissingCounts);
        Assert.Equal(Keys, result.KeysCounted);
        Assert.Equal(0, result.UnderCountedWindows);
        Assert.Equal(0, result.MissingOutputs);
        // Duplicates are allowed here; the report above says how many there were.
    }

    private static Result RunWithKills(ProcessingGuarantee guarantee, int seed)
    {
        var directory = TestApp.NewDirectory();
        try
        {
            using (var app = new TestApp(Model, directory: directory))
            {
                app.Send(sender =>
                {
                    for (var i = 0; i < Events; i++)
                    {
                        sender.Send(CrashEvents.Definition, i % Keys, new CountedEvent(i, i % Keys), DateTimeOffset.UnixEpoch.AddSeconds(i));
                    }
                });
            }

            var random = new Random(seed);
            var kills = 0;
            var abortedAtRestart = 0;
            var restartsWithAborts = 0;
            var started = Stopwatch.StartNew();
            // Bounded: at most 3 attempts per kill (an attempt that finds the input processed ends the loop).
            for (var attempt = 0; attempt < Kills * 3 && kills < Kills; attempt++)
            {
                using var worker = ChildWorker.Start(directory, CrashEvents.Definition.Name, exitWhenIdle: true, settings: null, "--guarantee", guarantee.ToString());
                worker.WaitUntilProcessing(TimeSpan.FromSeconds(60));
                abortedAtRestart += worker.RecoveredAborts;
                restartsWithAborts += worker.RecoveredAborts > 0 ? 1 : 0;
                // Kill after a random 5,000-20,000 events processed (so the worker is well into processing, whatever its
                // start-up time), at a random moment within a commit interval.
                var progress = random.Next(1, 5);
                worker.WaitForProgress(progress, TimeSpan.FromSeconds(60));
                Thread.Sleep(random.Next(0, 60));
                if (worker.HasExited)
                {
                    break; // It finished the input: nothing left to kill it in.
                }

                worker.Kill();
                kills++;
                Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), "The killed worker did not exit.");
            }

            var killing = started.Elapsed;
            using (var last = ChildWorker.Start(directory, CrashEvents.Definition.Name, exitWhenIdle: true, settings: null, "--guarantee", guarantee.ToString()))
            {
                Assert.True(last.WaitForExit(TimeSpan.FromMinutes(3)), "The final worker did not finish within 3 minutes.");
                Assert.True(last.ExitCode == 0, $"The final worker exited with {last.ExitCode}. Output:\n{last.Output}");
                abortedAtRestart += last.RecoveredAborts;
                restartsWithAborts += last.RecoveredAborts > 0 ? 1 : 0;
            }

            using var check = new TestApp(Model, directory: directory);
            var result = Verify(check, guarantee, kills);
            return result with
            {
                Report = result.Report +
                    $"\ntransaction records aborted by recovery: {abortedAtRestart} partition range(s), after {restartsWithAborts} of {kills} kills (kills that left durable records of an open transaction; a kill before its records were flushed leaves nothing to abort)" +
                    $"\nkilling took {killing.TotalSeconds:F1} s, the whole run {started.Elapsed.TotalSeconds:F1} s",
            };
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static readonly AppModel Model = new([CrashEvents.Definition, CrashForwarded.Definition], [CrashCounts.Definition, CrashDaily.Definition], [CountAndForward.Definition]);

    /// <summary>Recomputes the expected table and outputs from the input and compares them with what is committed.</summary>
    private static Result Verify(TestApp check, ProcessingGuarantee guarantee, int kills)
    {
        // Expected: event i counts under key i % Keys; it is that key's (i / Keys + 1)-th event.
        var counts = check.ReadTable(CrashCounts.Definition);
        const long PerKey = Events / Keys;
        var missingCounts = counts.Count(e => e.Value < PerKey) + (Keys - counts.Count);
        var overCounted = counts.Where(e => e.Value > PerKey).Sum(e => e.Value - PerKey);

        var seen = new int[Events];
        long records = 0;
        long wrong = 0;
        var batch = new RecordBatch();
        var codec = CrashForwarded.Definition.ValueCodec;
        for (var partition = 0; partition < CrashForwarded.Definition.Partitions; partition++)
        {
            using var reader = check.Runtime.Transport.OpenReader(new TopicPartition(CrashForwarded.Definition.Name, partition), Offsets.Beginning);
            while (reader.Fetch(batch, 4096, TimeSpan.Zero, CancellationToken.None))
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    var forwarded = codec.Read(batch.ValueOf(in batch[i]));
                    records++;
                    if (forwarded.Seq is < 0 or >= Events)
                    {
                        wrong++;
                        continue;
                    }

                    seen[forwarded.Seq]++;
                    var expectedCount = (forwarded.Seq / Keys) + 1;
                    if (forwarded.Key != forwarded.Seq % Keys
                        || (guarantee == ProcessingGuarantee.ExactlyOnce && forwarded.CountAfter != expectedCount))
                    {
                        wrong++;
                    }
                }
            }
        }

        var (windows, underWindows, overWindows, windowedTotal) = VerifyWindows(check);
        var wrongWindows = underWindows + overWindows;
        var missingOutputs = seen.Count(n => n == 0);
        var duplicateOutputs = seen.Where(n => n > 1).Sum(n => (long)n - 1);
        var report =
            $"{guarantee}: kills: {kills}; events: {Events:N0} over {Keys:N0} keys\n" +
            $"table 'crash-counts': {counts.Count:N0} keys, {counts.Values.Sum():N0} counted (expected {Events:N0}); keys under-counted: {missingCounts}; over-counted by {overCounted:N0}\n" +
            $"topic 'crash-forwarded' (read committed): {records:N0} records (expected {Events:N0}); missing: {missingOutputs:N0}; duplicates: {duplicateOutputs:N0}; wrong: {wrong:N0}\n" +
            $"windowed table 'crash-daily': {windows:N0} (key, day) windows, {windowedTotal:N0} counted (expected {Events:N0}); under-counted windows: {underWindows:N0}; over-counted windows: {overWindows:N0}\n" +
            (missingCounts == 0 && overCounted == 0 && missingOutputs == 0 && duplicateOutputs == 0 && wrong == 0 && records == Events && wrongWindows == 0
                ? "comparison: EQUAL to an uninterrupted run"
                : "comparison: DIFFERS from an uninterrupted run");
        return new Result(kills, counts.Count, missingCounts, overCounted, records, missingOutputs, duplicateOutputs, wrong, underWindows, overWindows, report);
    }

    /// <summary>
    /// Expected: event i (time: epoch + i seconds) counts under key i % Keys in the day i / 86,400. Returns the windows
    /// found, how many (key, day) windows are missing, extra or have another count, and the sum of all windows.
    /// </summary>
    private static (int Windows, int Under, int Over, long Total) VerifyWindows(TestApp check)
    {
        const long Day = 86_400;
        var expected = new Dictionary<(long Key, long Day), long>();
        for (long i = 0; i < Events; i++)
        {
            var slot = (i % Keys, i / Day);
            expected[slot] = expected.GetValueOrDefault(slot) + 1;
        }

        var actual = new Dictionary<(long Key, long Day), long>();
        var shards = check.Runtime.ReadTable(CrashDaily.Definition, CancellationToken.None);
        try
        {
            foreach (var shard in shards)
            {
                var table = (CrashDaily)shard.Table;
                for (long key = 0; key < Keys; key++)
                {
                    foreach (var window in table.Windows(key))
                    {
                        actual[(key, window.StartMs / 1000 / Day)] = window.Value;
                    }
                }
            }
        }
        finally
        {
            foreach (var shard in shards)
            {
                shard.Dispose();
            }
        }

        var under = expected.Count(e => actual.GetValueOrDefault(e.Key) < e.Value);
        var over = expected.Count(e => actual.GetValueOrDefault(e.Key) > e.Value) + actual.Keys.Count(k => !expected.ContainsKey(k));
        return (actual.Count, under, over, actual.Values.Sum());
    }

    private sealed record Result(int Kills, int KeysCounted, int MissingCounts, long OverCounted, long OutputRecords,
        int MissingOutputs, long DuplicateOutputs, long WrongOutputs, int UnderCountedWindows, int OverCountedWindows, string Report);
}
