using System;

namespace Orders;

/// <summary>A customer, as the CRM publishes it (keyed by customer id); a null value deletes it.</summary>
public sealed record Customer(string Name, string Tier);

/// <summary>An order, keyed by the customer who placed it.</summary>
public sealed record Order(string OrderId, string CustomerId, double Amount, DateTimeOffset At);

/// <summary>A payment of an order, keyed by the customer who pays (like the orders, so the two topics are co-partitioned).</summary>
public sealed record Payment(string OrderId, string CustomerId, double Amount, DateTimeOffset At);

/// <summary>An order with its payment and its customer as the customer stood then; keyed by customer id.</summary>
public sealed record PaidOrder(string OrderId, string CustomerName, string Tier, double Amount, DateTimeOffset OrderedAt, DateTimeOffset PaidAt);

/// <summary>A customer whose paid orders in one hour passed the threshold.</summary>
public sealed record RevenueAlert(string CustomerId, string CustomerName, DateTimeOffset HourStart, double Total);
