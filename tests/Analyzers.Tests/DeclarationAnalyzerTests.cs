using System.Threading.Tasks;
using Faustish.Analyzers.Analyzers;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Tests.Infrastructure;
using Verifier = Faustish.Analyzers.Tests.Infrastructure.Verify<Faustish.Analyzers.Analyzers.DeclarationAnalyzer>;

namespace Faustish.Analyzers.Tests;

public sealed class DeclarationAnalyzerTests
{
    [Fact]
    public async Task Topic_not_partial_is_reported_on_its_name()
    {
        await Verifier.AnalyzerAsync("""
            [Topic("page-views")]
            public sealed class {|#0:PageViews|} : Topic<string, PageView>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.ClassNotPartial).WithLocation(0).WithArguments("PageViews", "topic"));
    }

    [Fact]
    public async Task Agent_not_partial_is_reported()
    {
        await Verifier.AnalyzerAsync("""
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            public sealed class {|#0:CountViews|}
            {
                public void Process(string key, PageView value) { }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.ClassNotPartial).WithLocation(0).WithArguments("CountViews", "agent"));
    }

    [Fact]
    public async Task Partial_classes_and_plain_classes_are_not_reported()
    {
        await Verifier.AnalyzerAsync("""
            [Topic("page-views", Partitions = 4)]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Table("page-counts")]
            public sealed partial class PageCounts : Table<string, long>;

            public sealed class NotFaustish { public NotFaustish(int x) { } }
            """);
    }

    [Fact]
    public async Task Topic_with_the_wrong_base_is_reported()
    {
        await Verifier.AnalyzerAsync("""
            [Topic("page-views")]
            public sealed partial class {|#0:PageViews|} : Table<string, PageView>;

            [Table("counts")]
            public sealed partial class {|#1:Counts|};
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.WrongBaseType).WithLocation(0).WithArguments("PageViews", "Topic", "a class deriving from Faustish.Topic<TKey, TValue>"),
            Verifier.Diagnostic(DiagnosticDescriptors.WrongBaseType).WithLocation(1).WithArguments("Counts", "Table",
                "a class deriving from Faustish.Table<TKey, TValue>, WindowedTable<TKey, TValue> or GlobalTable<TKey, TValue>"));
    }

    [Fact]
    public async Task Topic_deriving_through_an_intermediate_base_is_not_reported_when_the_base_keeps_the_constructor()
    {
        await Verifier.AnalyzerAsync("""
            public abstract class Base<T> : Topic<string, T>
            {
                protected Base(Faustish.Topics.TopicDefinition<string, T> definition, RecordSender sender) : base(definition, sender) { }
            }

            [Topic("page-views")]
            public sealed partial class PageViews : Base<PageView>;
            """);
    }

    [Fact]
    public async Task Intermediate_base_without_the_constructor_the_generator_calls_is_reported()
    {
        await Verifier.AnalyzerAsync("""
            public abstract class Base<T> : Topic<string, T> { protected Base() : base(null!, null!) { } }

            [Topic("page-views")]
            public sealed partial class {|#0:PageViews|} : Base<PageView>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.WrongBaseType).WithLocation(0).WithArguments("PageViews", "Topic",
                "a class deriving from Faustish.Topic<TKey, TValue> through base classes that keep its constructor (TopicDefinition<TKey, TValue>, RecordSender), which the generated constructor calls"));
    }

    [Fact]
    public async Task Constructors_on_topics_and_tables_are_reported()
    {
        await Verifier.AnalyzerAsync("""
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>
            {
                public {|#0:PageViews|}() : base(null!, null!) { }
                static PageViews() { }
            }

            [Table("counts")]
            public sealed partial class Counts{|#1:(Faustish.Tables.TableShard<string, long> shard)|} : Table<string, long>(shard);
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.ConstructorDeclared).WithLocation(0).WithArguments("PageViews", "Topic"),
            Verifier.Diagnostic(DiagnosticDescriptors.ConstructorDeclared).WithLocation(1).WithArguments("Counts", "Table"));
    }

    [Fact]
    public async Task Agent_constructors_are_allowed()
    {
        await Verifier.AnalyzerAsync("""
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                public CountViews(PageViews views) { }
                public void Process(string key, PageView value) { }
            }
            """);
    }

    [Fact]
    public async Task Generic_table_is_reported_on_its_type_parameters()
    {
        await Verifier.AnalyzerAsync("""
            [Table("counts")]
            public sealed partial class Counts{|#0:<T>|} : Table<string, T>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.GenericClass).WithLocation(0).WithArguments("Counts<T>", "table"));
    }

    [Fact]
    public async Task Class_with_two_roles_is_reported_on_the_second_attribute()
    {
        await Verifier.AnalyzerAsync("""
            [Topic("page-views")]
            [{|#0:Agent(typeof(PageViews))|}]
            public sealed partial class PageViews : Topic<string, PageView>
            {
                public void Process(string key, PageView value) { }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.SeveralRoles).WithLocation(0).WithArguments("PageViews", "Topic", "Agent"));
    }

    [Fact]
    public async Task Nested_class_in_non_partial_type_is_reported()
    {
        await Verifier.AnalyzerAsync("""
            public static class Streams
            {
                [Topic("page-views")]
                public sealed partial class {|#0:PageViews|} : Topic<string, PageView>;
            }

            public static partial class GoodStreams
            {
                [Topic("other")]
                public sealed partial class Other : Topic<string, PageView>;
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.ContainingTypeNotPartial).WithLocation(0).WithArguments("PageViews", "Streams"));
    }
}
