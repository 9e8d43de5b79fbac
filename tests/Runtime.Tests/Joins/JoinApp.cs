using Faustish;

namespace Faustish.Tests.Joins;

public sealed record JOrder(string Id, decimal Amount);

public sealed record JPayment(string Id, decimal Amount);

public sealed record JCustomer(string Name);

public sealed record JAddress(string City);

/// <summary>A join result as the test agents send it: each side's id or name, null when that side is missing.</summary>
public sealed record JResult(string? Left, string? Right);

[Topic("j-orders", Partitions = 1)]
public sealed partial class JOrders : Topic<string, JOrder>;

[Topic("j-payments", Partitions = 1)]
public sealed partial class JPayments : Topic<string, JPayment>;

[Topic("j-customers", Partitions = 1)]
public sealed partial class JCustomers : Topic<string, JCustomer?>;

[Topic("j-addresses", Partitions = 1)]
public sealed partial class JAddresses : Topic<string, JAddress?>;

[Topic("j-inner", Partitions = 1)]
public sealed partial class JInnerResults : Topic<string, JResult?>;

[Topic("j-left", Partitions = 1)]
public sealed partial class JLeftResults : Topic<string, JResult?>;

[Topic("j-outer", Partitions = 1)]
public sealed partial class JOuterResults : Topic<string, JResult?>;

/// <summary>Orders and payments at most 10 s apart, out-of-order records joined for 5 s more (Kafka Streams' inner KStream–KStream join).</summary>
[Agent(typeof(JOrders))]
[Join(typeof(JPayments), Window = "10s grace 5s")]
public sealed partial class InnerWindowJoin(JInnerResults results)
{
    public void Process(string key, JOrder order, JPayment payment) => results.Send(key, new JResult(order.Id, payment.Id));
}

[Agent(typeof(JOrders))]
[Join(typeof(JPayments), Window = "10s grace 5s", Kind = JoinKind.Left)]
public sealed partial class LeftWindowJoin(JLeftResults results)
{
    public void Process(string key, JOrder order, JPayment? payment) => results.Send(key, new JResult(order.Id, payment?.Id));
}

[Agent(typeof(JOrders))]
[Join(typeof(JPayments), Window = "10s grace 5s", Kind = JoinKind.Outer)]
public sealed partial class OuterWindowJoin(JOuterResults results)
{
    public void Process(string key, JOrder? order, JPayment? payment) => results.Send(key, new JResult(order?.Id, payment?.Id));
}

/// <summary>Customers and their addresses as tables (latest per key; null deletes): (key, null, null) means the result is gone.</summary>
[Agent(typeof(JCustomers))]
[Join(typeof(JAddresses))]
public sealed partial class InnerTableJoin(JInnerResults results)
{
    public void Process(string key, JCustomer? customer, JAddress? address) =>
        results.Send(key, customer is null && address is null ? null : new JResult(customer?.Name, address?.City));
}

[Agent(typeof(JCustomers))]
[Join(typeof(JAddresses), Kind = JoinKind.Left)]
public sealed partial class LeftTableJoin(JLeftResults results)
{
    public void Process(string key, JCustomer? customer, JAddress? address) =>
        results.Send(key, customer is null && address is null ? null : new JResult(customer?.Name, address?.City));
}

[Agent(typeof(JCustomers))]
[Join(typeof(JAddresses), Kind = JoinKind.Outer)]
public sealed partial class OuterTableJoin(JOuterResults results)
{
    public void Process(string key, JCustomer? customer, JAddress? address) =>
        results.Send(key, customer is null && address is null ? null : new JResult(customer?.Name, address?.City));
}

[Topic("j4-orders", Partitions = 4)]
public sealed partial class J4Orders : Topic<string, JOrder>;

[Topic("j4-payments", Partitions = 4)]
public sealed partial class J4Payments : Topic<string, JPayment>;

[Topic("j4-results", Partitions = 4)]
public sealed partial class J4Results : Topic<string, JResult?>;

/// <summary>A left windowed join over four partitions, for the restart test.</summary>
[Agent(typeof(J4Orders))]
[Join(typeof(J4Payments), Window = "10s grace 5s", Kind = JoinKind.Left)]
public sealed partial class PaidOrders(J4Results results)
{
    public void Process(string key, JOrder order, JPayment? payment) => results.Send(key, new JResult(order.Id, payment?.Id));
}

[Topic("j-enriched", Partitions = 1)]
public sealed partial class JEnriched : Topic<string, JResult?>;

[Table("j-customer-table", Source = typeof(JCustomers))]
public sealed partial class JCustomerTable : Table<string, JCustomer?>;

/// <summary>A stream–table join as Faust users write it: each order looks up its customer in a table fed by a topic.</summary>
[Agent(typeof(JOrders))]
public sealed partial class EnrichJOrders(JCustomerTable customers, JEnriched enriched)
{
    public void Process(string key, JOrder order) =>
        enriched.Send(key, new JResult(order.Id, customers.TryGetValue(key, out var customer) ? customer?.Name : null));
}
