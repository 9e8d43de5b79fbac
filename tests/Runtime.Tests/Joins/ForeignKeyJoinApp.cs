using Faustish;

namespace Faustish.Tests.Joins;

/// <summary>An order names its product by the product's key (its foreign key); null: no product yet.</summary>
public sealed record FkOrder(string Id, string? ProductId);

public sealed record FkProduct(string Name);

// Two partitions of orders, three of products: a foreign-key join needs no co-partitioning.
[Topic("fk-orders", Partitions = 2)]
public sealed partial class FkOrders : Topic<string, FkOrder?>;

[Topic("fk-products", Partitions = 3)]
public sealed partial class FkProducts : Topic<string, FkProduct?>;

[Topic("fk-inner", Partitions = 1)]
public sealed partial class FkInnerResults : Topic<string, JResult?>;

[Topic("fk-left", Partitions = 1)]
public sealed partial class FkLeftResults : Topic<string, JResult?>;

/// <summary>Each order with its product (Kafka Streams' inner KTable–KTable foreign-key join): (key, null, null) when the result is gone.</summary>
[Agent(typeof(FkOrders))]
[Join(typeof(FkProducts), ForeignKey = nameof(FkOrder.ProductId))]
public sealed partial class InnerForeignKeyJoin(FkInnerResults results)
{
    public void Process(string key, FkOrder? order, FkProduct? product) =>
        results.Send(key, order is null && product is null ? null : new JResult(order?.Id, product?.Name));
}

/// <summary>The left join, its foreign key read by a method of the agent: every order gives a result, with or without its product.</summary>
[Agent(typeof(FkOrders))]
[Join(typeof(FkProducts), ForeignKey = nameof(ProductOf), Kind = JoinKind.Left)]
public sealed partial class LeftForeignKeyJoin(FkLeftResults results)
{
    internal static string? ProductOf(FkOrder order) => order.ProductId;

    public void Process(string key, FkOrder? order, FkProduct? product) =>
        results.Send(key, order is null && product is null ? null : new JResult(order?.Id, product?.Name));
}
