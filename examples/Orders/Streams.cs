using System;
using Faustish;
using Microsoft.Extensions.Logging;

namespace Orders;

[Topic("customers", Partitions = 4)]
public sealed partial class CustomersTopic : Topic<string, Customer?>;

[Topic("orders", Partitions = 4)]
public sealed partial class OrdersTopic : Topic<string, Order>;

[Topic("payments", Partitions = 4)]
public sealed partial class Payments : Topic<string, Payment>;

[Topic("paid-orders", Partitions = 4)]
public sealed partial class PaidOrders : Topic<string, PaidOrder>;

[Topic("revenue-alerts", Partitions = 1)]
public sealed partial class RevenueAlerts : Topic<string, RevenueAlert>;

/// <summary>The customers as their topic has them: the latest value per customer id, as of each event's time.</summary>
[Table("customers", Source = typeof(CustomersTopic))]
public sealed partial class Customers : Table<string, Customer?>;

/// <summary>Each customer's paid amount per hour of event time (the payments' times).</summary>
[Table("hourly-revenue", Window = "tumbling 1h")]
public sealed partial class HourlyRevenue : WindowedTable<string, double>;

/// <summary>
/// A windowed stream–stream join of orders and payments (both keyed by customer), each paid order enriched from the
/// customers table: the three topics are read in time order together, so a customer is named as it stood when its
/// order was paid. A payment pays the order it names if it comes within 10 minutes of it (1 more for records out of
/// order); payments of the customer's other orders in the window are joined too, and left out here.
/// </summary>
[Agent(typeof(OrdersTopic))]
[Join(typeof(Payments), Window = "10m grace 1m")]
public sealed partial class PayOrders(Customers customers, PaidOrders paid, ILogger<PayOrders> logger)
{
    public void Process(string customerId, Order order, Payment payment)
    {
        if (payment.OrderId != order.OrderId)
        {
            return;
        }

        if (!customers.TryGetValue(customerId, out var customer) || customer is null)
        {
            logger.LogWarning("Paid order {Order} names unknown customer {Customer}; left out", order.OrderId, customerId);
            return;
        }

        paid.Send(customerId, new PaidOrder(order.OrderId, customer.Name, customer.Tier, order.Amount, order.At, payment.At));
    }
}

/// <summary>Totals each customer's paid orders per hour and alerts once per hour when the total passes the threshold.</summary>
[Agent(typeof(PaidOrders))]
public sealed partial class WatchRevenue(HourlyRevenue revenue, RevenueAlerts alerts, ILogger<WatchRevenue> logger)
{
    public const double Threshold = 6_000;

    public void Process(string customerId, PaidOrder outcome)
    {
        var before = revenue[customerId].Current();
        revenue[customerId] += outcome.Amount;
        var after = before + outcome.Amount;
        if (before < Threshold && after >= Threshold)
        {
            var at = outcome.PaidAt;
            var hour = new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, 0, 0, TimeSpan.Zero);
            alerts.Send(customerId, new RevenueAlert(customerId, outcome.CustomerName, hour, after));
            logger.LogWarning("Revenue alert: {Customer} ({Name}) paid {Total:N0} in the hour from {Hour:HH:mm}", customerId, outcome.CustomerName, after, hour);
        }
    }
}
