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
