using System.Threading.Tasks;
using Faustish.Analyzers.Diagnostics;
using Verifier = Faustish.Analyzers.Tests.Infrastructure.Verify<Faustish.Analyzers.Analyzers.JoinAnalyzer>;

namespace Faustish.Analyzers.Tests;

/// <summary>Join agents (FSH0115): co-partitioned topics, the window grammar, nullable sides where the join passes null, void methods.</summary>
public sealed class JoinAnalyzerTests
{
    private static string Source(string join, string method, int paymentPartitions = 4, string paymentKey = "string", string paymentValue = "Payment") => $$"""
        public sealed record Order(string Id);
        public sealed record Payment(string OrderId);

        [Topic("orders", Partitions = 4)]
        public sealed partial class Orders : Topic<string, Order>;

        [Topic("payments", Partitions = {{paymentPartitions}})]
        public sealed partial class Payments : Topic<{{paymentKey}}, {{paymentValue}}>;

        [Agent(typeof(Orders))]
        {{join}}
        public sealed partial class PaidOrders
        {
            {{method}}
        }
        """;

    [Theory]
    [InlineData("[Join(typeof(Payments), Window = \"10m\")]", "public void Process(string id, Order order, Payment payment) { }")]
    [InlineData("[Join(typeof(Payments), Window = \"before 1m after 10m grace 30s\", Kind = JoinKind.Left)]", "public void Process(string id, Order order, Payment? payment) { }")]
    [InlineData("[Join(typeof(Payments), Window = \"5m grace 1m\", Kind = JoinKind.Outer)]", "public void Process(string id, Order? order, Payment? payment) { }")]
    [InlineData("[Join(typeof(Payments))]", "public void Process(string id, Order? order, Payment? payment) { }")]
    public async Task Joins_the_runtime_can_run_are_not_reported(string join, string method) =>
        await Verifier.AnalyzerAsync(Source(join, method));

