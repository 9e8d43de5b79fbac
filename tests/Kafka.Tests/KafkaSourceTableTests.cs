using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Hosting;
using Faustish.Tables;
using Faustish.Tests.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Faustish.Kafka.Tests;

/// <summary>
/// A table fed by a topic on Kafka (librdkafka's mock cluster): the worker restores it from the topic, with no changelog
/// topic of its own, and the agent reads each customer's latest name as a dictionary of the same records would give.
/// </summary>
public sealed class KafkaSourceTableTests(ITestOutputHelper output)
{
    private const int Customers = 300;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly AppModel Model = new([CustomersTopic.Definition, Orders.Definition], [CustomerNames.Definition, OrderCustomers.Definition],
        [EnrichOrders.Definition]);

    [Fact]
    public async Task A_table_fed_by_a_topic_restores_from_it_and_agents_read_its_latest_values()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("customers", 2);
        cluster.CreateTopic("orders", 2);
        cluster.CreateTopic("e2e-order-customers-changelog", 2);
        cluster.CreateTopic("e2e-dead-letters", 1);
        cluster.CreateAssignmentBoard("e2e");
        var directory = Path.Combine(Path.GetTempPath(), "faustish-kafka-source-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new FaustishOptions
            {
                AppId = "e2e",
                DataDirectory = directory,
                Broker = "kafka://" + cluster.BootstrapServers,
                CommitInterval = TimeSpan.FromMilliseconds(100),
                PollTimeout = TimeSpan.FromMilliseconds(20),
            };
            options.Kafka.Consumer["session.timeout.ms"] = "6000";
            options.Kafka.Consumer["heartbeat.interval.ms"] = "100";
            var runtime = new FaustishRuntime(options.Validate("e2e"), Model, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
            await using (runtime.ConfigureAwait(false))
            {
                // The app needs no changelog for the table: start-up finds every topic it needs already there.
                Assert.DoesNotContain(runtime.RequiredTopics(), t => t.Name.Contains("customer-names", StringComparison.Ordinal));
                await runtime.EnsureTopicsAsync(CancellationToken.None);

                var names = new Dictionary<long, string>();
                var random = new Random(11);
                var sender = runtime.CreateSender();
                using (var producer = sender.Producer)
                {
                    for (var i = 0; i < 3_000; i++)
                    {
                        var customer = (long)random.Next(Customers);
                        if (random.Next(10) == 0)
                        {
                            sender.Send(CustomersTopic.Definition, customer, null);
                            names.Remove(customer);
                        }
                        else
                        {
                            sender.Send(CustomersTopic.Definition, customer, $"customer {customer} v{i}");
                            names[customer] = $"customer {customer} v{i}";
                        }
                    }

                    for (long customer = 0; customer < Customers; customer++)
                    {
                        sender.Send(Orders.Definition, customer, 1L);
                    }

                    producer.Flush(CancellationToken.None);
                }

                var worker = runtime.CreateWorkers(new ServiceCollection().BuildServiceProvider()).Single();
                worker.Start(CancellationToken.None);
                try
                {
                    var waited = Stopwatch.StartNew();
                    while (worker.Processed < Customers && waited.Elapsed < Bound)
                    {
                        worker.RunOnce();
                    }
                }
                finally
                {
                    worker.Stop();
                    worker.Dispose();
                }

                var restores = worker.Restores.Where(r => r.Table == CustomerNames.Definition.Name).ToList();
                output.WriteLine(string.Join("\n", restores));
                Assert.Equal(2, restores.Count);
                // A first start restores nothing: the topic's 3,000 records are applied in time order with the orders.
                Assert.All(restores, r => Assert.Equal((0L, 0L), (r.RecordsReplayed, r.EndOffset)));

                var expected = Enumerable.Range(0, Customers).ToDictionary(c => (long)c,
                    c => names.TryGetValue(c, out var name) ? $"{name} #1" : "unknown #1");
                var shards = runtime.ReadTable(OrderCustomers.Definition, CancellationToken.None);
                try
                {
                    var enriched = shards.Cast<TableShard<long, string>>().SelectMany(s => s.Scan()).ToDictionary(e => e.Key, e => e.Value);
                    Assert.Equal(expected, enriched);
                }
                finally
                {
                    foreach (var shard in shards)
                    {
                        shard.Dispose();
                    }
                }
            }
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
