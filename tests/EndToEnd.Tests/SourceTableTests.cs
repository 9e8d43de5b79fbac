using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Routing;
using Faustish.Tables;
using Faustish.Transport;

namespace Faustish.EndToEnd.Tests;

/// <summary>
/// Tables fed by a topic (<c>[Table(..., Source = typeof(CustomersTopic))]</c>, Kafka Streams' source tables): the agent
/// that enriches orders reads each customer's latest name as a dictionary built from the same customer records would
/// give it; the table restores from its topic (a full replay first, then its checkpoint plus the records after it), also
/// after a SIGKILL; it cannot be written; a record of the topic that does not decode is left out, counted and logged.
/// </summary>
public sealed class SourceTableTests : IDisposable
{
    private const int Customers = 300;
    private static readonly AppModel Model = new([CustomersTopic.Definition, Orders.Definition], [CustomerNames.Definition, OrderCustomers.Definition],
        [EnrichOrders.Definition]);

    private readonly string _directory = TestApp.NewDirectory();
    private readonly Dictionary<long, string> _names = [];
    private readonly Random _random = new(7);

    [Fact]
    public void Agents_read_the_latest_value_of_each_key_and_the_table_restores_from_its_topic()
    {
        var sent = SendCustomerUpdates(3_000);
        using (var app = new TestApp(Model, directory: _directory))
        {
            app.Send(sender => SendOrders(sender, order: 1));
            var first = app.RunUntil(Customers);
            var restores = first.Restores.Where(r => r.Table == CustomerNames.Definition.Name).OrderBy(r => r.Partition).ToList();
            // No checkpoint yet: the restore starts each partition empty, at the topic's start, and the topic's records
            // are applied in time order with the orders (each order sees its customer as of its time).
            Assert.Equal(2, restores.Count);
            Assert.All(restores, r => Assert.Equal(RestoreSource.Changelog, r.Source));
            Assert.All(restores, r => Assert.Equal((0L, 0L), (r.RecordsReplayed, r.EndOffset)));
            Assert.Equal(Expected(order: 1), app.ReadTable(OrderCustomers.Definition));
            Assert.DoesNotContain(app.Runtime.RequiredTopics(), t => t.Name.Contains("customer-names", StringComparison.Ordinal));
        }

        SendCustomerUpdates(500);
        using (var app = new TestApp(Model, directory: _directory))
        {
            app.Send(sender => SendOrders(sender, order: 2));
            var second = app.RunUntil(Customers);
            var restores = second.Restores.Where(r => r.Table == CustomerNames.Definition.Name).ToList();
            // The checkpoint taken when the first worker stopped covers the topic up to where it had applied it, all of
            // it: the partitions start from there, and only what came after is applied again.
            Assert.All(restores, r => Assert.Equal(RestoreSource.Checkpoint, r.Source));
            Assert.Equal(sent, restores.Sum(r => r.FromOffset));
            Assert.Equal(Expected(order: 2), app.ReadTable(OrderCustomers.Definition));
            // Read from its topic, as the CLI reads tables: the same latest values, deleted customers gone.
            Assert.Equal(_names.ToDictionary(e => e.Key, e => (string?)e.Value), app.ReadTable(CustomerNames.Definition));
        }
    }

