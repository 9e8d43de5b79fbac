using System;
using System.Globalization;
using System.Linq;
using Orders;

namespace Examples.Tests;

/// <summary>
/// The Orders example on the embedded log, as its README runs it: what it prints is checked against the sample itself,
/// computed here the way the joins define it (a payment pays its order when at most 10 minutes apart; a customer's name
/// is the one its record had at the payment's time; an alert per customer and hour past the threshold).
/// </summary>
public sealed class OrdersTests
{
    [Fact]
    public void The_example_joins_orders_payments_and_customers_as_its_README_says()
    {
        var output = ExampleRun.Run("Orders");
        var (customers, orders, payments) = SampleOrders.Generate(600);
        Assert.Contains($"Sent 21 customer records, 600 orders and {payments.Count} payments.", output);

        var byId = orders.ToDictionary(o => o.OrderId);
        var paid = payments.Where(p => (p.At - byId[p.OrderId].At).Duration() <= TimeSpan.FromMinutes(10))
            .Select(p => (Order: byId[p.OrderId], Payment: p)).ToList();
        Assert.Contains(string.Create(CultureInfo.InvariantCulture,
            $"Topic 'paid-orders': {paid.Count} orders paid within 10 min ({paid.Sum(p => p.Order.Amount):N0} in all)."), output);

        // Customer c00 was renamed at 10:00: each of its paid orders carries the name it had when the join gave it (the
        // later of the order and its payment).
        string NameAt(DateTimeOffset at) => customers.Last(c => c.Id == "c00" && c.At <= at).Customer.Name;
        var c00 = paid.Where(p => p.Order.CustomerId == "c00").Select(p => (Name: NameAt(Max(p.Order.At, p.Payment.At)), p.Payment.At)).ToList();
        Assert.Contains("Customer c00's paid orders by the name they were paid under: " +
            string.Join(", ", c00.GroupBy(p => p.Name).Select(g => $"{g.Key} {g.Count()} ({g.Min(p => p.At):HH:mm:ss} to {g.Max(p => p.At):HH:mm:ss})")), output);
        Assert.Equal(2, c00.Select(p => p.Name).Distinct().Count());

        // The alerts: per customer and hour of the payments' time, the first paid order that takes the total past the threshold.
        var alerts = paid.GroupBy(p => (p.Order.CustomerId, Hour: new DateTimeOffset(p.Payment.At.Year, p.Payment.At.Month, p.Payment.At.Day, p.Payment.At.Hour, 0, 0, TimeSpan.Zero)))
            .Select(g => (g.Key.CustomerId, g.Key.Hour, Total: g.Sum(p => p.Order.Amount)))
            .Where(g => g.Total >= WatchRevenue.Threshold).ToList();
        var printed = ExampleRun.From(output, "Topic 'revenue-alerts'");
        Assert.Equal($"Topic 'revenue-alerts': {alerts.Count} alerts (paid over 6,000 in an hour):", printed[0]);
        Assert.Equal(alerts.OrderBy(a => a.Hour).ThenBy(a => a.CustomerId, StringComparer.Ordinal).Select(a => $"[{a.Hour:HH:mm}, {a.Hour.AddHours(1):HH:mm}) {a.CustomerId}"),
            printed.Skip(1).Select(line => line.Trim()[..18]));
        Assert.NotEmpty(alerts);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
