using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Faustish.Topics;
using Faustish.Transport;
using Microsoft.Extensions.Configuration;

namespace Orders;

/// <summary>
/// Before the agents start, sends 20 customers, <c>Demo:Orders</c> orders (600 by default; 0 sends nothing) over three
/// hours of event time from 2026-12-01 09:00 UTC, and their payments: 85 % within 8 minutes of their order, 5 % 20 to
/// 30 minutes late, 10 % never; one customer is renamed at 10:00. The same every run (a seeded generator). After the
/// agents stop, prints what came out: the paid orders, the renamed customer's orders, and the revenue alerts.
/// </summary>
public sealed class SampleOrders(IConfiguration configuration) : Faustish.Hosting.IWorkerLifecycle
{
    public static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    public static readonly string[] Names =
    [
        "Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth", "Frances Allen",
        "John Backus", "Leslie Lamport", "Margaret Hamilton", "Niklaus Wirth", "Radia Perlman", "Tony Hoare", "Ken Thompson",
        "Dennis Ritchie", "Jim Gray", "Butler Lampson", "Shafi Goldwasser", "Robin Milner", "Adele Goldberg",
    ];

    /// <summary>The sample: customers (with the time of each record), orders and payments, each in time order.</summary>
    public static (List<(string Id, Customer Customer, DateTimeOffset At)> Customers, List<Order> Orders, List<Payment> Payments) Generate(int count)
    {
        var random = new Random(2026);
        var customers = Names.Select((name, i) => ($"c{i:00}", new Customer(name, i % 4 == 0 ? "gold" : "standard"), Start.AddMinutes(-1))).ToList();
        customers.Add(("c00", new Customer("Ada King", "gold"), Start.AddHours(1))); // renamed at 10:00: orders before see the old name
        var orders = new List<Order>(count);
        var payments = new List<Payment>(count);
        for (var i = 0; i < count; i++)
        {
            var at = Start.AddSeconds(18 * i);
            var order = new Order($"o{i:0000}", $"c{random.Next(Names.Length):00}", random.Next(50, 901), at);
            orders.Add(order);
            var fate = random.NextDouble();
            if (fate < 0.85)
            {
                payments.Add(new Payment(order.OrderId, order.CustomerId, order.Amount, at.AddSeconds(random.Next(0, 8 * 60))));
            }
            else if (fate < 0.90)
            {
                payments.Add(new Payment(order.OrderId, order.CustomerId, order.Amount, at.AddMinutes(random.Next(20, 31))));
            }
        }

        payments.Sort((a, b) => a.At.CompareTo(b.At));
        return (customers, orders, payments);
    }

    public Task OnStartingAsync(FaustishRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var (customers, orders, payments) = Generate(configuration.GetValue("Demo:Orders", 600));
        if (orders.Count == 0)
        {
            return Task.CompletedTask;
        }

        var sender = runtime.CreateSender();
        using var producer = sender.Producer;
        foreach (var (id, customer, at) in customers)
        {
            sender.Send(CustomersTopic.Definition, id, customer, at);
        }

        foreach (var order in orders)
        {
            sender.Send(OrdersTopic.Definition, order.CustomerId, order, order.At);
        }

        foreach (var payment in payments)
        {
            sender.Send(Payments.Definition, payment.CustomerId, payment, payment.At);
        }

        producer.Flush(cancellationToken);
        Console.WriteLine($"Sent {customers.Count} customer records, {orders.Count:N0} orders and {payments.Count:N0} payments.");
        return Task.CompletedTask;
    }

    public Task OnStoppedAsync(FaustishRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var paid = ReadAll(runtime, PaidOrders.Definition, cancellationToken).Select(r => r.Value).OrderBy(o => o.OrderId, StringComparer.Ordinal).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Topic '{PaidOrders.Definition.Name}': {paid.Count} orders paid within 10 min ({paid.Sum(o => o.Amount):N0} in all)."));
        Console.WriteLine("Customer c00's paid orders by the name they were paid under: " +
            string.Join(", ", paid.Where(o => o.CustomerName.StartsWith("Ada", StringComparison.Ordinal)).GroupBy(o => o.CustomerName)
                .Select(g => $"{g.Key} {g.Count()} ({g.Min(o => o.PaidAt):HH:mm:ss} to {g.Max(o => o.PaidAt):HH:mm:ss})")));
        var alerts = ReadAll(runtime, RevenueAlerts.Definition, cancellationToken).Select(r => r.Value).OrderBy(a => a.HourStart).ThenBy(a => a.CustomerId, StringComparer.Ordinal).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Topic '{RevenueAlerts.Definition.Name}': {alerts.Count} alerts (paid over {WatchRevenue.Threshold:N0} in an hour):"));
        foreach (var alert in alerts)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  [{alert.HourStart:HH:mm}, {alert.HourStart.AddHours(1):HH:mm}) {alert.CustomerId} {alert.CustomerName,-18} {alert.Total,8:N0}"));
        }

        return Task.CompletedTask;
    }

    /// <summary>Every record of a topic, partition by partition, up to its end now.</summary>
    private static List<(TKey Key, TValue Value)> ReadAll<TKey, TValue>(FaustishRuntime runtime, TopicDefinition<TKey, TValue> topic, CancellationToken cancellationToken)
    {
        var records = new List<(TKey, TValue)>();
        var batch = new RecordBatch();
        for (var partition = 0; partition < topic.Partitions; partition++)
        {
            var source = new TopicPartition(topic.Name, partition);
            var end = runtime.Transport.GetWatermarks(source).High;
            using var reader = runtime.Transport.OpenReader(source, Offsets.Beginning);
            while (reader.Position < end && reader.Fetch(batch, 1024, TimeSpan.FromSeconds(1), cancellationToken))
            {
                for (var i = 0; i < batch.Count && batch[i].Offset < end; i++)
                {
                    ref readonly var record = ref batch[i];
                    records.Add((topic.KeyCodec.Read(batch.KeyOf(in record)), topic.ValueCodec.Read(batch.ValueOf(in record))));
                }
            }
        }

        return records;
    }
}