    [Fact]
    public void A_worker_killed_while_enriching_restarts_and_reads_the_same_values()
    {
        SendCustomerUpdates(2_000);
        const int Rounds = 1_000; // 300,000 orders: the kill lands while the worker processes them
        using (var app = new TestApp(Model, directory: _directory))
        {
            app.Send(sender =>
            {
                for (var order = 1; order <= Rounds; order++)
                {
                    SendOrders(sender, order);
                }
            });
        }

        using (var worker = ChildWorker.Start(_directory, Orders.Definition.Name))
        {
            // Killed as soon as it processes a partition: its tables restored (the source table from its topic), its
            // first batches maybe processed, nothing committed or checkpointed at the end.
            worker.WaitUntilProcessing(TimeSpan.FromSeconds(60));
            Thread.Sleep(50);
            Assert.False(worker.HasExited, "The worker finished before it could be killed; send more orders.");
            worker.Kill();
            Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), "The killed worker did not exit.");
        }

        using (var last = ChildWorker.Start(_directory, Orders.Definition.Name))
        {
            Assert.True(last.WaitForExit(TimeSpan.FromMinutes(2)), "The restarted worker did not finish within 2 minutes.");
            Assert.True(last.ExitCode == 0, $"The restarted worker exited with {last.ExitCode}:\n{last.Output}");
        }

        using var check = new TestApp(Model, directory: _directory);
        Assert.Equal(Expected(Rounds), check.ReadTable(OrderCustomers.Definition));
    }

    [Fact]
    public void A_global_table_fed_by_a_topic_answers_lookups_from_any_partition()
    {
        SendCustomerUpdates(2_000);
        var model = new AppModel([CustomersTopic.Definition, CustomerLookups.Definition], [CustomerDirectory.Definition, LookupResults.Definition],
            [LookUpCustomers.Definition]);
        using var app = new TestApp(model, directory: _directory);
        // Lookup i asks for customer (i * 7) % Customers: keys of another topic, with 3 partitions to the customers' 2.
        app.Send(sender =>
        {
            for (long lookup = 0; lookup < Customers; lookup++)
            {
                sender.Send(CustomerLookups.Definition, lookup, lookup * 7 % Customers);
            }
        });
        app.RunUntil(Customers);

        var expected = Enumerable.Range(0, Customers).ToDictionary(l => (long)l, l => _names.GetValueOrDefault(l * 7L % Customers, "unknown"));
        Assert.Equal(expected, app.ReadTable(LookupResults.Definition));
        Assert.DoesNotContain(app.Runtime.RequiredTopics(), t => t.Name.Contains("customer-directory", StringComparison.Ordinal));
    }

    [Fact]
    public void Writing_a_table_fed_by_a_topic_fails_saying_to_send_to_the_topic()
    {
        using var shard = CustomerNames.Definition.OpenShard(0, StoreKind.Memory, new StoreOptions(_directory, 1 << 20));
        var table = (CustomerNames)shard.Table;
        var error = Assert.Throws<InvalidOperationException>(() => table[1] = "Ada");
        Assert.Equal("Table 'customer-names' is fed by topic 'customers' and is read-only: send the change to that topic instead, and the table follows it.", error.Message);
        Assert.Throws<InvalidOperationException>(() => table.Remove(1));
        Assert.Equal(0, shard.PendingWrites);
    }

    [Fact]
    public void A_record_of_the_topic_that_does_not_decode_is_left_out_and_counted()
    {
        using var shard = CustomerNames.Definition.OpenShard(0, StoreKind.Memory, new StoreOptions(_directory, 1 << 20));
        var batch = new RecordBatch();
        batch.Reset("customers", 0);
        Add(batch, 0, Key(1), "Ada");
        Add(batch, 1, [1, 2, 3], "three-byte key"); // a long key takes 8 bytes
        Add(batch, 2, Key(2), "Grace");
        Add(batch, 3, Key(1), null); // deleted
        Add(batch, 4, [9], "Hopper");

        Assert.Equal(3, shard.Apply(batch));
        Assert.Equal(2, shard.UndecodableRecords);
        Assert.StartsWith("customers[0] offset 4: ", shard.LastUndecodable, StringComparison.Ordinal);
        var table = (CustomerNames)shard.Table;
        Assert.False(table.ContainsKey(1));
        Assert.Equal("Grace", table[2]);
        Assert.False(table.ContainsKey(3));
    }

    /// <summary>Random names and deletions for the customers; returns how many records were sent.</summary>
    private int SendCustomerUpdates(int records)
    {
        using var app = new TestApp(Model, directory: _directory);
        app.Send(sender =>
        {
            for (var i = 0; i < records; i++)
            {
                var customer = (long)_random.Next(Customers);
                if (_random.Next(10) == 0)
                {
                    sender.Send(CustomersTopic.Definition, customer, null);
                    _names.Remove(customer);
                }
                else
                {
                    var name = $"customer {customer} v{i}";
                    sender.Send(CustomersTopic.Definition, customer, name);
                    _names[customer] = name;
                }
            }
        });
        return records;
    }

    private static void SendOrders(RecordSender sender, long order)
    {
        for (long customer = 0; customer < Customers; customer++)
        {
            sender.Send(Orders.Definition, customer, order);
        }
    }

    /// <summary>What the agent writes for each customer's last order, from a plain dictionary of the customer records.</summary>
    private Dictionary<long, string> Expected(long order) => Enumerable.Range(0, Customers).ToDictionary(c => (long)c,
        c => _names.TryGetValue(c, out var name) ? $"{name} #{order}" : $"unknown #{order}");

    private static byte[] Key(long customer)
    {
        var key = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(key, customer);
        return key;
    }

    private static void Add(RecordBatch batch, long offset, byte[] key, string? value) =>
        batch.Add(offset, offset + 1, 0, key, keyIsNull: false, value is null ? [] : Encoding.UTF8.GetBytes(value), valueIsNull: value is null, []);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
