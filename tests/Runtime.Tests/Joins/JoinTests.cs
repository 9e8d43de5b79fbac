using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Hosting;
using Faustish.Topics;
using Faustish.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Faustish.Tests.Joins;

/// <summary>
/// Each join kind on the embedded log, with exact expected results: the records of both sides are applied in time
/// order across the two topics, late records (after the window and grace) are dropped and counted, unmatched records
/// of left and outer joins get their result once their window closes (not eagerly), and table joins give the new result
/// or a tombstone on every update and delete of either side.
/// </summary>
public sealed class JoinTests : IAsyncDisposable
{
    private const long T0 = 1_700_000_000_000;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-joins-" + Guid.NewGuid().ToString("N"));
    private readonly WorkerThreads _workers = new();
    private FaustishRuntime? _runtime;
    private IReadOnlyList<AgentWorker> _started = [];
    private long _rightPosition = -1;
    private Kafka.MockKafkaCluster? _cluster;

    // Orders (left) and payments (right), as sent: each topic in this order; seconds after T0.
    private static readonly (string Key, string Id, int Second)[] Orders =
        [("k1", "o1", 0), ("k1", "o2", 30), ("k2", "o3", 31), ("k1", "o4-late", 3), ("k1", "o5", 40), ("k3", "o6", 80)];

    private static readonly (string Key, string Id, int Second)[] Payments =
        [("k1", "p1", 5), ("k1", "p2", 25), ("k2", "p3", 50), ("k1", "p4", 38)];

    public static TheoryData<string, string, string[]> WindowedJoins => OnBothTransports(new()
    {
        // o4-late (3 s) comes when stream time is 31 s: past its window's end (13 s) plus grace (5 s), so it is dropped.
        // p4 (38 s) comes out of order at stream time 50 s, within 38 + 10 + 5: it joins o2 and o5.
        { "inner-window-join", ["k1 o1|p1 @5", "k1 o2|p2 @30", "k1 o2|p4 @38", "k1 o5|p4 @40"] },
        // o3 has no partner: its result comes when stream time passes 31 + 10 + 5 (at p3, 50 s), not before.
        // o6 (80 s) closes at 95 s, which stream time never reaches: no result yet.
        { "left-window-join", ["k1 o1|p1 @5", "k1 o2|p2 @30", "k2 o3|- @31", "k1 o2|p4 @38", "k1 o5|p4 @40"] },
        // p3 (50 s) has no partner either: its result comes at o6 (80 s), past 50 + 10 + 5.
        { "outer-window-join", ["k1 o1|p1 @5", "k1 o2|p2 @30", "k2 o3|- @31", "k1 o2|p4 @38", "k1 o5|p4 @40", "k2 -|p3 @50"] },
    });

