using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;

namespace Faustish.Tests.Kafka;

/// <summary>A deposit to an account (the app of <see cref="KafkaCliTests"/>).</summary>
public sealed record Deposit(long Amount);

[Topic("deposits", Partitions = 2)]
public sealed partial class Deposits : Topic<string, Deposit>;

[Table("balances")]
public sealed partial class DepositBalances : Table<string, long>;

[Agent(typeof(Deposits))]
public sealed partial class ApplyDeposits(DepositBalances balances)
{
    public void Process(string account, Deposit deposit) => balances.Increment(account, deposit.Amount);
}

/// <summary>The command line of an app on Kafka (<c>--broker kafka://…</c>): send, worker, table, agents, tables.</summary>
public sealed class KafkaCliTests : IDisposable
{
    private static readonly AppModel Model = new([Deposits.Definition], [DepositBalances.Definition], [ApplyDeposits.Definition]);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-kafka-cli-" + Guid.NewGuid().ToString("N"));
    private readonly MockKafkaCluster _cluster = MockKafkaCluster.Start();

    public KafkaCliTests()
    {
        // The mock cluster answers no CreateTopics: the app's topics exist before it starts, as an operator may create them.
        _cluster.CreateTopic("deposits", 2);
        _cluster.CreateTopic("bank-balances-changelog", 2);
        _cluster.CreateTopic("bank-dead-letters", 1);
        _cluster.CreateAssignmentBoard("bank");
    }

    [Fact]
    public async Task Send_then_worker_then_table_shows_the_state_rebuilt_from_the_kafka_changelog()
    {
        var (code, output, error) = await Run("send", "deposits", "--key", "acct-9", "--value", """{"amount":40}""");
        Assert.True(code == 0, error);
        Assert.StartsWith("sent to deposits[", output, StringComparison.Ordinal);
        Assert.Equal(0, (await Run("send", "deposits", "--key", "acct-9", "--value", """{"amount":2}""")).Code);
        Assert.Equal(0, (await Run("send", "deposits", "--key", "acct-1", "--value", """{"amount":7}""")).Code);

        using var stop = new CancellationTokenSource();
        var worker = Task.Run(() => FaustishApp.RunAsync(Args("worker"), Model, output: TextWriter.Null, error: TextWriter.Null, cancellationToken: stop.Token));
        try
        {
            // The worker commits (and so writes the changelog) every second; read the table until it shows the sum.
            var clock = Stopwatch.StartNew();
            string shown;
            do
            {
                (code, shown, _) = await Run("table", "balances", "acct-9");
                if (code == 0 && shown.Trim() == "42")
                {
                    break;
                }

                Assert.False(worker.IsCompleted, "the worker stopped early");
                await Task.Delay(200);
            }
            while (clock.Elapsed < KafkaTestCluster.Bound);

            Assert.Equal("42", shown.Trim());
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await worker.WaitAsync(KafkaTestCluster.Bound));
        (code, output, _) = await Run("table", "balances");
        Assert.Equal(0, code);
        Assert.Equal(["acct-1\t7", "acct-9\t42"], output.Trim().Split('\n').Select(l => l.TrimEnd('\r')));
        (code, _, error) = await Run("table", "balances", "nobody");
        Assert.Equal(1, code);
        Assert.Contains("'nobody' is not in table 'balances'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agents_and_tables_list_the_app_and_a_bad_broker_says_what_to_write()
    {
        var (code, agents, _) = await Run("agents");
        Assert.Equal(0, code);
        Assert.Contains("topic=deposits partitions=2", agents, StringComparison.Ordinal);
        Assert.Contains("group=", agents, StringComparison.Ordinal);

        (code, var tables, _) = await Run("tables");
        Assert.Equal(0, code);
        Assert.Contains("changelog=bank-balances-changelog", tables, StringComparison.Ordinal);

        var error = new StringWriter();
        code = await FaustishApp.RunAsync(["table", "balances", "--app", "bank", "--data-dir", _directory, "--broker", "kafka:/nowhere"], Model,
            output: TextWriter.Null, error: error).WaitAsync(KafkaTestCluster.Bound);
        Assert.Equal(2, code);
        Assert.Contains("Broker 'kafka:/nowhere' is not valid", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("kafka://host:9092", error.ToString(), StringComparison.Ordinal);
    }

    private string[] Args(params string[] args) => [.. args, "--app", "bank", "--data-dir", _directory, "--broker", "kafka://" + _cluster.BootstrapServers];

    private async Task<(int Code, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await FaustishApp.RunAsync(Args(args), Model, output: output, error: error).WaitAsync(KafkaTestCluster.Bound);
        return (code, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        _cluster.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
