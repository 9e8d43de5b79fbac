using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Faustish.Agents;
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

    [Fact]
    public async Task Send_parses_every_value_as_json_so_a_string_is_stored_without_its_quotes()
    {
        var profiles = new AppModel([Profiles.Definition], [], []);
        Assert.Equal(0, (await RunCapturing(profiles, "send", "profiles", "--key", "7", "--value", "\"the quick\"")).Code);

        // Bare text is not JSON: refused with the quoted spelling to use instead.
        var (code, _, error) = await RunCapturing(profiles, "send", "profiles", "--key", "7", "--value", "the quick");
        Assert.Equal(2, code);
        Assert.Contains("'\"the quick\"'", error, StringComparison.Ordinal);

        var stored = Assert.Single(ReadTopic(profiles, "profiles"));
        Assert.Equal("the quick", System.Text.Encoding.UTF8.GetString(stored.Value));
    }

    [Theory]
    [InlineData("""{"action":"deposit"}""", "$.amount", "required member 'amount' is missing")]
    [InlineData("""{"amount":3}""", "$.action", "required member 'action' is missing")]
    [InlineData("""{"action":null,"amount":3}""", "$.action", "not nullable")]
    [InlineData("""{"action":"deposit","amount":3,"amout":4}""", "$.amout", "has no member 'amout'")]
    public async Task Send_refuses_a_value_the_app_could_not_use_naming_the_member(string value, string path, string reason)
    {
        var (code, _, error) = await RunCapturing(TestApp.CommandsModel, "send", "account-commands", "--key", "a", "--value", value);

        Assert.Equal(2, code);
        Assert.Contains(path, error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_directory, "topics", "account-commands")) && ReadTopic().Count > 0, "nothing was sent");
    }

    [Fact]
    public async Task Send_without_a_key_spreads_records_over_every_partition()
    {
        var partitions = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var (code, output, _) = await RunCapturing(TestApp.CommandsModel, "send", "account-commands", "--value", """{"action":"deposit","amount":1}""");
            Assert.Equal(0, code);
            partitions.Add(output.Trim());
        }

        Assert.Equal(["sent to account-commands[0]", "sent to account-commands[1]", "sent to account-commands[0]", "sent to account-commands[1]"], partitions);
        Assert.All(ReadTopic(), record => Assert.Null(record.Key));
    }

    [Fact]
    public async Task Topic_read_prints_decoded_records_and_raw_bytes_for_those_that_do_not_decode()
    {
        using (var app = new TestApp(TestApp.CommandsModel, directory: _directory))
        {
            app.Send(sender =>
            {
                sender.Send(AccountCommands.Definition, "acct-1", new AccountCommand("deposit", 5));
                sender.Producer.Produce(new Transport.TopicPartition("account-commands", Routing.KafkaPartitioner.Partition("acct-1"u8.ToArray(), 2)),
                    "acct-1"u8, false, "{\"action\":"u8, false, 0);
            });
        }

        var (code, output, _) = await RunCapturing(TestApp.CommandsModel, "topic", "read", "account-commands");
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^account-commands\[\d\]@0 \S+ key=acct-1 value=\{""action"":""deposit"",""amount"":5\}", lines[0]);
        Assert.Contains("@1 ", lines[1], StringComparison.Ordinal);
        Assert.Contains("value=hex:" + Convert.ToHexStringLower("{\"action\":"u8), lines[1], StringComparison.Ordinal);
        Assert.Contains("does not decode as AccountCommand", lines[1], StringComparison.Ordinal);

        (_, output, _) = await RunCapturing(TestApp.CommandsModel, "topic", "read", "account-commands", "--from-offset", "1", "--bytes", "Base64");
        Assert.Contains("value=base64:" + Convert.ToBase64String("{\"action\":"u8), Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);

        (_, output, _) = await RunCapturing(TestApp.CommandsModel, "topic", "read", "account-commands", "--limit", "1");
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Dead_letters_are_listed_with_their_headers_and_replayed_once_onto_their_source()
    {
        var outageKey = "acct-2"u8.ToArray();
        var outagePartition = Routing.KafkaPartitioner.Partition(outageKey, 2);
        using (var app = new TestApp(TestApp.CommandsModel, directory: _directory))
        {
            app.Send(sender =>
            {
                sender.Send(AccountCommands.Definition, "acct-1", new AccountCommand("deposit", 10));
                sender.Send(AccountCommands.Definition, "acct-1", new AccountCommand("fail", 1));
                // A letter whose cause has since gone away (as a timeout in a dependency would be): replayed, it is processed.
                sender.Producer.Produce(new Transport.TopicPartition("e2e-dead-letters", 0), outageKey, false, """{"action":"deposit","amount":7}"""u8, false, 1_000,
                [
                    Transport.RecordHeader.Utf8("trace", "t-1"),
                    Transport.RecordHeader.Utf8(RecordFailureHandler.Headers.Topic, "account-commands"),
                    Transport.RecordHeader.Utf8(RecordFailureHandler.Headers.Partition, outagePartition.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    Transport.RecordHeader.Utf8(RecordFailureHandler.Headers.Offset, "0"),
                    Transport.RecordHeader.Utf8(RecordFailureHandler.Headers.Agent, "apply-commands"),
                    Transport.RecordHeader.Utf8(RecordFailureHandler.Headers.Stage, "process"),
                    Transport.RecordHeader.Utf8(RecordFailureHandler.Headers.Reason, "The ledger did not answer in time."),
                ]);
            });
        }

        Assert.Equal(0, await Run("worker", "--exit-when-idle", "--error-policy", "DeadLetter"));

        var (code, list, _) = await RunCapturing(TestApp.CommandsModel, "dead-letters", "list");
        Assert.Equal(0, code);
        var acct1Partition = Routing.KafkaPartitioner.Partition("acct-1"u8.ToArray(), 2);
        Assert.Contains("e2e-dead-letters[0]@0 ", list, StringComparison.Ordinal);
        Assert.Contains("reason=The ledger did not answer in time.", list, StringComparison.Ordinal);
        Assert.Contains($"topic=account-commands partition={acct1Partition} offset=1 agent=apply-commands stage=process reason=Account acct-1 refused the command.", list, StringComparison.Ordinal);
        Assert.Contains("""key=acct-1 value={"action":"fail","amount":1}""", list, StringComparison.Ordinal);

        var (_, replay, _) = await RunCapturing(TestApp.CommandsModel, "dead-letters", "replay");
        Assert.Contains("Replayed 2 dead letter(s). The next replay starts at e2e-dead-letters[0]@2.", replay, StringComparison.Ordinal);
        (_, replay, _) = await RunCapturing(TestApp.CommandsModel, "dead-letters", "replay");
        Assert.Contains("Replayed 0 dead letter(s).", replay, StringComparison.Ordinal);

        Assert.Equal(0, await Run("worker", "--exit-when-idle", "--error-policy", "DeadLetter"));
        Assert.Equal(0, await Run("dead-letters", "replay", "--dry-run"));

        // The outage letter went back with its original bytes and headers and was processed once; the failing command
        // failed again and is a new dead letter, after the replay mark.
        Assert.Equal("7", (await RunCapturing(TestApp.CommandsModel, "table", "balances", "acct-2")).Output.Trim());
        Assert.Equal("10", (await RunCapturing(TestApp.CommandsModel, "table", "balances", "acct-1")).Output.Trim());
        var replayed = ReadTopic().Where(r => r.Headers.Any(h => h.Name == "faustish.replayed.from")).ToList();
        Assert.Equal(2, replayed.Count);
        var outage = Assert.Single(replayed, r => r.Key is not null && r.Key.SequenceEqual(outageKey));
        Assert.Equal("""{"action":"deposit","amount":7}""", System.Text.Encoding.UTF8.GetString(outage.Value));
        Assert.Equal(1_000, outage.TimestampMs);
        Assert.Equal(["trace", "faustish.replayed.from"], outage.Headers.Select(h => h.Name));
        Assert.Equal("e2e-dead-letters[0]@0", outage.Headers[1].ValueAsString());

        (_, list, _) = await RunCapturing(TestApp.CommandsModel, "dead-letters", "list");
        Assert.Contains("e2e-dead-letters[0]@0 replayed", list, StringComparison.Ordinal);
        Assert.Contains("e2e-dead-letters[0]@1 replayed", list, StringComparison.Ordinal);
        Assert.Matches(@"e2e-dead-letters\[0\]@2 \d{4}-\d\d-\d\dT\S+ topic=account-commands .* reason=Account acct-1 refused the command\.", list);
    }

    private List<(byte[]? Key, byte[] Value, long TimestampMs, IReadOnlyList<Transport.RecordHeader> Headers)> ReadTopic() =>
        ReadTopic(TestApp.CommandsModel, "account-commands");

    private List<(byte[]? Key, byte[] Value, long TimestampMs, IReadOnlyList<Transport.RecordHeader> Headers)> ReadTopic(AppModel model, string topic)
    {
        var records = new List<(byte[]? Key, byte[] Value, long TimestampMs, IReadOnlyList<Transport.RecordHeader> Headers)>();
        using var app = new TestApp(model, directory: _directory);
        for (var partition = 0; partition < app.Runtime.Transport.GetPartitionCount(topic); partition++)
        {
            using var reader = app.Runtime.Transport.OpenReader(new Transport.TopicPartition(topic, partition), Transport.Offsets.Beginning);
            var batch = new Transport.RecordBatch();
            while (reader.Fetch(batch, 1000, TimeSpan.FromMilliseconds(50), System.Threading.CancellationToken.None))
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    ref readonly var record = ref batch[i];
                    records.Add((record.KeyIsNull ? null : batch.KeyOf(in record).ToArray(), batch.ValueOf(in record).ToArray(), record.TimestampMs, batch.HeadersOf(in record)));
                }
            }
        }

        return records;
    }

    private async Task<(int Code, string Output, string Error)> RunCapturing(AppModel model, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await FaustishApp.RunAsync([.. args, "--app", "e2e", "--data-dir", _directory], model, output: output, error: error)
            .WaitAsync(TimeSpan.FromMinutes(1));
        return (code, output.ToString(), error.ToString());
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
