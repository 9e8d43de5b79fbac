using System;
using System.IO;
using System.Linq;

namespace Faustish.Generators.Tests;

/// <summary>
/// The generated code of a representative app, compared with golden files in <c>Golden/</c>. When the generator
/// changes on purpose, accept the new output with <c>FAUSTISH_ACCEPT_GOLDEN=1 dotnet test --filter GeneratorGolden</c>
/// and review the diff like any other code change.
/// </summary>
public sealed class GeneratorGoldenTests
{
    public const string RepresentativeApp = """
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using Faustish;
        using Faustish.Agents;

        namespace Shop;

        public sealed record Address(string Street, string City, string? PostCode);

        public sealed record Customer(string Name, Address Address, List<string> Tags);

        public enum Channel { Web, Store, Phone }

        public sealed record Order(Guid Id, Customer Customer, decimal Total, Channel Channel, DateTimeOffset PlacedAt, OrderLine[] Lines);

        public sealed record OrderLine(string Sku, int Quantity, decimal Price);

        public readonly record struct Shipment(long OrderNumber, int Parcels, DateTimeOffset ShippedAt);

        [Topic("orders", Partitions = 8, Timestamp = nameof(Order.PlacedAt))]
        public sealed partial class Orders : Topic<string, Order>;

        [Topic("shipments", Partitions = 8, Timestamp = nameof(EventTime))]
        public sealed partial class Shipments : Topic<long, Shipment>
        {
            // Shipments recorded without a time keep their record's timestamp.
            internal static long EventTime(long orderNumber, Shipment shipment, long recordTimestampMs) =>
                shipment.ShippedAt == default ? recordTimestampMs : shipment.ShippedAt.ToUnixTimeMilliseconds();
        }

        [Topic("big-orders", Partitions = 8)]
        public sealed partial class BigOrders : Topic<string, Order>;

        [Table("revenue-per-city")]
        public sealed partial class RevenuePerCity : Table<string, decimal>;

        [Table("orders-per-customer")]
        public sealed partial class OrdersPerCustomer : Table<string, long>;

        [Table("parcels")]
        public sealed partial class Parcels : Table<long, long>;

        [Table("fx-rates")]
        public sealed partial class FxRates : GlobalTable<string, decimal>;

        [Table("orders-per-minute", Window = "tumbling 1m grace 10s", Expires = "1h")]
        public sealed partial class OrdersPerMinute : WindowedTable<string, long>;

        [Table("parcel-sessions", Window = "session 30m", Late = LateEvents.DeadLetter, CloseOn = WindowClose.StreamTime | WindowClose.WallClock)]
        public sealed partial class ParcelSessions : WindowedTable<long, long>
        {
            protected override void OnWindowClosed(long orderNumber, Window window, long parcels)
            {
            }
        }

        [Agent(typeof(Orders))]
        public sealed partial class TrackOrders(RevenuePerCity revenue, OrdersPerCustomer perCustomer, BigOrders bigOrders, OrdersPerMinute perMinute)
        {
            public void Process(string orderId, Order order)
            {
                revenue[order.Customer.Address.City] += order.Total;
                perMinute[order.Customer.Name] += 1;
                perCustomer.Increment(order.Customer.Name);
                if (order.Total > 1000m)
                {
                    bigOrders.Send(orderId, order);
                }
            }
        }

        [Agent(typeof(Shipments), Name = "count-parcels", Concurrency = 2)]
        public sealed partial class CountParcels(Parcels parcels, ParcelSessions sessions)
        {
            public ValueTask ProcessAsync(long orderNumber, Shipment shipment, EventContext context)
            {
                parcels.Increment(orderNumber, shipment.Parcels);
                sessions[orderNumber, shipment.ShippedAt] += shipment.Parcels;
                return ValueTask.CompletedTask;
            }

            [OnStart]
            public void Warm() { }

            [Timer("30s")]
            public void ReportParcels() { }

            [Crontab("0 3 * * *", TimeZone = "Europe/Paris", OnLeader = true)]
            public Task ExpireAsync(System.Threading.CancellationToken cancellationToken) => Task.CompletedTask;

            [OnStop]
            public ValueTask FlushAsync() => ValueTask.CompletedTask;
        }
        """;

