using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Hosting;
using Faustish.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Faustish.Tests.Joins;

/// <summary>
/// A join stopped in the middle and started again gives the results of an uninterrupted run: its state (both sides'
/// records in the window, the right side's position) comes back from its changelog, and records of the second half
/// join records of the first (four partitions, out-of-order records within grace; on the embedded log and on librdkafka's
/// mock cluster).
/// </summary>
public sealed class JoinRestartTests : IDisposable
{
    private const long T0 = 1_700_000_000_000;
    private readonly List<string> _directories = [];

    // On Kafka, each app's data directory has its own mock cluster, kept for the whole test (a restart finds its topics).
    private readonly Dictionary<string, Kafka.MockKafkaCluster> _clusters = [];

    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public void A_join_restarted_in_the_middle_gives_the_results_of_an_uninterrupted_run(string transport)
    {
        _transport = transport;
        var (orders, payments) = Records();
        var split = T0 + 100_000;

        var uninterrupted = NewDirectory();
        Run(uninterrupted, orders, payments);
        var expected = Results(uninterrupted);

        var interrupted = NewDirectory();
        Run(interrupted, orders.Where(o => o.At < split).ToList(), payments.Where(p => p.At < split).ToList());
        var firstHalf = Results(interrupted);
        Run(interrupted, orders.Where(o => o.At >= split).ToList(), payments.Where(p => p.At >= split).ToList());
        var actual = Results(interrupted);

        Assert.True(actual.Count == actual.Distinct().Count(), "results given twice across the restart: " +
            string.Join(", ", actual.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key)));
        // The same results, each once: in the same order per partition on the embedded log; on Kafka the two runs can
        // interleave the sides' fetches differently where records have equal keys and near times, so compare them sorted.
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
        if (transport == "embedded")
        {
            Assert.Equal(expected, actual);
        }

        Assert.True(expected.Count > 300, $"only {expected.Count} results");

