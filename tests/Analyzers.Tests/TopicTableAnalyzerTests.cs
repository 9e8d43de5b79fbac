using System.Threading.Tasks;
using Faustish.Analyzers.Diagnostics;
using Verifier = Faustish.Analyzers.Tests.Infrastructure.Verify<Faustish.Analyzers.Analyzers.TopicTableAnalyzer>;

namespace Faustish.Analyzers.Tests;

public sealed class TopicTableAnalyzerTests
{
    [Fact]
    public async Task Invalid_topic_name_is_reported_on_the_argument()
    {
        await Verifier.AnalyzerAsync("""
            [Topic({|#0:"page views"|})]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Topic({|#1:".."|})]
            public sealed partial class Dots : Topic<string, PageView>;

            [Topic({|#2:""|})]
            public sealed partial class Empty : Topic<string, PageView>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTopicName).WithLocation(0)
                .WithArguments("page views", "it contains a space; use only a-z, A-Z, 0-9, '.', '_' and '-'"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTopicName).WithLocation(1).WithArguments("..", "'.' and '..' are reserved"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTopicName).WithLocation(2).WithArguments("", "it is empty"));
    }

    [Fact]
    public async Task Valid_names_with_dots_underscores_and_dashes_are_not_reported()
    {
        await Verifier.AnalyzerAsync("""
            [Topic("shop.page_views-v2", Partitions = 12)]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Table("page.counts_v1-x", Partitions = 0)]
            public sealed partial class PageCounts : Table<string, long>;
            """);
    }

    [Fact]
    public async Task Too_long_table_name_is_reported()
    {
        var name = new string('a', 250);
        await Verifier.AnalyzerAsync($$"""
            [Table({|#0:"{{name}}"|})]
            public sealed partial class Counts : Table<string, long>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTableName).WithLocation(0)
                .WithArguments(name, "it has 250 characters, more than Kafka's 249"));
    }

    [Fact]
    public async Task Topic_partitions_below_one_are_reported()
    {
        await Verifier.AnalyzerAsync("""
            [Topic("page-views", Partitions = {|#0:0|})]
            public sealed partial class PageViews : Topic<string, PageView>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.TopicPartitionsLessThanOne).WithLocation(0).WithArguments("page-views", 0));
    }

    [Fact]
    public async Task Negative_table_partitions_are_reported_but_zero_is_fine()
    {
        await Verifier.AnalyzerAsync("""
            [Table("a", Partitions = {|#0:-1|})]
            public sealed partial class A : Table<string, long>;

            [Table("b", Partitions = 0)]
            public sealed partial class B : Table<string, long>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.NegativeTablePartitions).WithLocation(0).WithArguments("a", -1));
    }

    [Theory]
    [InlineData("tumbling", "a tumbling window needs a size, e.g. 'tumbling 1m'")]
    [InlineData("rolling 1m", "'rolling' is not a window kind; use tumbling, hopping, sliding or session")]
    [InlineData("tumbling 1x", "'1x' has no known unit; use ms, s, m, h or d")]
    [InlineData("tumbling 0s", "the size must be greater than zero")]
    [InlineData("hopping 1m", "a hopping window needs a step: 'hopping <size> every <step>'")]
    [InlineData("hopping 1m every 5m", "the step 5m is longer than the size 1m, which would leave gaps between windows")]
    [InlineData("session 0ms", "the gap must be greater than zero")]
    [InlineData("sliding 5m grace", "unexpected 'grace'; only 'grace <duration>' may follow the size")]
    [InlineData("tumbling 1m grace 10s extra", "unexpected 'extra' at the end")]
    [InlineData("", "it is empty; write e.g. 'tumbling 1m'")]
    public async Task Window_that_does_not_parse_is_reported(string window, string reason)
    {
        await Verifier.AnalyzerAsync($$"""
            [Table("w", Window = {|#0:"{{window}}"|})]
            public sealed partial class W : WindowedTable<string, long>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidWindow).WithLocation(0).WithArguments(window, "w", reason));
    }

    [Theory]
    [InlineData("tumbling 1m", "1h")]
    [InlineData("hopping 10m every 1m", "1d")]
    [InlineData("hopping 10m every 10m grace 30s", "1h")]
    [InlineData("sliding 500ms grace 1s", "2s")]
    [InlineData("session 30s", "2h")]
    public async Task Valid_windows_are_not_reported(string window, string expires)
    {
        await Verifier.AnalyzerAsync($$"""
            [Table("w", Window = "{{window}}", Expires = "{{expires}}")]
            public sealed partial class W : WindowedTable<string, long>;
            """);
    }

    [Fact]
    public async Task Expires_that_is_not_a_duration_is_reported()
    {
        await Verifier.AnalyzerAsync("""
            [Table("w", Window = "tumbling 1m", Expires = {|#0:"one hour"|})]
            public sealed partial class W : WindowedTable<string, long>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidExpires).WithLocation(0)
                .WithArguments("one hour", "w", "'one hour' is not a duration; write a number and a unit, e.g. 500ms, 30s, 1m, 2h, 1d"));
    }

    [Fact]
    public async Task Retention_shorter_than_size_plus_grace_is_reported_with_both()
    {
        await Verifier.AnalyzerAsync("""
            [Table("w", Window = "tumbling 1m grace 2h", Expires = {|#0:"1h"|})]
            public sealed partial class W : WindowedTable<string, long>;

            [Table("v", Window = "tumbling 1m", Expires = {|#1:"30s"|})]
            public sealed partial class V : WindowedTable<string, long>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.GraceExceedsRetention).WithLocation(0).WithArguments("w", "1h", "1m + 2h grace"),
            Verifier.Diagnostic(DiagnosticDescriptors.GraceExceedsRetention).WithLocation(1).WithArguments("v", "30s", "1m"));
    }

    [Fact]
    public async Task A_window_on_a_plain_table_or_a_windowed_table_without_one_is_reported()
    {
        await Verifier.AnalyzerAsync("""
            [Table("plain", Window = {|#0:"tumbling 1m"|})]
            public sealed partial class Plain : Table<string, long>;

            [Table("bare")]
            public sealed partial class {|#1:Bare|} : WindowedTable<string, long>;

            [Table("fine", Window = "hopping 10m every 1m")]
            public sealed partial class Fine : WindowedTable<string, long>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.WindowDoesNotMatchBase).WithLocation(0)
                .WithArguments("plain", "sets Window but derives from Table, which ignores it; derive from WindowedTable<TKey, TValue> instead"),
            Verifier.Diagnostic(DiagnosticDescriptors.WindowDoesNotMatchBase).WithLocation(1)
                .WithArguments("bare", "derives from WindowedTable but sets no Window; add one, e.g. Window = \"tumbling 1m\""));
    }

    [Fact]
    public async Task Expires_without_window_is_reported()
    {
        await Verifier.AnalyzerAsync("""
            [Table("w", Expires = {|#0:"1h"|})]
            public sealed partial class W : Table<string, long>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.ExpiresWithoutWindow).WithLocation(0).WithArguments("w"));
    }
}
