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
                using var worker = StartWorker(directory);
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

            using (var last = StartWorker(directory))
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

    private static WorkerProcess StartWorker(string directory)
    {
        var workerDll = typeof(Clicks).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { workerDll, "worker", "--exit-when-idle", "--app", "e2e", "--data-dir", directory },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["Faustish__CommitInterval"] = "00:00:00.050";
        start.Environment["Faustish__MaxBatchSize"] = "500";
        return new WorkerProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start the worker process."));
    }

    /// <summary>A child worker whose output is drained as it comes, so it never blocks on a full pipe.</summary>
    private sealed class WorkerProcess : IDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();
        private readonly ManualResetEventSlim _started = new();

        public WorkerProcess(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) => Observe(e.Data);
            _process.ErrorDataReceived += (_, e) => Observe(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.ExitCode;

        /// <summary>Waits until the worker took its first partition (it restored its tables and is processing).</summary>
        public void WaitUntilProcessing(TimeSpan timeout)
        {
            if (!_started.Wait(timeout) && !_process.HasExited)
            {
                throw new TimeoutException($"The worker did not take a partition within {timeout}. Output so far:\n{Output}");
            }
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public void Kill() => _process.Kill(entireProcessTree: true); // SIGKILL on Linux: no commit, no cleanup.

        public bool WaitForExit(TimeSpan timeout)
        {
            if (!_process.WaitForExit(timeout))
            {
                return false;
            }

            _process.WaitForExit(); // Flushes the redirected output.
            return true;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
            _started.Dispose();
        }

        private void Observe(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }

            if (line.Contains("took clicks[", StringComparison.Ordinal))
            {
                _started.Set();
            }
        }
    }
}
