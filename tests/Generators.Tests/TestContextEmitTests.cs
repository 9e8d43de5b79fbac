using System;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Tests;

/// <summary>
/// Every agent's generated <c>TestContext()</c>: typed by the agent's topic, so an event of the wrong key or value type
/// is a compile error in the test, not a failure at run time.
/// </summary>
public sealed class TestContextEmitTests
{
    private const string App = """
        using System;
        using System.Threading.Tasks;
        using Faustish;

        namespace Shop;

        public sealed record Order(string Customer, decimal Amount);

        [Topic("orders", Partitions = 2)]
        public sealed partial class Orders : Topic<string?, Order>;

        [Topic("big-orders", Partitions = 2)]
        public sealed partial class BigOrders : Topic<long, Order>;

        [Table("revenue")]
        public sealed partial class Revenue : Table<string, decimal>;

        [Agent(typeof(Orders))]
        public sealed partial class TrackOrders(Revenue revenue, BigOrders big, BigOrders again)
        {
            public void Process(string? customer, Order order)
            {
                revenue[customer ?? "(none)"] += order.Amount;
                big.Send(1, order);
                again.Send(2, order);
            }
        }

        [Agent(typeof(BigOrders))]
        public sealed partial class Audit
        {
            public ValueTask Process(long id, Order order) => default;
        }
        """;

    [Fact]
    public void TestContext_is_typed_by_the_agents_topic_and_compiles_warning_free()
    {
        var (files, output, diagnostics) = GeneratorHarness.Run(App, """
            using System.Threading.Tasks;

            namespace Shop;

            public static class Tests
            {
                public static async Task Use()
                {
                    await using var test = TrackOrders.TestContext(options => options.Partition = 1);
                    await test.PutAsync(null, new Order("ann", 10m));
                    decimal revenue = test.Table<Revenue>()["ann"];
                    _ = (revenue, test.Sent<BigOrders>());
                    await using var audit = Audit.TestContext();
                    await audit.PutAsync(42L, new Order("bob", 1m));
                }
            }
            """);

        Assert.Empty(diagnostics);
        var agent = files.Single(f => f.Key.EndsWith("TrackOrders.Agent.g.cs", StringComparison.Ordinal)).Value;
        Assert.Contains("public static global::Faustish.Testing.AgentTestContext<string?, global::Shop.Order> TestContext(", agent, StringComparison.Ordinal);
        Assert.Contains("new(Definition, [global::Faustish.Testing.TestTopic.Of(typeof(global::Shop.BigOrders), global::Shop.BigOrders.Definition)], configure);", agent, StringComparison.Ordinal);
        var problems = GeneratorHarness.Problems(output.WithOptions(output.Options.WithGeneralDiagnosticOption(ReportDiagnostic.Error)));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void An_event_of_the_wrong_type_does_not_compile()
    {
        var (_, output, _) = GeneratorHarness.Run(App, """
            using System.Threading.Tasks;

            namespace Shop;

            public static class Tests
            {
                public static async Task Use()
                {
                    await using var test = TrackOrders.TestContext();
                    await test.PutAsync(42, new Order("ann", 10m));
                    await test.PutAsync("ann", "not an order");
                }
            }
            """);

        var errors = GeneratorHarness.Problems(output).Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ToList();
        Assert.Equal(["CS1503", "CS1503"], errors);
    }
}
