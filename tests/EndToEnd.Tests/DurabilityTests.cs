using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Faustish.EndToEnd.Worker;
using Xunit.Abstractions;

namespace Faustish.EndToEnd.Tests;

/// <summary>
/// A worker in a child process is killed with SIGKILL while it processes; after restarts, every committed input
/// was processed at least once and the table holds at least the count of every input: nothing committed is lost.
/// </summary>
public sealed class DurabilityTests(ITestOutputHelper output)
{
    private const int Users = 1_000;
    private const int Events = 300_000;
    private const int Kills = 5;

    [Fact]
    public void A_worker_killed_with_SIGKILL_loses_nothing_committed()
    {
        var directory = TestApp.NewDirectory();
        try
        {
            using (var seed = new TestApp(TestApp.ClicksModel, directory: directory))
            {
                seed.Send(sender =>
                {
                    for (var i = 0; i < Events; i++)
                    {
                        sender.Send(Clicks.Definition, i % Users, new Click(i % Users, i % 7, DateTimeOffset.UnixEpoch.AddSeconds(i)));
                    }
                });
            }

            var random = new Random(20261126);
            var killed = 0;
            for (var round = 0; round < Kills; round++)
            {
                using var worker = ChildWorker.Start(directory, Clicks.Definition.Name);
                // Let it restore and get going, then kill it at a random moment of its processing.
                worker.WaitUntilProcessing(TimeSpan.FromSeconds(60));
                Thread.Sleep(random.Next(50, 400));
                if (!worker.HasExited)
                {
                    worker.Kill();
                    killed++;
                }

                Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), "The killed worker did not exit.");
            }

            using (var last = ChildWorker.Start(directory, Clicks.Definition.Name))
            {
                Assert.True(last.WaitForExit(TimeSpan.FromMinutes(3)), "The final worker did not finish within 3 minutes.");
                Assert.True(last.ExitCode == 0, $"The final worker exited with {last.ExitCode}. Output:\n{last.Output}");
            }

            using var check = new TestApp(TestApp.ClicksModel, directory: directory);
            var counts = check.ReadTable(ClicksPerUser.Definition);
            var expected = Events / Users;
            var missing = Enumerable.Range(0, Users).Where(user => counts.GetValueOrDefault(user) < expected).ToList();
            var total = counts.Values.Sum();
            output.WriteLine($"kills: {killed}; events: {Events:N0}; counted: {total:N0}; duplicates (at-least-once): {total - Events:N0}");
            Assert.True(killed >= 1, "No worker was killed while running.");
            Assert.Empty(missing);
            Assert.Equal(Users, counts.Count);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
