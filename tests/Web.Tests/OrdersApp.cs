using System;
using System.Threading;
using Faustish;

namespace Faustish.Web.Tests;

/// <summary>An order, keyed by shop.</summary>
public sealed record Order(long Id, long Amount);

[Topic("orders", Partitions = 4)]
public sealed partial class Orders : Topic<string, Order>;

[Topic("shipments", Partitions = 4)]
public sealed partial class Shipments : Topic<string, long>;

[Table("orders-per-shop")]
public sealed partial class OrdersPerShop : Table<string, long>;

[Table("amount-per-minute", Window = "tumbling 1m", Expires = "1h")]
public sealed partial class AmountPerMinute : WindowedTable<string, long>;

[Table("order-amounts")]
public sealed partial class OrderAmounts : Table<long, long>;

[Table("shipped-per-shop")]
public sealed partial class ShippedPerShop : Table<string, long>;

/// <summary>Counts orders per shop and amounts per shop and minute, and ships every order: the first of two agents a trace spans.</summary>
[Agent(typeof(Orders))]
public sealed partial class TakeOrders(OrdersPerShop counts, AmountPerMinute perMinute, OrderAmounts amounts, Shipments shipments)
{
    public void Process(string shop, Order order)
    {
        counts[shop] += 1;
        amounts[order.Id] = order.Amount;
        perMinute[shop] += order.Amount;
        shipments.Send(shop, order.Id);
    }
}

/// <summary>Counts shipments per shop: the second agent, connected to the first by topic <c>shipments</c>.</summary>
[Agent(typeof(Shipments))]
public sealed partial class CountShipments(ShippedPerShop shipped)
{
    public void Process(string shop, long orderId) => shipped[shop] += 1;
}

[Topic("jobs", Partitions = 2)]
public sealed partial class Jobs : Topic<long, long>;

/// <summary>An agent that hangs while <see cref="JobGate"/> is closed (the watchdog test).</summary>
[Agent(typeof(Jobs))]
public sealed partial class RunJobs
{
    public long Started { get; private set; }

    public void Process(long job, long value)
    {
        Started++;
        JobGate.Pass();
    }
}

/// <summary>Holds <see cref="RunJobs"/> until opened; never longer than a minute, so a failing test cannot hang the run.</summary>
public static class JobGate
{
    private static readonly ManualResetEventSlim Open = new(true);

    public static void Close() => Open.Reset();

    public static void Release() => Open.Set();

    public static void Pass() => Open.Wait(TimeSpan.FromMinutes(1));
}
