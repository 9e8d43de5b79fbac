using System;
using System.Linq;
using Faustish.Agents;
using Faustish.Hosting;
using Faustish.Serialization;
using Faustish.Tables;
using Faustish.Topics;

namespace Faustish.Tests.Hosting;

public sealed class AppTopologyTests
{
    private sealed class Counts(TableShard<string, long> shard) : Table<string, long>(shard);

    private static TopicDefinition<string, long> Topic(string name, int partitions) =>
        new(name, partitions, PrimitiveCodecs.Utf8String, PrimitiveCodecs.Int64BigEndian);

    private static TableDefinition<string, long> Table(string name, int partitions = 0) =>
        new(name, partitions, PrimitiveCodecs.Utf8String, PrimitiveCodecs.Int64BigEndian, static _ => new InMemoryStore<string, long>(), static s => new Counts(s));

    private static AgentDefinition Agent(string name, TopicDefinition topic, params TableDefinition[] tables) =>
        new(name, "Test." + name, topic, tables, 1, static _ => throw new NotSupportedException());

    [Fact]
    public void Tables_follow_the_partition_count_of_their_agents_topic_and_every_topic_is_listed()
    {
        var views = Topic("views", 6);
        var counts = Table("counts");
        var topology = new AppTopology(new AppModel([views], [counts], [Agent("count", views, counts)]), "shop");

        Assert.Equal(6, topology.PartitionsOf(counts));
        var topics = topology.RequiredTopics();
        Assert.Equal(["shop-counts-changelog", "shop-dead-letters", "views"], topics.Select(t => t.Name));
        Assert.True(topics.Single(t => t.Name == "shop-counts-changelog").Compacted);
        Assert.Equal(6, topics.Single(t => t.Name == "shop-counts-changelog").Partitions);
        Assert.Null(topics.Single(t => t.Name == "shop-counts-changelog").RetentionMs); // plain tables keep every key's latest value
    }

    [Fact]
    public void A_table_whose_declared_partitions_differ_from_its_source_is_rejected_with_both_counts()
    {
        var views = Topic("views", 6);
        var counts = Table("counts", partitions: 4);
        var error = Assert.Throws<InvalidOperationException>(() => new AppTopology(new AppModel([views], [counts], [Agent("count", views, counts)]), "shop"));
        Assert.Contains("declares 4 partitions", error.Message, StringComparison.Ordinal);
        Assert.Contains("has 6", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_table_taken_by_two_agents_is_rejected()
    {
        var views = Topic("views", 2);
        var counts = Table("counts");
        var error = Assert.Throws<InvalidOperationException>(() =>
            new AppTopology(new AppModel([views], [counts], [Agent("a", views, counts), Agent("b", views, counts)]), "shop"));
        Assert.Contains("Test.a and Test.b", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_topic_names_are_rejected()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new AppTopology(new AppModel([Topic("x", 1), Topic("x", 2)], [], []), "shop"));
        Assert.Contains("Two topics are named 'x'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_fill_defaults_and_reject_what_cannot_work()
    {
        var options = new FaustishOptions().Validate("My App");
        Assert.Equal("my-app", options.AppId);
        Assert.EndsWith(System.IO.Path.Combine(".faustish", "my-app"), options.DataDirectory, StringComparison.Ordinal);

        var badId = Assert.Throws<InvalidOperationException>(() => new FaustishOptions { AppId = "a/b" }.Validate("x"));
        Assert.Contains("--app", badId.Message, StringComparison.Ordinal);
        var badInterval = Assert.Throws<InvalidOperationException>(() => new FaustishOptions { CommitInterval = TimeSpan.Zero }.Validate("x"));
        Assert.Contains("CommitInterval", badInterval.Message, StringComparison.Ordinal);
        var noCache = Assert.Throws<InvalidOperationException>(() => new FaustishOptions { WriteCacheKeys = 0 }.Validate("x"));
        Assert.Contains("Faustish:WriteCacheKeys", noCache.Message, StringComparison.Ordinal);
    }
}
