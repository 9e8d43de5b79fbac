using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.EndToEnd.Worker;
using Faustish.Hosting;
using Faustish.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faustish.EndToEnd.Tests;

/// <summary>
/// Tools next to a running worker on the embedded log: the worker owns the data directory; <c>send</c> hands records to
/// it and <c>table</c>/<c>topic read</c> read what it committed, instead of being refused.
/// </summary>
public sealed class SharedDataDirectoryTests : IDisposable
{
    private readonly string _directory = TestApp.NewDirectory();

    [Fact]
    public async Task Send_and_table_run_while_a_worker_runs_the_records_are_processed_and_every_read_is_a_committed_state()
    {
        using (new TestApp(TestApp.CommandsModel, directory: _directory))
        {
            // Creates the topics; the worker below owns the directory from then on.
        }

        using var worker = ChildWorker.Start(_directory, "account-commands", exitWhenIdle: false);
        worker.WaitUntilProcessing(TimeSpan.FromSeconds(60), partitions: 2);

        // Two keys of one partition, always deposited to together, in one flush: a committed state has them equal.
        var keys = Enumerable.Range(0, 50).Select(i => $"pair-{i}").GroupBy(k => Routing.KafkaPartitioner.Partition(System.Text.Encoding.UTF8.GetBytes(k), 2)).First().Take(2).ToArray();
        var options = new FaustishOptions { AppId = "e2e", DataDirectory = _directory };
        options.Validate("e2e");
        await using var tool = new FaustishRuntime(options, TestApp.CommandsModel, NullLoggerFactory.Instance, Transports.OpenForTools);
        const int Rounds = 15;
        for (var round = 1; round <= Rounds; round++)
        {
            var sender = tool.CreateSender();
            using (var producer = sender.Producer)
            {
                sender.Send(AccountCommands.Definition, keys[0], new AccountCommand("deposit", 1));
                sender.Send(AccountCommands.Definition, keys[1], new AccountCommand("deposit", 1));
                producer.Flush(CancellationToken.None);
            }

            var (sendCode, sendError) = await Cli(new StringWriter(), "send", "account-commands", "--key", "solo", "--value", """{"action":"deposit","amount":2}""");
            Assert.True(sendCode == 0, sendError);

            var table = await Table();
            Assert.Equal(table.GetValueOrDefault(keys[0]), table.GetValueOrDefault(keys[1]));
            Assert.InRange(table.GetValueOrDefault(keys[0]), 0, round);
            Assert.InRange(table.GetValueOrDefault("solo"), 0, 2 * round);
        }

        // Everything sent is processed by the running worker.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var final = await Table();
        while ((final.GetValueOrDefault(keys[0]) != Rounds || final.GetValueOrDefault("solo") != 2 * Rounds) && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
            final = await Table();
        }

        Assert.Equal(Rounds, final.GetValueOrDefault(keys[0]));
        Assert.Equal(Rounds, final.GetValueOrDefault(keys[1]));
        Assert.Equal(2 * Rounds, final.GetValueOrDefault("solo"));
        Assert.False(worker.HasExited, worker.Output);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_directory, "inbox"), "*.records"));
    }

    [Fact]
    public async Task Topic_read_follow_prints_records_sent_by_another_command_until_cancelled()
    {
        using (new TestApp(TestApp.CommandsModel, directory: _directory))
        {
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = new LineWriter();
        // The reader owns the directory here; the sends hand their records to it.
        var reading = FaustishApp.RunAsync(["topic", "read", "account-commands", "--from-end", "--follow", "--app", "e2e", "--data-dir", _directory],
            TestApp.CommandsModel, output: output, cancellationToken: stop.Token);
        await output.WaitFor(_ => IsHeld(_directory), TimeSpan.FromSeconds(30));

        for (var i = 1; i <= 3; i++)
        {
            var (code, error) = await Cli(new StringWriter(), "send", "account-commands", "--key", "acct-1", "--value", $$"""{"action":"deposit","amount":{{i}}}""");
            Assert.True(code == 0, error);
        }

        await output.WaitFor(lines => lines.Count(l => l.Contains("key=acct-1", StringComparison.Ordinal)) == 3, TimeSpan.FromSeconds(30));
        stop.Cancel();
        Assert.Equal(0, await reading.WaitAsync(TimeSpan.FromSeconds(30)));
        var lines = output.Lines();
        Assert.Equal(3, lines.Count);
        Assert.EndsWith("""value={"action":"deposit","amount":3}""", lines[2], StringComparison.Ordinal);
    }

    /// <summary>Whether a transport holds the data directory (its lock file cannot be opened exclusively).</summary>
    private static bool IsHeld(string directory)
    {
        try
        {
            using var probe = new FileStream(Path.Combine(directory, "faustish.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<Dictionary<string, long>> Table()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        // --committed: this test checks that every read is a committed state (without it, the running worker answers from live state).
        var code = await FaustishApp.RunAsync(["table", "balances", "--committed", "--app", "e2e", "--data-dir", _directory], TestApp.CommandsModel, output: output, error: error)
            .WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(code == 0, error.ToString());
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .ToDictionary(f => f[0], f => long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<(int Code, string Error)> Cli(TextWriter output, params string[] args)
    {
        var error = new StringWriter();
        var code = await FaustishApp.RunAsync([.. args, "--app", "e2e", "--data-dir", _directory], TestApp.CommandsModel, output: output, error: error)
            .WaitAsync(TimeSpan.FromMinutes(1));
        return (code, error.ToString());
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>A thread-safe writer whose lines tests can wait for.</summary>
    private sealed class LineWriter : TextWriter
    {
        private readonly System.Text.StringBuilder _text = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public List<string> Lines()
        {
            lock (_text)
            {
                return [.. _text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];
            }
        }

        public async Task WaitFor(Func<List<string>, bool> condition, TimeSpan timeout)
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!condition(Lines()))
            {
                if (waited.Elapsed > timeout)
                {
                    throw new TimeoutException($"Waited {timeout} in vain. Output so far:\n{string.Join('\n', Lines())}");
                }

                await Task.Delay(20);
            }
        }
    }
}
