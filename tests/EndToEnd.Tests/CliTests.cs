using System;
using System.IO;
using System.Threading.Tasks;
using Faustish.EndToEnd.Worker;

namespace Faustish.EndToEnd.Tests;

/// <summary>The command line every app gets: send, worker, table, agents, tables.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _directory = TestApp.NewDirectory();

    [Fact]
    public async Task Send_then_worker_then_table_shows_the_state()
    {
        Assert.Equal(0, await Run("send", "account-commands", "--key", "acct-9", "--value", """{"action":"deposit","amount":40}"""));
        Assert.Equal(0, await Run("send", "account-commands", "--key", "acct-9", "--value", """{"Action":"deposit","Amount":"2"}"""));
        Assert.Equal(0, await Run("worker", "--exit-when-idle"));

        var (code, output) = await RunCapturing("table", "balances", "acct-9");
        Assert.Equal(0, code);
        Assert.Equal("42", output.Trim());

        (code, output) = await RunCapturing("table", "balances");
        Assert.Equal(0, code);
        Assert.Equal("acct-9\t42", output.Trim());
    }

    [Fact]
    public async Task Send_rejects_a_value_that_does_not_match_the_topic_type_naming_the_member()
    {
        var error = new StringWriter();
        Assert.Equal(2, await Run(error, "send", "account-commands", "--key", "a", "--value", """{"action":"deposit","amount":"lots"}"""));
        Assert.Equal(2, await Run(error, "send", "no-such-topic", "--key", "a", "--value", "{}"));

        Assert.Contains("$.amount", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("There is no topic 'no-such-topic'", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agents_and_tables_list_what_the_app_declares()
    {
        var (code, agents) = await RunCapturing("agents");
        Assert.Equal(0, code);
        Assert.Contains("apply-commands", agents, StringComparison.Ordinal);
        Assert.Contains("topic=account-commands partitions=2", agents, StringComparison.Ordinal);

        var (_, tables) = await RunCapturing("tables");
        Assert.Contains("balances", tables, StringComparison.Ordinal);
        Assert.Contains("changelog=e2e-balances-changelog", tables, StringComparison.Ordinal);
    }

    private async Task<int> Run(params string[] args) => (await RunCapturing(args)).Code;

    private async Task<int> Run(TextWriter error, params string[] args) =>
        await FaustishApp.RunAsync([.. args, "--app", "e2e", "--data-dir", _directory], TestApp.CommandsModel, output: TextWriter.Null, error: error)
            .WaitAsync(TimeSpan.FromMinutes(1));

    private async Task<(int Code, string Output)> RunCapturing(params string[] args)
    {
        var output = new StringWriter();
        var code = await FaustishApp.RunAsync([.. args, "--app", "e2e", "--data-dir", _directory], TestApp.CommandsModel, output: output)
            .WaitAsync(TimeSpan.FromMinutes(1));
        return (code, output.ToString());
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