    [Fact]
    public async Task Topics_with_other_partition_counts_or_keys_are_reported()
    {
        await Verifier.AnalyzerAsync(Source("[{|#0:Join(typeof(Payments), Window = \"10m\")|}]", "public void Process(string id, Order order, Payment payment) { }", paymentPartitions: 8),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidJoin).WithLocation(0).WithArguments("PaidOrders",
                "'Orders' has 4 partitions and 'Payments' has 8; a join reads partition n of both together, so make the counts equal"));
        await Verifier.AnalyzerAsync(Source("[{|#0:Join(typeof(Payments), Window = \"10m\")|}]", "public void Process(string id, Order order, Payment payment) { }", paymentKey: "long"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidJoin).WithLocation(0).WithArguments("PaidOrders",
                "'Orders' has string keys and 'Payments' has long keys; a join matches records by key, so give both topics the same key type" +
                " (or, if the left values name right keys, set ForeignKey to that member)"));
    }

    private static string ForeignKeySource(string join, string members = "") => $$"""
        public sealed record Order(string Id, long? CustomerId, string Note);
        public sealed record Customer(string Name);

        [Topic("orders", Partitions = 4)]
        public sealed partial class Orders : Topic<string, Order>;

        [Topic("customers", Partitions = 3)]
        public sealed partial class Customers : Topic<long, Customer>;

        [Agent(typeof(Orders))]
        {{join}}
        public sealed partial class OrdersWithCustomers
        {
            public void Process(string id, Order? order, Customer? customer) { }
            {{members}}
        }
        """;

    [Theory]
    [InlineData("[Join(typeof(Customers), ForeignKey = nameof(Order.CustomerId))]", "")]
    [InlineData("[Join(typeof(Customers), ForeignKey = nameof(CustomerOf), Kind = JoinKind.Left)]", "internal static long? CustomerOf(Order order) => order.CustomerId;")]
    [InlineData("[Join(typeof(Customers), ForeignKey = nameof(CustomerOf))]", "internal static long CustomerOf(Order order) => long.Parse(order.Note);")]
    public async Task Foreign_key_joins_of_topics_with_other_keys_and_partitions_are_not_reported(string join, string members) =>
        await Verifier.AnalyzerAsync(ForeignKeySource(join, members));

    [Theory]
    [InlineData("ForeignKey = nameof(Order.Note)", "",
        "ForeignKey Order.Note is string, but 'Customers' has long keys; a foreign key is a key of the right topic, so give it that type, or convert it in a method of OrdersWithCustomers, internal static long? ForeignKeyOf(Order value), and name that")]
    [InlineData("ForeignKey = \"Missing\"", "",
        "ForeignKey 'Missing': Order has no property or field 'Missing' and OrdersWithCustomers no method 'Missing'; name a long property of Order, or declare on OrdersWithCustomers internal static long? Missing(Order value)")]
    [InlineData("ForeignKey = nameof(CustomerOf)", "internal static string CustomerOf(Order order) => order.Note;",
        "ForeignKey method OrdersWithCustomers.CustomerOf returns string; declare it internal static long? CustomerOf(Order value)")]
    [InlineData("ForeignKey = nameof(CustomerOf)", "internal long? CustomerOf(Order order) => order.CustomerId;",
        "ForeignKey method OrdersWithCustomers.CustomerOf is not static; declare it internal static long? CustomerOf(Order value)")]
    [InlineData("ForeignKey = nameof(Order.CustomerId), Window = \"5m\"", "",
        "a foreign-key join joins tables (each key's latest value), not streams in a window; leave Window out")]
    [InlineData("ForeignKey = nameof(Order.CustomerId), Kind = JoinKind.Outer", "",
        "a foreign-key join cannot be an outer join (a right value has no left key to give its result under); use JoinKind.Inner or JoinKind.Left")]
    public async Task A_foreign_key_the_join_cannot_read_is_reported(string settings, string members, string problem) =>
        await Verifier.AnalyzerAsync(ForeignKeySource("[{|#0:Join(typeof(Customers), " + settings + ")|}]", members),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidJoin).WithLocation(0).WithArguments("OrdersWithCustomers", problem));

    [Theory]
    [InlineData("10 minutes", "'10' has no known unit; use ms, s, m, h or d")]
    [InlineData("before 1m", "needs both 'before' and 'after' when it gives either; or write one duration for both, e.g. \"5m\"")]
    [InlineData("5m after 1m", "has 'after' where it expects 'grace'; write e.g. \"5m\", \"5m grace 1m\" or \"before 1m after 5m grace 30s\"")]
    [InlineData("5m grace", "ends with 'grace' and no duration after it")]
    public async Task A_window_that_does_not_parse_is_reported(string window, string error) =>
        await Verifier.AnalyzerAsync(Source("[{|#0:Join(typeof(Payments), Window = \"" + window + "\")|}]", "public void Process(string id, Order order, Payment payment) { }"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidJoin).WithLocation(0).WithArguments("PaidOrders", $"Window \"{window}\" {error}"));

    [Fact]
    public async Task A_side_the_join_passes_null_for_must_be_nullable()
    {
        await Verifier.AnalyzerAsync(Source("[{|#0:Join(typeof(Payments), Window = \"10m\", Kind = JoinKind.Left)|}]", "public void Process(string id, Order order, Payment payment) { }"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidJoin).WithLocation(0).WithArguments("PaidOrders",
                "parameter 'payment' is not nullable, but this join passes null for it (an unmatched left record); declare it Payment?"));
        await Verifier.AnalyzerAsync(Source("[{|#0:Join(typeof(Payments))|}]", "public void Process(string id, Order order, Payment? payment) { }"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidJoin).WithLocation(0).WithArguments("PaidOrders",
                "parameter 'order' is not nullable, but this join passes null for it (a table join's gone result); declare it Order?"));
    }

    [Fact]
    public async Task A_method_that_does_not_return_void_and_a_join_without_an_agent_are_reported()
    {
        await Verifier.AnalyzerAsync(Source("[{|#0:Join(typeof(Payments), Window = \"10m\")|}]", "public System.Threading.Tasks.Task Process(string id, Order order, Payment payment) => System.Threading.Tasks.Task.CompletedTask;"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidJoin).WithLocation(0).WithArguments("PaidOrders",
                "Process returns System.Threading.Tasks.Task; a join agent's method is called with each result and returns void"));
        await Verifier.AnalyzerAsync("""
            public sealed record Payment(string OrderId);

            [Topic("payments", Partitions = 4)]
            public sealed partial class Payments : Topic<string, Payment>;

            [{|#0:Join(typeof(Payments))|}]
            public sealed class NotAnAgent;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidJoin).WithLocation(0).WithArguments("NotAnAgent",
                "[Join] goes beside [Agent(typeof(LeftTopic))]: the agent's own topic is the join's left side"));
    }

    [Theory]
    [InlineData("5m")]
    [InlineData("5m grace 1m")]
    [InlineData("before 1m after 5m")]
    [InlineData("after 5m before 1m grace 30s")]
    [InlineData("  500ms  ")]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("before 1m")]
    [InlineData("5m after 1m")]
    [InlineData("grace 1m")]
    [InlineData("before 1m before 2m after 1m")]
    public void The_analyzer_and_the_runtime_read_join_windows_alike(string window)
    {
        var analyzer = Model.JoinWindowSpec.TryParse(window, out var parsed, out var analyzerError);
        var runtime = Faustish.Joins.JoinWindow.TryParse(window, out var runtimeWindow, out var runtimeError);
        Assert.Equal(runtime, analyzer);
        Assert.Equal(runtimeError, analyzerError);
        if (runtime)
        {
            Assert.Equal((runtimeWindow!.BeforeMs, runtimeWindow.AfterMs, runtimeWindow.GraceMs), parsed);
        }
    }
}
