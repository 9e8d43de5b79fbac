using System;
using System.Linq;

namespace Faustish.Generators.Tests;

/// <summary>
/// <c>[Topic(Timestamp = ...)]</c>: each kind of member reads inline in the agent's loop and in the definition's delegate;
/// a Timestamp the analyzers reject (FSH0512) leaves the topic a stand-in and its agents out, so the build shows the
/// analyzer's message and no compiler error.
/// </summary>
public sealed class TopicTimestampEmitTests
{
    [Theory]
    [InlineData("At", "value.At.ToUnixTimeMilliseconds()")]
    [InlineData("Utc", "global::Faustish.Topics.EventTimestamps.FromDateTime(value.Utc)")]
    [InlineData("Ms", "value.Ms")]
    public void A_member_is_read_inline_and_converted_to_unix_milliseconds(string member, string read)
    {
        var (files, output, diagnostics) = GeneratorHarness.Run($$"""
            using System;
            using Faustish;

            namespace Shop;

            public sealed record Reading(string Sensor, DateTimeOffset At, DateTime Utc, long Ms);

            [Topic("readings", Timestamp = nameof(Reading.{{member}}))]
            public sealed partial class Readings : Topic<string, Reading>;

            [Agent(typeof(Readings))]
            public sealed partial class CountReadings
            {
                public void Process(string sensor, Reading reading) { }
            }
            """);

        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var topic = files.Single(f => f.Key.Contains("Readings.Topic", StringComparison.Ordinal)).Value;
        Assert.Contains($"Timestamp = static (key, value, recordTimestampMs) => value is null ? recordTimestampMs : {read},", topic, StringComparison.Ordinal);
        Assert.Contains($"TimestampSource = \"Reading.{member}\",", topic, StringComparison.Ordinal);
        var agent = files.Single(f => f.Key.Contains("CountReadings.Agent", StringComparison.Ordinal)).Value;
        Assert.Contains($"var timestampMs = {read};", agent, StringComparison.Ordinal);
        Assert.Contains("context.Begin(in record, timestampMs);", agent, StringComparison.Ordinal);
        Assert.DoesNotContain("context.Begin(in record);", agent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_topic_whose_timestamp_names_nothing_usable_gets_a_stand_in_and_its_agent_no_loop()
    {
        var (files, output, diagnostics) = GeneratorHarness.Run("""
            using Faustish;

            namespace Shop;

            public sealed record Reading(string Sensor, string When);

            [Topic("readings", Timestamp = nameof(Reading.When))]
            public sealed partial class Readings : Topic<string, Reading>;

            [Agent(typeof(Readings))]
            public sealed partial class CountReadings
            {
                public void Process(string sensor, Reading reading) { }
            }
            """);

        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var standIn = files.Single(f => f.Key.Contains("Readings.StandIn", StringComparison.Ordinal)).Value;
        Assert.Contains("its Timestamp, 'When', names nothing that gives event times", standIn, StringComparison.Ordinal);
        Assert.DoesNotContain(files.Keys, k => k.Contains("CountReadings", StringComparison.Ordinal));
    }

    [Fact]
    public void A_topic_without_timestamp_begins_events_at_the_records_timestamps()
    {
        var (files, _, _) = GeneratorHarness.Run("""
            using Faustish;

            [Topic("numbers")]
            public sealed partial class Numbers : Topic<long, long>;

            [Agent(typeof(Numbers))]
            public sealed partial class Sum
            {
                public void Process(long key, long value) { }
            }
            """);

        Assert.DoesNotContain("Timestamp", files.Single(f => f.Key.Contains("Numbers.Topic", StringComparison.Ordinal)).Value, StringComparison.Ordinal);
        var agent = files.Single(f => f.Key.Contains("Sum.Agent", StringComparison.Ordinal)).Value;
        Assert.Contains("context.Begin(in record);", agent, StringComparison.Ordinal);
        Assert.DoesNotContain("timestampMs", agent, StringComparison.Ordinal);
    }
}
