using Faustish;

namespace Faustish.EndToEnd.Worker;

/// <summary>Customer names by id, as another system publishes them; a null value means the customer was deleted.</summary>
[Topic("customers", Partitions = 2)]
public sealed partial class CustomersTopic : Topic<long, string?>;

/// <summary>Orders by customer id (the value is the order number), partitioned like <see cref="CustomersTopic"/>.</summary>
[Topic("orders", Partitions = 2)]
public sealed partial class Orders : Topic<long, long>;

/// <summary>The latest name of every customer, fed by <see cref="CustomersTopic"/> (Kafka Streams' source table).</summary>
[Table("customer-names", Source = typeof(CustomersTopic))]
public sealed partial class CustomerNames : Table<long, string?>;

/// <summary>For each customer, the name the last order was enriched with.</summary>
[Table("order-customers")]
public sealed partial class OrderCustomers : Table<long, string>;

/// <summary>Enriches each order with its customer's name, read from the table the customers topic feeds.</summary>
[Agent(typeof(Orders))]
public sealed partial class EnrichOrders(CustomerNames names, OrderCustomers enriched)
{
    public void Process(long customer, long order) =>
        enriched[customer] = names.TryGetValue(customer, out var name) && name is not null ? $"{name} #{order}" : $"unknown #{order}";
}

/// <summary>Every customer's latest name, held whole by every worker, fed by <see cref="CustomersTopic"/> (Kafka Streams' GlobalKTable).</summary>
[Table("customer-directory", Source = typeof(CustomersTopic))]
public sealed partial class CustomerDirectory : GlobalTable<long, string?>;

/// <summary>Lookups by lookup id (the value is the customer id), partitioned unlike the customers.</summary>
[Topic("customer-lookups", Partitions = 3)]
public sealed partial class CustomerLookups : Topic<long, long>;

/// <summary>The name each lookup found.</summary>
[Table("lookup-results")]
public sealed partial class LookupResults : Table<long, string>;

/// <summary>Looks customers up by a key computed from the event, in the global table the customers topic feeds.</summary>
[Agent(typeof(CustomerLookups))]
public sealed partial class LookUpCustomers(CustomerDirectory directory, LookupResults results)
{
    public void Process(long lookup, long customer) =>
        results[lookup] = directory.TryGetValue(customer, out var name) && name is not null ? name : "unknown";
}
