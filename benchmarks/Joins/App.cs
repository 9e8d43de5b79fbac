using Faustish;

namespace Faustish.Benchmarks.Joins;

public sealed record BOrder(string Id, double Amount);

public sealed record BPayment(string OrderId, double Amount);

public sealed record BCustomer(string Name, string Tier);

[Topic("bj-orders", Partitions = 1)]
public sealed partial class BOrders : Topic<string, BOrder>;

[Topic("bj-payments", Partitions = 1)]
public sealed partial class BPayments : Topic<string, BPayment>;

[Topic("bj-customers", Partitions = 1)]
public sealed partial class BCustomers : Topic<string, BCustomer?>;

[Table("bj-customer-table", Source = typeof(BCustomers))]
public sealed partial class BCustomerTable : Table<string, BCustomer?>;

[Table("bj-plain-counts")]
public sealed partial class PlainCounts : Table<string, long>;

[Table("bj-gold-counts")]
public sealed partial class GoldCounts : Table<string, long>;

[Table("bj-paid-counts")]
public sealed partial class PaidCounts : Table<string, long>;

/// <summary>The baseline: orders counted per customer.</summary>
[Agent(typeof(BOrders))]
public sealed partial class CountOrders(PlainCounts counts)
{
    public void Process(string customerId, BOrder order) => counts[customerId] += 1;
}

/// <summary>Stream–table join: each order looks up its customer (a table fed by a topic, read in time order) and counts gold customers' orders.</summary>
[Agent(typeof(BOrders))]
public sealed partial class CountGoldOrders(BCustomerTable customers, GoldCounts counts)
{
    public void Process(string customerId, BOrder order)
    {
        if (customers.TryGetValue(customerId, out var customer) && customer?.Tier == "gold")
        {
            counts[customerId] += 1;
        }
    }
}

/// <summary>Windowed stream–stream join: orders and payments of a customer at most 5 s apart, counted.</summary>
[Agent(typeof(BOrders))]
[Join(typeof(BPayments), Window = "5s")]
public sealed partial class CountPaidOrders(PaidCounts counts)
{
    public void Process(string customerId, BOrder order, BPayment payment) => counts[customerId] += 1;
}