    [Fact]
    public void Generated_code_matches_the_golden_files()
    {
        var (files, output, _) = GeneratorHarness.Run(RepresentativeApp);
        Assert.Empty(GeneratorHarness.Problems(output));

        var folder = Path.Combine(GeneratorHarness.SourceFolder(), "Golden");
        var accept = Environment.GetEnvironmentVariable("FAUSTISH_ACCEPT_GOLDEN") == "1";
        if (accept)
        {
            foreach (var stale in Directory.EnumerateFiles(folder, "*.verified.cs"))
            {
                File.Delete(stale);
            }
        }

        foreach (var (hintName, text) in files)
        {
            var golden = Path.Combine(folder, Path.ChangeExtension(hintName, null).Replace(".g", "", StringComparison.Ordinal) + ".verified.cs");
            if (accept)
            {
                File.WriteAllText(golden, text);
                continue;
            }

            Assert.True(File.Exists(golden), $"No golden file for {hintName}. Run with FAUSTISH_ACCEPT_GOLDEN=1 to create {golden}.");
            Assert.Equal(File.ReadAllText(golden).ReplaceLineEndings("\n"), text.ReplaceLineEndings("\n"));
        }

        var expected = Directory.EnumerateFiles(folder, "*.verified.cs").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        var produced = files.Keys.Select(h => Path.ChangeExtension(h, null).Replace(".g", "", StringComparison.Ordinal) + ".verified.cs").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, produced);
    }

    [Fact]
    public void Generated_code_compiles_warning_free_with_warnings_as_errors()
    {
        var (_, output, diagnostics) = GeneratorHarness.Run(RepresentativeApp);
        Assert.Empty(diagnostics);
        var strict = output.WithOptions(output.Options.WithGeneralDiagnosticOption(Microsoft.CodeAnalysis.ReportDiagnostic.Error));
        Assert.Empty(GeneratorHarness.Problems(strict));
    }

    [Fact]
    public void Timers_and_hooks_the_analyzers_reject_are_left_out_and_the_rest_still_run()
    {
        var (files, output, diagnostics) = GeneratorHarness.Run("""
            using Faustish;
            [Topic("numbers")]
            public sealed partial class Numbers : Topic<long, long>;
            [Agent(typeof(Numbers))]
            public sealed partial class Ticks
            {
                public void Process(long key, long value) { }
                [Timer("0s")] public void Never() { }                  // FSH0508
                [Timer("10s")] private void Hidden() { }               // FSH0112
                [Timer("1m")] public int Counted() => 0;               // FSH0112
                [OnStart] public void Begin(string name) { }          // FSH0112
                [Timer("00:00:05")] public void Kept() { }
            }
            """);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var agent = files.Single(f => f.Key.Contains("Ticks.Agent", StringComparison.Ordinal)).Value;
        Assert.Contains("AgentTimer.Every(\"Kept\", global::System.TimeSpan.FromMilliseconds(5000), onLeader: false)", agent, StringComparison.Ordinal);
        Assert.DoesNotContain("Never", agent, StringComparison.Ordinal);
        Assert.DoesNotContain("Hidden", agent, StringComparison.Ordinal);
        Assert.DoesNotContain("Counted", agent, StringComparison.Ordinal);
        Assert.DoesNotContain("OnStart", agent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_class_that_is_not_partial_gets_no_generated_code()
    {
        var (files, _, diagnostics) = GeneratorHarness.Run("""
            using Faustish;
            [Topic("numbers")]
            public sealed class Numbers : Topic<long, long>
            {
                public Numbers() : base(null!, null!) { }
            }
            """);
        Assert.Empty(diagnostics);
        Assert.DoesNotContain(files.Keys, k => k.Contains("Numbers", StringComparison.Ordinal));
    }

    [Fact]
    public void An_agent_whose_method_does_not_match_its_topic_gets_no_generated_code()
    {
        var (files, output, _) = GeneratorHarness.Run("""
            using Faustish;
            [Topic("numbers")]
            public sealed partial class Numbers : Topic<long, long>;
            [Agent(typeof(Numbers))]
            public sealed partial class Wrong
            {
                public void Process(string key, long value) { }
            }
            """);
        Assert.DoesNotContain(files.Keys, k => k.Contains("Wrong", StringComparison.Ordinal));
        Assert.Empty(GeneratorHarness.Problems(output));
    }

    [Fact]
    public void An_agent_whose_table_or_topic_is_rejected_gets_no_code_so_no_error_points_into_generated_files()
    {
        var (files, output, _) = GeneratorHarness.Run("""
            using Faustish;
            public sealed record Order(string Customer, decimal Total);
            [Topic("orders")]
            public sealed partial class Orders : Topic<string, Order>;
            [Table("spent")]
            public sealed class Spent : Table<string, decimal> { public Spent() : base(null!) { } } // not partial: FSH0001
            [Topic("alerts")]
            public sealed partial class Alerts : Topic<string, System.Action>; // not serializable: FSH0400
            [Agent(typeof(Orders))]
            public sealed partial class UsesBadTable(Spent spent)
            {
                public void Process(string customer, Order order) => spent[customer] += order.Total;
            }
            [Agent(typeof(Orders))]
            public sealed partial class UsesBadTopic(Alerts alerts)
            {
                public void Process(string customer, Order order) { }
            }
            [Agent(typeof(Alerts))]
            public sealed partial class ReadsBadTopic
            {
                public void Process(string key, System.Action value) { }
            }
            """);

        Assert.DoesNotContain(files.Keys, k => k.Contains("Uses", StringComparison.Ordinal) || k.Contains("ReadsBadTopic", StringComparison.Ordinal));
        Assert.DoesNotContain(GeneratorHarness.Problems(output), d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
        Assert.Contains(files.Keys, k => k.Contains("Orders.Topic", StringComparison.Ordinal));
    }

    [Fact]
    public void Agent_names_default_to_kebab_case()
    {
        Assert.Equal("count-page-views", Faustish.Generators.Rules.AgentRules.KebabCase("CountPageViews"));
        Assert.Equal("html-parser", Faustish.Generators.Rules.AgentRules.KebabCase("HTMLParser"));
        Assert.Equal("agent2", Faustish.Generators.Rules.AgentRules.KebabCase("Agent2"));
    }
}
