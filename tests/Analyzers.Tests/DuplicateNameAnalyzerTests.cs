using System.Threading.Tasks;
using Faustish.Analyzers.Diagnostics;
using Verifier = Faustish.Analyzers.Tests.Infrastructure.Verify<Faustish.Analyzers.Analyzers.DuplicateNameAnalyzer>;

namespace Faustish.Analyzers.Tests;

public sealed class DuplicateNameAnalyzerTests
{
    [Fact]
    public async Task Duplicate_topic_names_across_files_are_reported_on_each_naming_the_other()
    {
        await Verifier.AnalyzerAsync(
            [
                ("Views.cs", """
                    [Topic({|#0:"page-views"|}, Partitions = 4)]
                    public sealed partial class PageViews : Topic<string, PageView>;
                    """),
                ("Clicks.cs", """
                    namespace Shop;
                    [Topic({|#1:"page-views"|})]
                    public sealed partial class Clicks : Topic<string, PageView>;
                    """),
            ],
            Verifier.Diagnostic(DiagnosticDescriptors.DuplicateTopicName).WithLocation(0).WithArguments("page-views", "Shop.Clicks"),
            Verifier.Diagnostic(DiagnosticDescriptors.DuplicateTopicName).WithLocation(1).WithArguments("page-views", "PageViews"));
    }

    [Fact]
    public async Task Duplicate_table_names_are_reported()
    {
        await Verifier.AnalyzerAsync("""
            [Table({|#0:"counts"|})]
            public sealed partial class A : Table<string, long>;

            [Table({|#1:"counts"|})]
            public sealed partial class B : Table<string, long>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.DuplicateTableName).WithLocation(0).WithArguments("counts", "B"),
            Verifier.Diagnostic(DiagnosticDescriptors.DuplicateTableName).WithLocation(1).WithArguments("counts", "A"));
    }

    [Fact]
    public async Task A_topic_and_a_table_may_share_a_name_and_names_differing_in_case_are_distinct()
    {
        await Verifier.AnalyzerAsync("""
            [Topic("counts")]
            public sealed partial class CountsTopic : Topic<string, long>;

            [Table("counts")]
            public sealed partial class Counts : Table<string, long>;

            [Table("Counts")]
            public sealed partial class Counts2 : Table<string, long>;
            """);
    }
}
