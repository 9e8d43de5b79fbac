using System;
using System.Linq;

namespace Faustish.Generators.Tests;

/// <summary>
/// An agent that reads only some members of its value gets a loop that decodes only those (and what the loop itself
/// reads: the event's timestamp member). Anything that could see a member left out decodes the whole value: the value
/// used other than by reading a member, a member whose getter may read others, a record whose construction runs code,
/// a member that other declarations of the record name.
/// </summary>
public sealed class ValueProjectionEmitTests
{
    private const string Record = "public sealed record Visit(string Page, string User, DateTimeOffset At, string? Referrer)";

    [Theory]
    [InlineData("perPage.Increment(visit.Page);", "user, at, referrer")]
    [InlineData("perPage.Increment(visit.Page + visit.Referrer?.Length);", "user, at")]
    [InlineData("if (visit.At.Year > 2000) { perPage.Increment(key); }", "page, user, referrer")]
    [InlineData("Func<string> later = () => visit.User; perPage.Increment(later());", "page, at, referrer")]
    [InlineData("perPage.Increment(nameof(visit.Page));", "user, at, referrer")]
    public void Reading_some_members_decodes_only_those(string body, string leftOut)
    {
        var agent = AgentFile(Record + ";", body);
        Assert.Contains($"// Shop.CountPages.Process does not read {leftOut}: the loop leaves them undecoded.", agent, StringComparison.Ordinal);
        Assert.Contains("ValueCodec.Read(batch.ValueOf(in record), ValueMembers)", agent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("perPage.Increment(Describe(visit));")]
    [InlineData("perPage.Increment(visit.ToString());")]
    [InlineData("perPage.Increment((visit with { User = \"x\" }).Page);")]
    [InlineData("if (visit is { Page: \"/\" }) { perPage.Increment(key); }")]
    [InlineData("var (page, _, _, _) = visit; perPage.Increment(page);")]
    [InlineData("Func<Visit, string> page = visit => visit.Page; perPage.Increment(page(new Visit(\"/\", \"u\", default, null)));")]
    [InlineData("perPage.Increment(visit.Page + visit.User + visit.At + visit.Referrer);")]
    public void Using_the_value_any_other_way_or_reading_every_member_decodes_it_whole(string body)
    {
        var agent = AgentFile(Record + ";", body);
        Assert.DoesNotContain("ValueMembers", agent, StringComparison.Ordinal);
        Assert.Contains("ValueCodec.Read(batch.ValueOf(in record))", agent, StringComparison.Ordinal);
    }

    [Theory]
    // A getter that may read other members.
    [InlineData(Record + " { public bool Home => Page == \"/\"; }", "perPage.Increment(visit.Home.ToString());")]
    // Construction runs code this look cannot follow.
    [InlineData(Record + " { public Visit() : this(\"/\", \"\", default, null) { } }", "perPage.Increment(visit.Page);")]
    [InlineData("public sealed class Visit { private string _page = \"\"; public string Page { get => _page; init => _page = value.Trim(); } public string User { get; init; } = \"\"; }", "perPage.Increment(visit.User);")]
    // A base record's members and construction are declared elsewhere.
    [InlineData("public record Base(string Source); " + "public sealed record Visit(string Page, string User, string Source) : Base(Source)", "perPage.Increment(visit.Page);")]
    public void A_record_whose_members_may_depend_on_each_other_is_decoded_whole(string record, string body)
    {
        var agent = AgentFile(record.EndsWith('}') ? record : record + ";", body);
        Assert.DoesNotContain("ValueMembers", agent, StringComparison.Ordinal);
    }

    [Theory]
    // An initializer uses User: it is decoded although the agent does not read it.
    [InlineData(Record + " { public int UserLength { get; } = User.Length; }", "at, referrer")]
    // A required member is always read (its absence is an error).
    [InlineData("public sealed record Visit(string Page, string User) { public required string Source { get; init; } public int Hops { get; init; } }", "user, hops")]
    public void Members_named_elsewhere_in_the_record_or_required_are_decoded_even_unread(string record, string leftOut)
    {
        var agent = AgentFile(record, "perPage.Increment(visit.Page);");
        Assert.Contains($"does not read {leftOut}: the loop leaves them undecoded.", agent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_topics_timestamp_member_is_decoded_for_the_loop()
    {
        var agent = AgentFile(Record + ";", "perPage.Increment(visit.Page);", ", Timestamp = nameof(Visit.At)");
        Assert.Contains("does not read user, referrer: the loop leaves them undecoded.", agent, StringComparison.Ordinal);
        Assert.Contains("var timestampMs = value.At.ToUnixTimeMilliseconds();", agent, StringComparison.Ordinal);
    }

    private static string AgentFile(string record, string body, string topicArguments = "")
    {
        var (files, output, diagnostics) = GeneratorHarness.Run($$"""
            using System;
            using Faustish;

            namespace Shop;

            {{record}}

            [Topic("visits"{{topicArguments}})]
            public sealed partial class Visits : Topic<string, Visit>;

            [Table("visits-per-page")]
            public sealed partial class VisitsPerPage : Table<string, long>;

            [Agent(typeof(Visits))]
            public sealed partial class CountPages(VisitsPerPage perPage)
            {
                public void Process(string key, Visit visit)
                {
                    {{body}}
                }

                private static string Describe(Visit visit) => visit.Page;
            }
            """);

        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        return files.Single(f => f.Key.Contains("CountPages.Agent", StringComparison.Ordinal)).Value;
    }
}
