using System.Threading.Tasks;
using Faustish.Analyzers.Analyzers;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Tests.Infrastructure;

namespace Faustish.Analyzers.Tests;

/// <summary>
/// The rules added when the generator and the analyzers came to share one set of serving rules (issue #13): every
/// way the generator leaves a class out is reported, and what the generator now serves is no longer reported.
/// </summary>
public sealed class ServingRulesAnalyzerTests
{
    [Fact]
    public async Task Classes_the_app_model_cannot_reach_are_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync("""
            public partial class Shop
            {
                [Topic("orders")]
                private sealed partial class {|#0:Orders|} : Topic<string, PageView>;
            }

            [Table("totals")]
            file sealed partial class {|#1:Totals|} : Table<string, long>;
            """,
            Verify<DeclarationAnalyzer>.Diagnostic(DiagnosticDescriptors.UnreachableClass).WithLocation(0).WithArguments("Orders", "topic", "it is private"),
            Verify<DeclarationAnalyzer>.Diagnostic(DiagnosticDescriptors.UnreachableClass).WithLocation(1).WithArguments("Totals", "table", "it is file-local"));
    }

    [Fact]
    public async Task Abstract_and_static_classes_are_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync("""
            [Topic("orders")]
            public abstract partial class {|#0:Orders|} : Topic<string, PageView>;

            [Agent(typeof(Orders))]
            public static partial class {|#1:Track|}
            {
            }
            """,
            Verify<DeclarationAnalyzer>.Diagnostic(DiagnosticDescriptors.NotInstantiable).WithLocation(0).WithArguments("Orders", "topic", "abstract"),
            Verify<DeclarationAnalyzer>.Diagnostic(DiagnosticDescriptors.NotInstantiable).WithLocation(1).WithArguments("Track", "agent", "static"));
    }

    [Fact]
    public async Task The_name_Definition_is_reported_on_a_class_and_on_a_member_but_not_when_inherited()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync("""
            [Topic("definitions")]
            public sealed partial class {|#0:Definition|} : Topic<string, PageView>;

            public abstract class AgentBase { public static string Definition => "base"; }

            [Agent(typeof(Definition))]
            public sealed partial class Index
            {
                public static string {|#1:Definition|} => "mine";

                public void Process(string key, PageView value) { }
            }

            [Agent(typeof(Definition))]
            public sealed partial class Inherits : AgentBase
            {
                public void Process(string key, PageView value) { }
            }
            """,
            Verify<DeclarationAnalyzer>.Diagnostic(DiagnosticDescriptors.ReservedName).WithLocation(0)
                .WithArguments("Definition", "is named 'Definition', the name of the member the generator adds to it"),
            Verify<DeclarationAnalyzer>.Diagnostic(DiagnosticDescriptors.ReservedName).WithLocation(1)
                .WithArguments("Index", "declares a member named 'Definition', the name of the member the generator adds to it"));
    }

    [Fact]
    public async Task Types_in_the_codecs_namespace_are_reported_but_not_elsewhere_under_Faustish_Generated()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(
            [
                ("Codecs.cs", "namespace Faustish.Generated.Codecs { public sealed class {|#0:Mine|} { } }"),
                ("Model.cs", "namespace Faustish.Generated { internal static class FaustishAppModel { } }"),
            ],
            Verify<DeclarationAnalyzer>.Diagnostic(DiagnosticDescriptors.ReservedNamespace).WithLocation(0).WithArguments("Mine", "Faustish.Generated.Codecs"));
    }

    [Fact]
    public async Task Classes_nested_in_partial_containers_of_any_kind_are_not_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync("""
            public static partial class Streams
            {
                [Topic("page-views")]
                public sealed partial class PageViews : Topic<string, PageView>;
            }

            public partial record Holder
            {
                [Table("counts")]
                public sealed partial class Counts : Table<string, long>;
            }

            public partial interface IAgents
            {
                [Agent(typeof(Streams.PageViews))]
                public sealed partial record CountViews(Holder.Counts Counts)
                {
                    public void Process(string page, PageView view) { }
                }
            }
            """);
    }

    [Fact]
    public async Task Required_members_are_reported_unless_the_agent_constructor_sets_them()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync("""
            [Table("counts")]
            public sealed partial class {|#0:Counts|} : Table<string, long>
            {
                public required int Size { get; init; }
            }

            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            public sealed partial class {|#1:Count|}
            {
                public required string Label { get; init; }
                public void Process(string page, PageView view) { }
            }

            [Agent(typeof(PageViews))]
            public sealed partial class Labelled
            {
                [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
                public Labelled() => Label = "set";

                public required string Label { get; init; }
                public void Process(string page, PageView view) { }
            }
            """,
            Verify<DeclarationAnalyzer>.Diagnostic(DiagnosticDescriptors.RequiredMembers).WithLocation(0).WithArguments("Counts", "table", "Size"),
            Verify<DeclarationAnalyzer>.Diagnostic(DiagnosticDescriptors.RequiredMembers).WithLocation(1).WithArguments("Count", "agent", "Label"));
    }

    [Fact]
    public async Task Topic_of_an_array_or_null_is_not_a_topic()
    {
        await Verify<AgentAnalyzer>.AnalyzerAsync("""
            [Agent({|#0:typeof(int[])|})]
            public sealed partial class A
            {
                public void Process(string key, int value) { }
            }

            [Agent({|#1:null|})]
            public sealed partial class B
            {
                public void Process(string key, int value) { }
            }
            """,
            Verify<AgentAnalyzer>.Diagnostic(DiagnosticDescriptors.AgentTopicNotATopic).WithLocation(0).WithArguments("A", "int[]"),
            Verify<AgentAnalyzer>.Diagnostic(DiagnosticDescriptors.AgentTopicNotATopic).WithLocation(1).WithArguments("B", "null"));
    }

    [Fact]
    public async Task Constructor_parameters_the_generated_code_cannot_pass_are_reported()
    {
        await Verify<AgentAnalyzer>.AnalyzerAsync("""
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            public sealed partial class Count(ref {|#0:int|} counter, {|#1:Span<byte>|} scratch, in int fine)
            {
                public void Process(string page, PageView view) { }
            }
            """,
            Verify<AgentAnalyzer>.Diagnostic(DiagnosticDescriptors.AgentConstructorParameter).WithLocation(0).WithArguments("Count", "counter", "it is passed by 'ref'; take it by value"),
            Verify<AgentAnalyzer>.Diagnostic(DiagnosticDescriptors.AgentConstructorParameter).WithLocation(1)
                .WithArguments("Count", "scratch", "'Span<byte>' is a ref struct, which cannot come from dependency injection"));
    }

    [Fact]
    public async Task Agents_without_exactly_one_accessible_constructor_are_reported()
    {
        await Verify<AgentAnalyzer>.AnalyzerAsync("""
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            public sealed partial class {|#0:Two|}
            {
                public Two() { }
                internal Two(int size) { }
                public void Process(string page, PageView view) { }
            }

            [Agent(typeof(PageViews))]
            public sealed partial class {|#1:Hidden|}
            {
                private Hidden() { }
                public void Process(string page, PageView view) { }
            }

            [Agent(typeof(PageViews))]
            public sealed partial record OneAndACopy(int Size)
            {
                public void Process(string page, PageView view) { }
            }
            """,
            Verify<AgentAnalyzer>.Diagnostic(DiagnosticDescriptors.AgentConstructors).WithLocation(0).WithArguments("Two", "2 public or internal constructors"),
            Verify<AgentAnalyzer>.Diagnostic(DiagnosticDescriptors.AgentConstructors).WithLocation(1).WithArguments("Hidden", "no public or internal constructor"));
    }

    [Fact]
    public async Task A_default_agent_name_that_is_not_valid_is_reported_on_the_class()
    {
        await Verify<AgentAnalyzer>.AnalyzerAsync("""
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            public sealed partial class {|#0:Zähler|}
            {
                public void Process(string page, PageView view) { }
            }

            [Agent(typeof(PageViews), Name = "zaehler")]
            public sealed partial class Größe
            {
                public void Process(string page, PageView view) { }
            }
            """,
            Verify<AgentAnalyzer>.Diagnostic(DiagnosticDescriptors.InvalidAgentName).WithLocation(0)
                .WithArguments("zähler", "it contains 'ä'; use only a-z, A-Z, 0-9, '.', '_' and '-' (the name comes from the class name; set [Agent(Name = ...)])"));
    }

    [Fact]
    public async Task Duplicate_agent_names_are_reported_explicit_or_by_default()
    {
        await Verify<DuplicateNameAnalyzer>.AnalyzerAsync(
            [
                ("Topics.cs", """
                    [Topic("page-views")]
                    public sealed partial class PageViews : Topic<string, PageView>;

                    [Agent(typeof(PageViews), Name = {|#0:"same"|})]
                    public sealed partial class First { public void Process(string key, PageView value) { } }

                    [Agent(typeof(PageViews), Name = {|#1:"same"|})]
                    public sealed partial class Second { public void Process(string key, PageView value) { } }
                    """),
                ("North.cs", """
                    namespace North;
                    [Agent(typeof(PageViews))]
                    public sealed partial class {|#2:Audit|} { public void Process(string key, PageView value) { } }
                    """),
                ("South.cs", """
                    namespace South;
                    [Agent(typeof(PageViews))]
                    public sealed partial class {|#3:Audit|} { public void Process(string key, PageView value) { } }
                    """),
            ],
            Verify<DuplicateNameAnalyzer>.Diagnostic(DiagnosticDescriptors.DuplicateAgentName).WithLocation(0).WithArguments("same", "Second"),
            Verify<DuplicateNameAnalyzer>.Diagnostic(DiagnosticDescriptors.DuplicateAgentName).WithLocation(1).WithArguments("same", "First"),
            Verify<DuplicateNameAnalyzer>.Diagnostic(DiagnosticDescriptors.DuplicateAgentName).WithLocation(2).WithArguments("audit", "South.Audit"),
            Verify<DuplicateNameAnalyzer>.Diagnostic(DiagnosticDescriptors.DuplicateAgentName).WithLocation(3).WithArguments("audit", "North.Audit"));
    }

    [Fact]
    public async Task A_table_source_that_is_not_a_topic_of_the_tables_types_is_reported()
    {
        await Verify<TopicTableAnalyzer>.AnalyzerAsync("""
            [Topic("customers", Partitions = 4)]
            public sealed partial class CustomersTopic : Topic<string, string>;

            public sealed class NotATopic;

            [Table("customers")]
            public sealed partial class Customers : Table<string, string>;

            [Table("names", Source = typeof(CustomersTopic))]
            public sealed partial class Names : Table<string, string>;

            [Table("names-global", Source = typeof(CustomersTopic))]
            public sealed partial class GlobalNames : GlobalTable<string, string>;

            [Table("counts", Source = {|#0:typeof(CustomersTopic)|})]
            public sealed partial class Counts : Table<string, long>;

            [Table("from-table", Source = {|#1:typeof(Customers)|})]
            public sealed partial class FromTable : Table<string, string>;

            [Table("plain", Source = {|#2:typeof(NotATopic)|})]
            public sealed partial class Plain : Table<string, string>;

            [Table("per-minute", Window = "tumbling 1m", Source = {|#3:typeof(CustomersTopic)|})]
            public sealed partial class PerMinute : WindowedTable<string, string>;
            """,
            Verify<TopicTableAnalyzer>.Diagnostic(DiagnosticDescriptors.InvalidTableSource).WithLocation(0)
                .WithArguments("counts", "its Source, CustomersTopic, carries string -> string, not the table's string -> long"),
            Verify<TopicTableAnalyzer>.Diagnostic(DiagnosticDescriptors.InvalidTableSource).WithLocation(1)
                .WithArguments("from-table", "its Source, Customers, is not a [Topic] class deriving from Topic<TKey, TValue>"),
            Verify<TopicTableAnalyzer>.Diagnostic(DiagnosticDescriptors.InvalidTableSource).WithLocation(2)
                .WithArguments("plain", "its Source, NotATopic, is not a [Topic] class deriving from Topic<TKey, TValue>"),
            Verify<TopicTableAnalyzer>.Diagnostic(DiagnosticDescriptors.InvalidTableSource).WithLocation(3)
                .WithArguments("per-minute", "a windowed table cannot be fed by a topic (its windows are built by an agent from events)"));
    }

    [Fact]
    public async Task Nullable_table_keys_and_out_of_range_settings_are_reported()
    {
        await Verify<TopicTableAnalyzer>.AnalyzerAsync("""
            [Table("totals")]
            public sealed partial class Totals : Table<{|#0:string?|}, long>;

            [Table("per-minute", Window = "tumbling 1m", Late = {|#1:(LateEvents)7|}, CloseOn = {|#2:0|}, RelativeTo = WindowTime.Now)]
            public sealed partial class PerMinute : WindowedTable<string, long>;
            """,
            Verify<TopicTableAnalyzer>.Diagnostic(DiagnosticDescriptors.NullableTableKey).WithLocation(0).WithArguments("totals", "string?", "string"),
            Verify<TopicTableAnalyzer>.Diagnostic(DiagnosticDescriptors.InvalidTableSetting).WithLocation(1).WithArguments("per-minute", "Late", 7, "LateEvents.Drop or LateEvents.DeadLetter"),
            Verify<TopicTableAnalyzer>.Diagnostic(DiagnosticDescriptors.InvalidTableSetting).WithLocation(2)
                .WithArguments("per-minute", "CloseOn", 0, "WindowClose.StreamTime, optionally | WindowClose.WallClock"));
    }

    [Fact]
    public async Task Types_the_generator_serves_are_not_reported()
    {
        await Verify<SerializationAnalyzer>.AnalyzerAsync(
            [
                ("Types.cs", """
                    using System.Text.Json.Serialization;

                    public sealed class Tagged
                    {
                        public ICollection<string> Tags { get; set; } = new List<string>();

                        [JsonIgnore]
                        public object? Cache { get; set; }
                    }

                    public sealed record Internal
                    {
                        [JsonConstructor]
                        internal Internal(int count) => Count = count;

                        public int Count { get; }
                    }

                    public sealed record Envelope<T>(string Kind, T Payload) { public int Version { get; init; } = 1; }

                    [Topic("tagged")] public sealed partial class TaggedTopic : Topic<string, Tagged>;
                    [Topic("internal")] public sealed partial class InternalTopic : Topic<string, Internal>;
                    [Topic("envelopes")] public sealed partial class Envelopes : Topic<string, Envelope<PageView>>;
                    """),
                ("System.cs", """
                    namespace System.Shop;

                    public sealed record Order(string Id, decimal Total);

                    [Topic("system-orders")] public sealed partial class Orders : Topic<string, Order>;
                    """),
            ]);
    }

    [Fact]
    public async Task Attributes_the_codecs_cannot_honour_are_reported_with_the_member()
    {
        await Verify<SerializationAnalyzer>.AnalyzerAsync("""
            using System.Text.Json.Serialization;

            public sealed record Clash([property: JsonPropertyName("name")] string A, [property: JsonPropertyName("NAME")] string B);

            public sealed class Ignored
            {
                [JsonIgnore]
                public required string Name { get; init; }
            }

            public sealed class Holder<T> { public T? Value { get; init; } }

            public sealed record Held(Holder<int> Inner);

            [Topic("clash")] public sealed partial class Clashes : Topic<string, {|#0:Clash|}>;
            [Topic("ignored")] public sealed partial class Ignoring : Topic<string, {|#1:Ignored|}>;
            [Topic("held")] public sealed partial class Holding : Topic<string, {|#2:Held|}>;
            """,
            Verify<SerializationAnalyzer>.Diagnostic(DiagnosticDescriptors.UnsupportedType).WithLocation(0)
                .WithArguments("value", "Clashes", "Clash.B", "has the JSON name 'NAME', which clashes with that of 'A' (names are matched ignoring case)"),
            Verify<SerializationAnalyzer>.Diagnostic(DiagnosticDescriptors.UnsupportedType).WithLocation(1)
                .WithArguments("value", "Ignoring", "Ignored.Name", "is required but marked [JsonIgnore], which JsonSerializer rejects"),
            Verify<SerializationAnalyzer>.Diagnostic(DiagnosticDescriptors.UnsupportedType).WithLocation(2)
                .WithArguments("value", "Holding", "Held.Inner.Value",
                    "has an init-only setter in a generic class, which the generated codecs cannot call; make it 'set', 'required' or a constructor parameter, or make the class a record"));
    }
}
