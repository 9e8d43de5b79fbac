using System;
using System.Linq;
using System.Text;
using System.Threading;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Transport;

namespace Faustish.EndToEnd.Tests;

/// <summary>Bad records go to the dead-letter topic with the reason in their headers; the records around them are processed.</summary>
public sealed class DeadLetterTests
{
    [Fact]
    public void One_malformed_record_among_1000_is_dead_lettered_and_the_other_999_are_counted()
    {
        using var app = new TestApp(TestApp.CommandsModel);
        var valueCodec = AccountCommands.Definition.ValueCodec;
        app.Send(sender =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                if (i == 500)
                {
                    // Truncated JSON, as a broken producer might write it.
                    var key = Encoding.UTF8.GetBytes("acct-7");
                    var partition = Routing.KafkaPartitioner.Partition(key, 2);
                    sender.Producer.Produce(new TopicPartition("account-commands", partition), key, false,
                        Encoding.UTF8.GetBytes("{\"action\":\"deposit\",\"amount\":"), false, 0);
                    continue;
                }

                sender.Send(AccountCommands.Definition, $"acct-{i % 10}", new AccountCommand("deposit", 1));
            }
        });

        app.RunUntil(1_000);

        var balances = app.ReadTable(Balances.Definition);
        Assert.Equal(999, balances.Values.Sum());

        var deadLetters = ReadAll(app, new TopicPartition("e2e-dead-letters", 0));
        var letter = Assert.Single(deadLetters);
        Assert.Equal("acct-7", Encoding.UTF8.GetString(letter.Key));
        Assert.Equal("{\"action\":\"deposit\",\"amount\":", Encoding.UTF8.GetString(letter.Value));
        Assert.Equal("account-commands", letter.Header(RecordFailureHandler.Headers.Topic));
        Assert.Equal("decode", letter.Header(RecordFailureHandler.Headers.Stage));
        Assert.Equal("apply-commands", letter.Header(RecordFailureHandler.Headers.Agent));
        Assert.False(string.IsNullOrWhiteSpace(letter.Header(RecordFailureHandler.Headers.Reason)));
        Assert.Equal(Routing.KafkaPartitioner.Partition(Encoding.UTF8.GetBytes("acct-7"), 2).ToString(System.Globalization.CultureInfo.InvariantCulture),
            letter.Header(RecordFailureHandler.Headers.Partition));

        // The offset header is the record's offset in its partition: reading from there gives the bad record back.
        var offset = long.Parse(letter.Header(RecordFailureHandler.Headers.Offset), System.Globalization.CultureInfo.InvariantCulture);
        var source = new TopicPartition("account-commands", int.Parse(letter.Header(RecordFailureHandler.Headers.Partition), System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(offset, 0, 499);
        using var reader = app.Runtime.Transport.OpenReader(source, offset);
        var batch = new RecordBatch();
        Assert.True(reader.Fetch(batch, 1, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(offset, batch[0].Offset);
        Assert.Equal(letter.Value, batch.ValueOf(batch[0]).ToArray());
    }

    [Fact]
    public void An_agent_exception_stops_the_worker_naming_the_record_and_keeps_the_progress_before_it()
    {
        using var app = new TestApp(TestApp.CommandsModel);
        app.Send(sender =>
        {
            for (var i = 0; i < 100; i++)
            {
                sender.Send(AccountCommands.Definition, "acct-1", new AccountCommand(i == 60 ? "fail" : "deposit", 1));
            }
        });

        var failure = Assert.Throws<AgentFailedException>(() => app.RunUntil(100));
        Assert.Contains("account-commands[", failure.Message, StringComparison.Ordinal);
        Assert.Contains("refused the command", failure.Message, StringComparison.Ordinal);
        Assert.Contains("ErrorPolicy", failure.Message, StringComparison.Ordinal);

        // The 60 deposits before the failing record are committed; nothing after it was applied.
        Assert.Equal(60, app.ReadTable(Balances.Definition)["acct-1"]);
    }

    [Fact]
    public void With_the_dead_letter_policy_an_agent_exception_moves_the_record_aside_and_processing_goes_on()
    {
        using var app = new TestApp(TestApp.CommandsModel, o => o.ErrorPolicy = ErrorPolicy.DeadLetter);
        app.Send(sender =>
        {
            for (var i = 0; i < 100; i++)
            {
                sender.Send(AccountCommands.Definition, "acct-1", new AccountCommand(i % 25 == 0 ? "fail" : "deposit", 1));
            }
        });

        app.RunUntil(100);

        Assert.Equal(96, app.ReadTable(Balances.Definition)["acct-1"]);
        var letters = ReadAll(app, new TopicPartition("e2e-dead-letters", 0));
        Assert.Equal(4, letters.Count);
        Assert.All(letters, l => Assert.Equal("process", l.Header(RecordFailureHandler.Headers.Stage)));
        Assert.All(letters, l => Assert.Equal(typeof(InvalidOperationException).FullName, l.Header(RecordFailureHandler.Headers.ExceptionType)));
    }

    internal static System.Collections.Generic.List<Letter> ReadAll(TestApp app, TopicPartition partition)
    {
        var letters = new System.Collections.Generic.List<Letter>();
        using var reader = app.Runtime.Transport.OpenReader(partition, Offsets.Beginning);
        var batch = new RecordBatch();
        while (reader.Fetch(batch, 1000, TimeSpan.FromMilliseconds(50), CancellationToken.None))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                ref readonly var record = ref batch[i];
                letters.Add(new Letter(batch.KeyOf(in record).ToArray(), batch.ValueOf(in record).ToArray(), batch.HeadersOf(in record)));
            }
        }

        return letters;
    }

    internal sealed record Letter(byte[] Key, byte[] Value, System.Collections.Generic.IReadOnlyList<RecordHeader> Headers)
    {
        public string Header(string name) => Headers.Last(h => h.Name == name).ValueAsString();
    }
}