    [Theory]
    [MemberData(nameof(WindowedJoins))]
    public void A_windowed_stream_stream_join_gives_Kafka_Streams_results(string transport, string agent, string[] expected)
    {
        var runtime = Start(agent, transport);
        var sender = runtime.CreateSender();
        using (var producer = sender.Producer)
        {
            foreach (var (key, id, second) in Orders)
            {
                sender.Send(JOrders.Definition, key, new JOrder(id, 10m), DateTimeOffset.FromUnixTimeMilliseconds(T0 + second * 1000L));
            }

            foreach (var (key, id, second) in Payments)
            {
                sender.Send(JPayments.Definition, key, new JPayment(id, 10m), DateTimeOffset.FromUnixTimeMilliseconds(T0 + second * 1000L));
            }

            producer.Flush(CancellationToken.None);
        }

        RunWorkers();
        var output = OutputOf(agent);
        _workers.WaitFor(() => Read(runtime, output).Count >= expected.Length && CaughtUp(runtime, agent, Orders.Length, Payments.Length), () => $"results so far: {string.Join(", ", Read(runtime, output))}; processed {_started.Sum(w => w.Processed)}, right position {_rightPosition}");
        _workers.StopAll();
        Assert.Equal(expected, Read(runtime, output));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1_000)]
    public void A_windowed_join_gives_the_same_results_whatever_the_batch_size(int maxBatchSize)
    {
        var runtime = Start("outer-window-join", "embedded", maxBatchSize);
        var sender = runtime.CreateSender();
        using (var producer = sender.Producer)
        {
            foreach (var (key, id, second) in Orders)
            {
                sender.Send(JOrders.Definition, key, new JOrder(id, 10m), DateTimeOffset.FromUnixTimeMilliseconds(T0 + second * 1000L));
            }

            foreach (var (key, id, second) in Payments)
            {
                sender.Send(JPayments.Definition, key, new JPayment(id, 10m), DateTimeOffset.FromUnixTimeMilliseconds(T0 + second * 1000L));
            }

            producer.Flush(CancellationToken.None);
        }

        RunWorkers();
        string[] expected = ["k1 o1|p1 @5", "k1 o2|p2 @30", "k2 o3|- @31", "k1 o2|p4 @38", "k1 o5|p4 @40", "k2 -|p3 @50"];
        _workers.WaitFor(() => Read(runtime, JOuterResults.Definition).Count >= expected.Length && CaughtUp(runtime, "outer-window-join", Orders.Length, Payments.Length),
            () => $"results so far: {string.Join(", ", Read(runtime, JOuterResults.Definition))}");
        _workers.StopAll();
        Assert.Equal(expected, Read(runtime, JOuterResults.Definition));
    }

    public static TheoryData<string, string, string[]> TableJoins => OnBothTransports(new()
    {
        // t1 Ann, t2 Oslo, t3 Rome (c2), t4 Bob (c2), t5 Ann B, t6 c1's address deleted, t7 Bob deleted, t8 c2's address deleted.
        { "inner-table-join", ["c1 Ann|Oslo @2", "c2 Bob|Rome @4", "c1 Ann B|Oslo @5", "c1 tombstone @6", "c2 tombstone @7"] },
        { "left-table-join", ["c1 Ann|- @1", "c1 Ann|Oslo @2", "c2 Bob|Rome @4", "c1 Ann B|Oslo @5", "c1 Ann B|- @6", "c2 tombstone @7"] },
        { "outer-table-join", ["c1 Ann|- @1", "c1 Ann|Oslo @2", "c2 -|Rome @3", "c2 Bob|Rome @4", "c1 Ann B|Oslo @5", "c1 Ann B|- @6", "c2 -|Rome @7", "c2 tombstone @8"] },
    });

    /// <summary>Each case on the embedded log and on librdkafka's mock Kafka cluster.</summary>
    private static TheoryData<string, string, string[]> OnBothTransports(TheoryData<string, string[]> cases)
    {
        var data = new TheoryData<string, string, string[]>();
        foreach (var transport in new[] { "embedded", "kafka" })
        {
            foreach (var row in cases)
            {
                data.Add(transport, (string)row[0], (string[])row[1]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TableJoins))]
    public void A_table_table_join_gives_the_new_result_or_a_tombstone_on_every_update_and_delete(string transport, string agent, string[] expected)
    {
        var runtime = Start(agent, transport);
        var sender = runtime.CreateSender();
        using (var producer = sender.Producer)
        {
            DateTimeOffset At(int second) => DateTimeOffset.FromUnixTimeMilliseconds(T0 + second * 1000L);
            sender.Send(JCustomers.Definition, "c1", new JCustomer("Ann"), At(1));
            sender.Send(JCustomers.Definition, "c2", new JCustomer("Bob"), At(4));
            sender.Send(JCustomers.Definition, "c1", new JCustomer("Ann B"), At(5));
            sender.Send(JCustomers.Definition, "c2", null, At(7));
            sender.Send(JAddresses.Definition, "c1", new JAddress("Oslo"), At(2));
            sender.Send(JAddresses.Definition, "c2", new JAddress("Rome"), At(3));
            sender.Send(JAddresses.Definition, "c1", null, At(6));
            sender.Send(JAddresses.Definition, "c2", null, At(8));
            producer.Flush(CancellationToken.None);
        }

        RunWorkers();
        var output = OutputOf(agent);
        _workers.WaitFor(() => Read(runtime, output).Count >= expected.Length && CaughtUp(runtime, agent, 4, 4), () => $"results so far: {string.Join(", ", Read(runtime, output))}; processed {_started.Sum(w => w.Processed)}, right position {_rightPosition}");
        _workers.StopAll();
        Assert.Equal(expected, Read(runtime, output));
    }

    private static TopicDefinition<string, JResult?> OutputOf(string agent) =>
        agent.StartsWith("inner", StringComparison.Ordinal) ? JInnerResults.Definition
        : agent.StartsWith("left", StringComparison.Ordinal) ? JLeftResults.Definition
        : JOuterResults.Definition;

    /// <summary>Runs only <paramref name="agent"/>: the test agents share their topics and outputs.</summary>
    private FaustishRuntime Start(string agent, string transport, int maxBatchSize = 2048)
    {
        var definition = new[]
        {
            InnerWindowJoin.Definition, LeftWindowJoin.Definition, OuterWindowJoin.Definition,
            InnerTableJoin.Definition, LeftTableJoin.Definition, OuterTableJoin.Definition,
        }.Single(a => a.Name == agent);
        var model = new AppModel(
            [JOrders.Definition, JPayments.Definition, JCustomers.Definition, JAddresses.Definition, JInnerResults.Definition, JLeftResults.Definition, JOuterResults.Definition],
            [], [definition]);
        var options = new FaustishOptions
        {
            AppId = "joins",
            DataDirectory = _directory,
            PollTimeout = TimeSpan.FromMilliseconds(20),
            CommitInterval = TimeSpan.FromMilliseconds(100),
            MaxBatchSize = maxBatchSize,
        };
        if (transport == "kafka")
        {
            _cluster = Kafka.MockKafkaCluster.Start();
            _cluster.CreateAssignmentBoard("joins");
            options.Broker = "kafka://" + _cluster.BootstrapServers;
            options.Kafka.Consumer["session.timeout.ms"] = "6000";
            options.Kafka.Consumer["heartbeat.interval.ms"] = "100";
        }

        options.Validate("joins");
        _runtime = new FaustishRuntime(options, model, NullLoggerFactory.Instance);
        foreach (var topic in _runtime.RequiredTopics().Where(t => t.Name != "joins-assignments"))
        {
            _cluster?.CreateTopic(topic.Name, topic.Partitions);
        }

        Assert.True(_runtime.EnsureTopicsAsync(CancellationToken.None).AsTask().Wait(TimeSpan.FromSeconds(30)));
        return _runtime;
    }

    /// <summary>
    /// Starts the agent's workers once both topics hold their records: with MaxTaskIdle 0 a join goes on as soon as one
    /// side has nothing (Kafka Streams does the same), so records written while it runs would race it.
    /// </summary>
    private void RunWorkers()
    {
        _started = _runtime!.CreateWorkers(new ServiceCollection().BuildServiceProvider());
        _workers.Start(_started);
    }

    /// <summary>
    /// Whether the agent has processed every record of both sides and committed it: its own topic's records counted
    /// by its worker, the right side's by the position its join state's changelog holds.
    /// </summary>
    private bool CaughtUp(FaustishRuntime runtime, string agent, int left, int right)
    {
        if (_started.Sum(w => w.Processed) < left)
        {
            return false;
        }

        long position = -1;
        ReadToEnd(runtime, new TopicPartition($"joins-{agent}-join-changelog", 0), (RecordBatch batch, in BatchRecord record) =>
        {
            if (batch.KeyOf(in record) is [(byte)'P'])
            {
                position = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(batch.ValueOf(in record));
            }
        });

        _rightPosition = position;
        return position >= right;
    }

    /// <summary>The output topic's records in order: "key left|right @second", "-" for a missing side.</summary>
    internal static List<string> Read(FaustishRuntime runtime, TopicDefinition<string, JResult?> topic)
    {
        var result = new List<string>();
        ReadToEnd(runtime, new TopicPartition(topic.Name, 0), (RecordBatch batch, in BatchRecord record) =>
        {
            var key = topic.KeyCodec.Read(batch.KeyOf(in record));
            var second = (record.TimestampMs - T0) / 1000;
            if (record.ValueIsNull)
            {
                result.Add($"{key} tombstone @{second}");
                return;
            }

            var value = topic.ValueCodec.Read(batch.ValueOf(in record))!;
            result.Add($"{key} {value.Left ?? "-"}|{value.Right ?? "-"} @{second}");
        });

        return result;
    }

    internal delegate void RecordVisitor(RecordBatch batch, in BatchRecord record);

    /// <summary>Visits a partition's records up to its high watermark (a Kafka reader's fetch may come back empty before that).</summary>
    internal static void ReadToEnd(FaustishRuntime runtime, TopicPartition partition, RecordVisitor visit)
    {
        var (low, end) = runtime.Transport.GetWatermarks(partition);
        Assert.True(low <= 0, $"{partition} starts at {low}, not 0: records were removed");
        using var reader = runtime.Transport.OpenReader(partition, Offsets.Beginning);
        var batch = new RecordBatch();
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (reader.Position < end && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (!reader.Fetch(batch, 1000, TimeSpan.FromMilliseconds(100), CancellationToken.None))
            {
                continue;
            }

            for (var i = 0; i < batch.Count && batch[i].Offset < end; i++)
            {
                visit(batch, in batch[i]);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _workers.Dispose();
        if (_runtime is not null)
        {
            await _runtime.DisposeAsync();
        }

        _cluster?.Dispose();

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
