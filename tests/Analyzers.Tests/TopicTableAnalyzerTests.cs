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

    [Fact]
    public async Task A_timestamp_member_of_the_three_types_or_a_method_of_the_right_shape_is_not_reported()
    {
        await Verifier.AnalyzerAsync("""
            public sealed record Reading(string Sensor, DateTime TakenAt, long TakenAtMs, DateTimeOffset? Maybe)
            {
                internal DateTimeOffset Received;
            }

            [Topic("page-views", Timestamp = nameof(PageView.At))]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Topic("readings-utc", Timestamp = nameof(Reading.TakenAt))]
            public sealed partial class ReadingsUtc : Topic<string, Reading>;

            [Topic("readings-ms", Timestamp = nameof(Reading.TakenAtMs))]
            public sealed partial class ReadingsMs : Topic<string, Reading>;

            [Topic("readings-received", Timestamp = nameof(Reading.Received))]
            public sealed partial class ReadingsReceived : Topic<string, Reading>;

            [Topic("readings-maybe", Timestamp = nameof(EventTime))]
            public sealed partial class ReadingsMaybe : Topic<string, Reading>
            {
                internal static long EventTime(string key, Reading value, long recordTimestampMs) =>
                    value.Maybe?.ToUnixTimeMilliseconds() ?? recordTimestampMs;
            }

            [Topic("posts", Timestamp = nameof(SeenAt))]
            public sealed partial class Posts : Topic<string?, PageView?>
            {
                public static DateTimeOffset SeenAt(string? key, PageView? value, long recordTimestampMs) =>
                    value?.At ?? DateTimeOffset.FromUnixTimeMilliseconds(recordTimestampMs);
            }
            """);
    }

    [Fact]
    public async Task A_timestamp_that_names_no_member_or_one_of_another_type_is_reported_saying_what_to_change()
    {
        await Verifier.AnalyzerAsync("""
            public sealed record Reading(string Sensor, DateTimeOffset? Maybe)
            {
                private DateTimeOffset Hidden => default;
            }

            [Topic("missing", Timestamp = {|#0:"When"|})]
            public sealed partial class Missing : Topic<string, PageView>;

            [Topic("wrong-type", Timestamp = {|#1:nameof(PageView.User)|})]
            public sealed partial class WrongType : Topic<string, PageView>;

            [Topic("optional", Timestamp = {|#2:nameof(Reading.Maybe)|})]
            public sealed partial class Optional : Topic<string, Reading>;

            [Topic("private", Timestamp = {|#3:"Hidden"|})]
            public sealed partial class Private : Topic<string, Reading>;

            [Topic("both", Timestamp = {|#4:nameof(PageView.At)|})]
            public sealed partial class Both : Topic<string, PageView?>
            {
                internal static long At(string key, PageView? value, long recordTimestampMs) => recordTimestampMs;
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTopicTimestamp).WithLocation(0).WithArguments("missing", "When",
                "PageView has no property or field 'When' and Missing no method 'When'; name a DateTimeOffset, DateTime or long (Unix milliseconds) " +
                "property of PageView, or declare on Missing internal static long When(string key, PageView value, long recordTimestampMs)"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTopicTimestamp).WithLocation(1).WithArguments("wrong-type", "User",
                "PageView.User is string, not DateTimeOffset, DateTime or long (Unix milliseconds); convert it in a method of WrongType, " +
                "internal static long EventTime(string key, PageView value, long recordTimestampMs), and name that"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTopicTimestamp).WithLocation(2).WithArguments("optional", "Maybe",
                "Reading.Maybe is DateTimeOffset?, which may be null; make it DateTimeOffset, or decide the time of records without it in a method of " +
                "Optional, internal static long EventTime(string key, Reading value, long recordTimestampMs), and name that"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTopicTimestamp).WithLocation(3).WithArguments("private", "Hidden",
                "Reading.Hidden is private, so the generated code cannot read it; make it public or internal"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTopicTimestamp).WithLocation(4).WithArguments("both", "At",
                "both PageView.At and the method Both.At have that name; rename one of them"));
    }

    [Fact]
    public async Task A_timestamp_method_with_the_wrong_signature_is_reported_saying_what_to_declare()
    {
        await Verifier.AnalyzerAsync("""
            [Topic("instance", Timestamp = {|#0:nameof(EventTime)|})]
            public sealed partial class Instance : Topic<string, PageView>
            {
                public long EventTime(string key, PageView value, long recordTimestampMs) => recordTimestampMs;
            }

            [Topic("parameters", Timestamp = {|#1:nameof(EventTime)|})]
            public sealed partial class Parameters : Topic<string, PageView>
            {
                internal static long EventTime(PageView value) => value.At.ToUnixTimeMilliseconds();
            }

            [Topic("returns", Timestamp = {|#2:nameof(EventTime)|})]
            public sealed partial class Returns : Topic<string, PageView>
            {
                internal static DateTime EventTime(string key, PageView value, long recordTimestampMs) => value.At.UtcDateTime;
            }

            [Topic("keyless", Timestamp = {|#3:nameof(EventTime)|})]
            public sealed partial class Keyless : Topic<string?, PageView>
            {
                internal static long EventTime(string key, PageView value, long recordTimestampMs) => recordTimestampMs;
            }

            [Topic("hidden", Timestamp = {|#4:nameof(EventTime)|})]
            public sealed partial class Hidden : Topic<string, PageView>
            {
                private static long EventTime(string key, PageView value, long recordTimestampMs) => recordTimestampMs;
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTopicTimestamp).WithLocation(0).WithArguments("instance", "EventTime",
                "Instance.EventTime is not static; declare it internal static long EventTime(string key, PageView value, long recordTimestampMs) (or returning DateTimeOffset)"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTopicTimestamp).WithLocation(1).WithArguments("parameters", "EventTime",
                "Parameters.EventTime takes (PageView); declare it internal static long EventTime(string key, PageView value, long recordTimestampMs) (or returning DateTimeOffset)"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTopicTimestamp).WithLocation(2).WithArguments("returns", "EventTime",
                "Returns.EventTime returns DateTime; declare it internal static long EventTime(string key, PageView value, long recordTimestampMs) (or returning DateTimeOffset)"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTopicTimestamp).WithLocation(3).WithArguments("keyless", "EventTime",
                "Keyless.EventTime takes a string key, but records of the topic may have none (its key type is string?); " +
                "declare it internal static long EventTime(string? key, PageView value, long recordTimestampMs) (or returning DateTimeOffset)"),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTopicTimestamp).WithLocation(4).WithArguments("hidden", "EventTime",
                "Hidden.EventTime is private, so the agents' generated loops cannot call it; " +
                "declare it internal static long EventTime(string key, PageView value, long recordTimestampMs) (or returning DateTimeOffset)"));
    }
}
