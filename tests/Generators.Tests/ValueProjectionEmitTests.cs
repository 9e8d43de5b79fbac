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
    public void Using_the_value_any_other_way_decodes_it_whole(string body)
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

    [Theory]
    [InlineData("perPage.Increment(visit.Page);", "0x1UL")]
    [InlineData("if (visit.At.Year > 2000) { perPage.Increment(visit.Referrer ?? key); }", "0xCUL")]
    [InlineData("perPage.Increment(visit.Page + visit.User + visit.At + visit.Referrer);", "0xFUL")]
    public void An_agent_that_reads_only_members_while_it_runs_gets_every_record_decoded_into_one_instance(string body, string mask)
    {
        var agent = AgentFile(Record + ";", body);
        Assert.Contains($"private const ulong ValueMembers = {mask};", agent, StringComparison.Ordinal);
        Assert.Contains("private readonly global::Shop.Visit _value = new global::Shop.Visit(default!, default!, default!, default!);", agent, StringComparison.Ordinal);
        Assert.Contains("(ValueCodec.TryReadInto(batch.ValueOf(in record), ValueMembers, _value) ? _value : ValueCodec.Read(batch.ValueOf(in record), ValueMembers))", agent,
            StringComparison.Ordinal);
    }

    [Theory]
    // Read by a lambda, a local function or a query, which may run after Process returns (the next record would be in it).
    [InlineData(Record + ";", "Func<string> later = () => visit.User; perPage.Increment(later());", "public void Process")]
    [InlineData(Record + ";", "string Later() => visit.User; perPage.Increment(Later());", "public void Process")]
    [InlineData(Record + ";", "var pages = from p in new[] { \"/\" } where p == visit.Page select p; perPage.Increment(key);", "public void Process")]
    // An asynchronous method reads after it returns.
    [InlineData(Record + ";", "perPage.Increment(visit.Page); await System.Threading.Tasks.Task.Yield();", "public async System.Threading.Tasks.Task ProcessAsync")]
    // A construction runs an initializer that a reuse would not.
    [InlineData(Record + " { private readonly Guid _id = Guid.NewGuid(); }", "perPage.Increment(visit.Page);", "public void Process")]
    // Not a record: its members are not all set by the codec through init accessors.
    [InlineData("public sealed class Visit(string page) { public string Page { get; } = page; public string User { get; init; } = \"\"; }", "perPage.Increment(visit.User);", "public void Process")]
    public void An_agent_whose_value_may_be_read_later_or_is_built_by_code_gets_a_new_value_for_every_record(string record, string body, string method)
    {
        var agent = AgentFile(record, body, method: method);
        Assert.DoesNotContain("_value", agent, StringComparison.Ordinal);
        Assert.DoesNotContain("TryReadInto", agent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_topics_timestamp_member_is_decoded_for_the_loop()
    {
        var agent = AgentFile(Record + ";", "perPage.Increment(visit.Page);", ", Timestamp = nameof(Visit.At)");
        Assert.Contains("does not read user, referrer: the loop leaves them undecoded.", agent, StringComparison.Ordinal);
        Assert.Contains("var timestampMs = value.At.ToUnixTimeMilliseconds();", agent, StringComparison.Ordinal);
    }

    private static string AgentFile(string record, string body, string topicArguments = "", string method = "public void Process")
    {
        var (files, output, diagnostics) = GeneratorHarness.Run($$"""
            using System;
            using System.Linq;
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
                {{method}}(string key, Visit visit)
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
