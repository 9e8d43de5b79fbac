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
/// The foreign-key table–table join (Kafka Streams' KIP-213) on the embedded log and on librdkafka's mock cluster:
/// orders (2 partitions) name their product (3 partitions) by its key. Input comes in phases, each waited on until every
/// stage is caught up, so each phase's results are exact: a product update reaches the orders that name it, a changed
/// foreign key shows the new product and never the old one again, deletes on either side take results away, a response
/// to a value since replaced is dropped by its hash, and the app is stopped and started again between phases 3 and 4.
/// </summary>
public sealed class ForeignKeyJoinTests : IAsyncDisposable
{
    private const long T0 = 1_700_000_000_000; // as JoinTests.Read counts seconds from
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-fk-joins-" + Guid.NewGuid().ToString("N"));
    private WorkerThreads _workers = new();
    private FaustishRuntime? _runtime;
    private IReadOnlyList<AgentWorker> _started = [];
    private Kafka.MockKafkaCluster? _cluster;
    private int _ordersWritten;
    private readonly Dictionary<string, long> _processedBefore = [];

    public static TheoryData<string, string> Cases => new()
    {
        { "embedded", "inner-foreign-key-join" },
        { "embedded", "left-foreign-key-join" },
        { "embedded-exactly-once", "left-foreign-key-join" },
        { "kafka", "inner-foreign-key-join" },
        { "kafka", "left-foreign-key-join" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_foreign_key_join_follows_updates_changed_keys_and_deletes_on_both_sides(string transport, string agent)
    {
        var inner = agent.StartsWith("inner", StringComparison.Ordinal);
        var output = inner ? FkInnerResults.Definition : FkLeftResults.Definition;
        var seen = 0;

        // Phase 1, written before the workers start. o3 names a product that does not exist yet, o4 none. o5 changes its
        // product from p1 to p2 at once: both subscriptions are answered, and p1's answer, for the replaced value o5a, is dropped.
        Start(agent, transport);
        Write(
            products: [("p1", "Pen", 1), ("p2", "Ink", 2)],
            orders: [("o1", "o1", "p1", 3), ("o2", "o2", "p2", 4), ("o3", "o3", "p9", 5), ("o4", "o4", null, 6), ("o5", "o5a", "p1", 7), ("o5", "o5b", "p2", 8)]);
        RunWorkers();
        Phase(1, inner
            ? ["o1 o1|Pen @3", "o2 o2|Ink @4", "o5 o5b|Ink @8"]
            : ["o1 o1|Pen @3", "o2 o2|Ink @4", "o3 o3|- @5", "o4 o4|- @6", "o5 o5b|Ink @8"]);

        // Phase 2: a product update reaches the one order that still names it (o5 left p1).
        Write(products: [("p1", "Pen 2", 20)], orders: []);
        Phase(2, ["o1 o1|Pen 2 @20"]);

        // Phase 3: o1 moves to p2, then p1 changes again: o1 shows Ink, and p1's change reaches nobody (o1 unsubscribed
        // from p1, or, if p1's change came first, its answer is for o1's replaced value and dropped).
        Write(products: [("p1", "Pen 3", 31)], orders: [("o1", "o1b", "p2", 30)]);
        Phase(3, ["o1 o1b|Ink @30"]);

        // Stop and start again: both stages restore their state from their changelogs.
        await RestartAsync(agent, transport);

        // Phase 4: p2 is deleted; the three orders that name it lose it.
        Write(products: [("p2", null, 40)], orders: []);
        Phase(4, inner
            ? ["o1 tombstone @40", "o2 tombstone @40", "o5 tombstone @40"]
            : ["o1 o1b|- @40", "o2 o2|- @40", "o5 o5b|- @40"]);

        // Phase 5: o2 is deleted (shown only by the left join, so only it gives a tombstone); p9 appears for o3; o4 gets a product.
        Write(products: [("p9", "Nib", 51)], orders: [("o2", null, null, 50), ("o4", "o4b", "p1", 52)]);
        Phase(5, inner
            ? ["o3 o3|Nib @51", "o4 o4b|Pen 3 @52"]
            : ["o2 tombstone @50", "o3 o3|Nib @51", "o4 o4b|Pen 3 @52"]);

        // Phase 6: o4's product is taken away (a null foreign key) and o1 is deleted.
        Write(products: [], orders: [("o4", "o4c", null, 60), ("o1", null, null, 61)]);
        Phase(6, inner
            ? ["o4 tombstone @60"]
            : ["o1 tombstone @61", "o4 o4c|- @60"]);

        _workers.StopAll();

        void Phase(int phase, string[] expected)
        {
            _workers.WaitFor(() => Read(output).Count >= seen + expected.Length && CaughtUp(agent),
                () => $"phase {phase}: results so far {string.Join(", ", Read(output))}; {Progress(agent)}");
            var results = Read(output);
            Assert.Equal(expected.Order(StringComparer.Ordinal), results.Skip(seen).Order(StringComparer.Ordinal));
            seen = results.Count;
        }
    }

    private void Write((string Key, string? Name, int Second)[] products, (string Key, string? Id, string? Product, int Second)[] orders)
    {
        var sender = _runtime!.CreateSender();
        using var producer = sender.Producer;
        foreach (var (key, name, second) in products)
        {
            sender.Send(FkProducts.Definition, key, name is null ? null : new FkProduct(name), At(second));
        }

        foreach (var (key, id, product, second) in orders)
        {
            sender.Send(FkOrders.Definition, key, id is null ? null : new FkOrder(id, product), At(second));
            _ordersWritten++;
        }

        producer.Flush(CancellationToken.None);
    }

    private static DateTimeOffset At(int second) => DateTimeOffset.FromUnixTimeMilliseconds(T0 + second * 1000L);

    private FaustishRuntime Start(string agent, string transport)
    {
        var definition = new[] { InnerForeignKeyJoin.Definition, LeftForeignKeyJoin.Definition }.Single(a => a.Name == agent);
        var model = new AppModel([FkOrders.Definition, FkProducts.Definition, FkInnerResults.Definition, FkLeftResults.Definition], [], [definition]);
        var options = new FaustishOptions
        {
            AppId = "fk",
            DataDirectory = _directory,
            PollTimeout = TimeSpan.FromMilliseconds(20),
            CommitInterval = TimeSpan.FromMilliseconds(100),
            // Under exactly-once, subscriptions and responses are read only once the transaction that wrote them commits.
            Guarantee = transport == "embedded-exactly-once" ? ProcessingGuarantee.ExactlyOnce : ProcessingGuarantee.AtLeastOnce,
        };
        var created = _cluster is not null;
        if (transport == "kafka")
        {
            if (_cluster is null)
            {
                _cluster = Kafka.MockKafkaCluster.Start();
                _cluster.CreateAssignmentBoard("fk");
            }

            options.Broker = "kafka://" + _cluster.BootstrapServers;
            options.Kafka.Consumer["session.timeout.ms"] = "6000";
            options.Kafka.Consumer["heartbeat.interval.ms"] = "100";
        }

        options.Validate("fk");
        _runtime = new FaustishRuntime(options, model, NullLoggerFactory.Instance);
        foreach (var topic in _runtime.RequiredTopics().Where(t => t.Name != "fk-assignments" && !created))
        {
            _cluster?.CreateTopic(topic.Name, topic.Partitions);
        }

        Assert.True(_runtime.EnsureTopicsAsync(CancellationToken.None).AsTask().Wait(TimeSpan.FromSeconds(30)));
        return _runtime;
    }

    private void RunWorkers()
    {
        _started = _runtime!.CreateWorkers(new ServiceCollection().BuildServiceProvider());
        _workers.Start(_started);
    }

    private async Task RestartAsync(string agent, string transport)
    {
        _workers.StopAll();
        _workers.Dispose();
        foreach (var name in new[] { agent, $"{agent}-fk-subscriptions" })
        {
            _processedBefore[name] = Processed(name);
        }

        await _runtime!.DisposeAsync();
        _runtime = null;
        _workers = new WorkerThreads();
        Start(agent, transport);
        RunWorkers();
    }

    /// <summary>
    /// Whether every stage has applied everything written so far, and committed it: the agent's orders and the stage's
    /// subscriptions counted by their workers; the responses and the products by the positions their states' changelogs hold.
    /// </summary>
    private bool CaughtUp(string agent)
    {
        var runtime = _runtime!;
        var subscriptions = $"fk-{agent}-fk-subscription";
        var subscriptionsWritten = Enumerable.Range(0, FkProducts.Definition.Partitions).Sum(p => runtime.Transport.GetWatermarks(new TopicPartition(subscriptions, p)).High);
        if (Processed(agent) < _ordersWritten || Processed($"{agent}-fk-subscriptions") < subscriptionsWritten)
        {
            return false;
        }

        return Enumerable.Range(0, FkOrders.Definition.Partitions).All(p => Applied(runtime, $"fk-{agent}-join-changelog", new TopicPartition($"fk-{agent}-fk-response", p)))
               && Enumerable.Range(0, FkProducts.Definition.Partitions).All(p => Applied(runtime, $"fk-{agent}-fk-subscriptions-changelog", new TopicPartition(FkProducts.Definition.Name, p)));
    }

    /// <summary>Whether the state whose changelog is <paramref name="changelog"/> has applied all of <paramref name="input"/> (nothing to apply in an empty one).</summary>
    private bool Applied(FaustishRuntime runtime, string changelog, TopicPartition input)
    {
        var end = runtime.Transport.GetWatermarks(input).High;
        return end == 0 || Position(changelog, input.Partition) >= end;
    }

    /// <summary>Records of its own topic processed by the workers of <paramref name="agent"/> (or stage), before the restart and since.</summary>
    private long Processed(string agent) =>
        _processedBefore.GetValueOrDefault(agent) + _started.Where(w => w.Name.StartsWith(agent + "#", StringComparison.Ordinal)).Sum(w => w.Processed);

    private string Progress(string agent) =>
        $"orders written {_ordersWritten}, committed {Processed(agent)}; subscriptions committed {Processed($"{agent}-fk-subscriptions")}";

    /// <summary>The other input's position a join state's changelog holds for partition <paramref name="partition"/> (its last 'P' record), or -1.</summary>
    private long Position(string changelog, int partition)
    {
        long position = -1;
        JoinTests.ReadToEnd(_runtime!, new TopicPartition(changelog, partition), (RecordBatch batch, in BatchRecord record) =>
        {
            if (batch.KeyOf(in record) is [(byte)'P'])
            {
                position = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(batch.ValueOf(in record));
            }
        });

        return position;
    }

    private List<string> Read(TopicDefinition<string, JResult?> output) => JoinTests.Read(_runtime!, output);

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