        // The second run joined records the first one kept: pairs across the split, and results it gave unmatched
        // first-half orders once their windows closed.
        var orderTimes = orders.ToDictionary(o => o.Id, o => o.At);
        var paymentTimes = payments.ToDictionary(p => p.Id, p => p.At);
        var secondRun = actual.Skip(firstHalf.Count).ToList();
        Assert.Contains(secondRun, r => r.Split('|') is [var left, var right] && right != "-" &&
            orderTimes[left.Split(' ')[1]] < split && paymentTimes[right] >= split);
        Assert.Contains(secondRun, r => r.EndsWith("|-", StringComparison.Ordinal) && orderTimes[r.Split(' ')[1].Split('|')[0]] < split);
    }

    /// <summary>400 orders and 400 payments over 40 keys and 200 s, payments up to 12 s from their order; some out of order.</summary>
    private static (List<(string Key, string Id, long At)> Orders, List<(string Key, string Id, long At)> Payments) Records()
    {
        var random = new Random(7);
        var orders = new List<(string Key, string Id, long At)>();
        var payments = new List<(string Key, string Id, long At)>();
        for (var i = 0; i < 400; i++)
        {
            var key = $"k{i % 40}";
            var at = T0 + i * 500L;
            orders.Add((key, $"o{i}", at));
            payments.Add((key, $"p{i}", Math.Max(T0, at + random.Next(-12_000, 12_000))));
        }

        payments.Sort((a, b) => a.At.CompareTo(b.At));
        // A few records out of order, each within its half (so each half is a prefix of what is sent).
        for (var i = 5; i + 1 < 400; i += 37)
        {
            (orders[i], orders[i + 1]) = (orders[i + 1], orders[i]);
            (payments[i], payments[i + 1]) = (payments[i + 1], payments[i]);
        }

        return (orders, payments);
    }

    private string _transport = "embedded";

    private FaustishRuntime Runtime(string directory)
    {
        var options = new FaustishOptions
        {
            AppId = "joins4",
            DataDirectory = directory,
            PollTimeout = TimeSpan.FromMilliseconds(20),
            CommitInterval = TimeSpan.FromMilliseconds(100),
            // Exactly-once on the embedded log. librdkafka's mock cluster discards offsets sent with a transaction (see
            // KafkaExactlyOnceTests), so a restart there would read the orders again from the start: at-least-once, whose
            // orderly stop commits everything, gives the same promise for a restart that is not a crash.
            Guarantee = _transport == "kafka" ? ProcessingGuarantee.AtLeastOnce : ProcessingGuarantee.ExactlyOnce,
        };
        if (_transport == "kafka")
        {
            if (!_clusters.TryGetValue(directory, out var cluster))
            {
                cluster = Kafka.MockKafkaCluster.Start();
                cluster.CreateAssignmentBoard("joins4");
                _clusters.Add(directory, cluster);
                foreach (var topic in new[] { J4Orders.Definition.Name, J4Payments.Definition.Name, J4Results.Definition.Name, "joins4-paid-orders-join-changelog" })
                {
                    cluster.CreateTopic(topic, 4);
                }

                cluster.CreateTopic("joins4-dead-letters", 1);
            }

            options.Broker = "kafka://" + cluster.BootstrapServers;
            options.Kafka.Consumer["session.timeout.ms"] = "6000";
            options.Kafka.Consumer["heartbeat.interval.ms"] = "100";
        }

        options.Validate("joins4");
        return new FaustishRuntime(options, new AppModel([J4Orders.Definition, J4Payments.Definition, J4Results.Definition], [], [PaidOrders.Definition]),
            NullLoggerFactory.Instance);
    }

    /// <summary>Sends the records, runs the join until it has processed and committed all of them, and stops it.</summary>
    private void Run(string directory, List<(string Key, string Id, long At)> orders, List<(string Key, string Id, long At)> payments)
    {
        var runtime = Runtime(directory);
        try
        {
            Assert.True(runtime.EnsureTopicsAsync(CancellationToken.None).AsTask().Wait(TimeSpan.FromSeconds(30)));
            var sender = runtime.CreateSender();
            using (var producer = sender.Producer)
            {
                foreach (var (key, id, at) in orders)
                {
                    sender.Send(J4Orders.Definition, key, new JOrder(id, 1m), DateTimeOffset.FromUnixTimeMilliseconds(at));
                }

                foreach (var (key, id, at) in payments)
                {
                    sender.Send(J4Payments.Definition, key, new JPayment(id, 1m), DateTimeOffset.FromUnixTimeMilliseconds(at));
                }

                producer.Flush(CancellationToken.None);
            }

            using var workers = new WorkerThreads();
            var started = runtime.CreateWorkers(new ServiceCollection().BuildServiceProvider());
            workers.Start(started);
            workers.WaitFor(() => started.Sum(w => w.Processed) >= orders.Count && RightSideCommitted(runtime),
                () => $"processed {started.Sum(w => w.Processed)} of {orders.Count} orders");
            workers.StopAll();
        }
        finally
        {
            runtime.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>Whether every partition's join state, as committed, has read its payments partition to the end.</summary>
    private static bool RightSideCommitted(FaustishRuntime runtime)
    {
        for (var partition = 0; partition < 4; partition++)
        {
            long position = -1;
            JoinTests.ReadToEnd(runtime, new TopicPartition("joins4-paid-orders-join-changelog", partition), (RecordBatch batch, in BatchRecord record) =>
            {
                if (batch.KeyOf(in record) is [(byte)'P'])
                {
                    position = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(batch.ValueOf(in record));
                }
            });
            if (position < runtime.Transport.GetWatermarks(new TopicPartition(J4Payments.Definition.Name, partition)).High)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Every result so far, in partition then offset order: "key order|payment" ("-" for none).</summary>
    private List<string> Results(string directory)
    {
        var runtime = Runtime(directory);
        try
        {
            var results = new List<string>();
            for (var partition = 0; partition < 4; partition++)
            {
                JoinTests.ReadToEnd(runtime, new TopicPartition(J4Results.Definition.Name, partition), (RecordBatch batch, in BatchRecord record) =>
                {
                    var value = J4Results.Definition.ValueCodec.Read(batch.ValueOf(in record))!;
                    results.Add($"{J4Results.Definition.KeyCodec.Read(batch.KeyOf(in record))} {value.Left}|{value.Right ?? "-"}");
                });
            }

            return results;
        }
        finally
        {
            runtime.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(30));
        }
    }

    private string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "faustish-join-restart-" + Guid.NewGuid().ToString("N"));
        _directories.Add(directory);
        return directory;
    }

    public void Dispose()
    {
        foreach (var cluster in _clusters.Values)
        {
            cluster.Dispose();
        }

        foreach (var directory in _directories.Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
