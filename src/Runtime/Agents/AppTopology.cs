using System;
using System.Collections.Generic;
using System.Linq;
using Faustish.Tables;
using Faustish.Topics;
using Faustish.Transport;

namespace Faustish.Agents;

/// <summary>
/// The app's model checked and resolved: which agent owns each table, each table's partition count, and every
/// topic the app needs (sources, changelogs, dead letters). Mistakes the analyzers report at compile time are
/// caught here too, for models assembled by hand.
/// </summary>
public sealed class AppTopology
{
    private readonly Dictionary<TableDefinition, int> _tablePartitions = [];

    public AppTopology(AppModel model, string appId)
    {
        ArgumentNullException.ThrowIfNull(model);
        // A stream agent with GroupBys runs as one consumer per stage (its topic, then each repartition topic); a foreign-key
        // join agent as two (its topic, and its subscriptions by foreign key).
        Model = model.Agents.Any(a => a.Repartitions.Count > 0 || a.Join?.ForeignKey is not null) ? model with { Agents = [.. model.Agents.SelectMany(a => a.Stages(appId))] } : model;
        model = Model;
        AppId = appId;
        RejectDuplicates(model.Topics.Select(t => t.Name), "topic");
        RejectDuplicates(model.Tables.Select(t => t.Name), "table");
        RejectDuplicates(model.Agents.Select(a => a.Name), "agent");

        foreach (var agent in model.Agents)
        {
            agent.Join?.CheckCoPartitioned(agent);
        }

        foreach (var table in model.Tables.Concat(model.Agents.SelectMany(a => a.Tables)).Distinct())
        {
            table.Validate();
            var owners = model.Agents.Where(a => a.Tables.Contains(table)).ToList();
            if (table.Source is { } source)
            {
                CheckSource(table, source, owners);
                _tablePartitions[table] = source.Partitions;
                continue;
            }

            if (table.IsGlobal)
            {
                // Every worker holds a global table whole and any agent may write it: no owner, no co-partitioning.
                _tablePartitions[table] = Math.Max(table.Partitions, 1);
                continue;
            }

            if (owners.Count > 1)
            {
                throw new InvalidOperationException(
                    $"Table '{table.Name}' is taken by agents {string.Join(" and ", owners.Select(o => o.TypeName))}. " +
                    "A table belongs to the one agent whose partitions it follows; give the other agent its own table, or send it the data through a topic.");
            }

            var partitions = owners.Count == 1 ? owners[0].Topic.Partitions : Math.Max(table.Partitions, 1);
            if (owners.Count == 1 && table.Partitions != 0 && table.Partitions != partitions)
            {
                throw new InvalidOperationException(
                    $"Table '{table.Name}' declares {table.Partitions} partitions but is written by agent {owners[0].TypeName}, whose topic " +
                    $"'{owners[0].Topic.Name}' has {partitions}. A table must have its source's partition count: remove Partitions from [Table] or make them equal.");
            }

            _tablePartitions[table] = partitions;
        }
    }

    public AppModel Model { get; }

    public string AppId { get; }

    public IEnumerable<TableDefinition> Tables => _tablePartitions.Keys;

    /// <summary>The partition count of a table (its owner's topic's).</summary>
    public int PartitionsOf(TableDefinition table) => _tablePartitions.TryGetValue(table, out var partitions)
        ? partitions
        : throw new InvalidOperationException($"Table '{table?.Name}' is not part of app '{AppId}'.");

    public TableDefinition? FindTable(string name) => Tables.FirstOrDefault(t => t.Name == name);

    public TopicDefinition? FindTopic(string name) =>
        Model.Topics.Concat(Model.Agents.Select(a => a.Topic)).FirstOrDefault(t => t.Name == name);

    /// <summary>The topic agents' replies to this app's asks go to (see <see cref="AgentAsker"/>).</summary>
    public string RepliesTopic => $"{AppId}-replies";

    /// <summary>The topic the app's dead letters go to.</summary>
    public string DeadLetterTopic => $"{AppId}-dead-letters";

    /// <summary>
    /// Every topic the app reads or writes, with its partitions and retention (as declared, or as
    /// <paramref name="retention"/>, from configuration, overrides it per topic name).
    /// </summary>
    public IReadOnlyList<TopicSpec> RequiredTopics(IReadOnlyDictionary<string, TopicRetention>? retention = null)
    {
        var specs = new Dictionary<string, TopicSpec>(StringComparer.Ordinal);
        foreach (var topic in Model.Topics.Concat(Model.Agents.Select(a => a.Topic)).Concat(Model.Agents.Where(a => a.Join is not null).Select(a => a.Join!.Right)))
        {
            specs.TryAdd(topic.Name, new TopicSpec(topic.Name, topic.Partitions, RetentionMs: topic.RetentionMs, RetentionBytes: topic.RetentionBytes));
        }

        foreach (var (table, partitions) in _tablePartitions)
        {
            if (table.Source is not null)
            {
                continue; // Its topic is its changelog.
            }

            var changelog = table.ChangelogTopic(AppId);
            specs.TryAdd(changelog, new TopicSpec(changelog, partitions, Compacted: true, RetentionMs: table.ChangelogRetentionMs));
        }

        foreach (var agent in Model.Agents)
        {
            if (agent.Join?.InternalTopic(AppId, agent.Name) is { } joinTopic)
            {
                specs.TryAdd(joinTopic.Name, joinTopic);
            }
        }

        specs.TryAdd(DeadLetterTopic, new TopicSpec(DeadLetterTopic, 1));
        if (Model.Agents.Any(a => a.Replies is not null))
        {
            // Replies are read once, by the asker waiting for them: an hour is ample.
            specs.TryAdd(RepliesTopic, new TopicSpec(RepliesTopic, 1, RetentionMs: (long)TimeSpan.FromHours(1).TotalMilliseconds));
        }

        return [.. specs.Values.Select(s => TopicRetention.Apply(s, retention)).OrderBy(s => s.Name, StringComparer.Ordinal)];
    }

    /// <summary>A table fed by a topic: the topic's types are the table's, and a partitioned one is read where its partitions are.</summary>
    private static void CheckSource(TableDefinition table, TopicDefinition source, List<AgentDefinition> readers)
    {
        if (source.KeyType != table.KeyType || source.ValueType != table.ValueType)
        {
            throw new InvalidOperationException(
                $"Table '{table.Name}' ({table.KeyType.Name} -> {table.ValueType.Name}) is fed by topic '{source.Name}' of {source.KeyType.Name} -> {source.ValueType.Name}. " +
                "A table fed by a topic holds its records as they are: give them the same key and value types.");
        }

        if (table.Partitions != 0 && table.Partitions != source.Partitions)
        {
            throw new InvalidOperationException(
                $"Table '{table.Name}' declares {table.Partitions} partitions but is fed by topic '{source.Name}', which has {source.Partitions}. Remove Partitions from [Table]: it follows its topic.");
        }

        if (table.IsGlobal)
        {
            return;
        }

        if (readers.Count > 1)
        {
            throw new InvalidOperationException(
                $"Table '{table.Name}' is read by agents {string.Join(" and ", readers.Select(r => r.TypeName))}. A partitioned table fed by a topic is held by the one agent " +
                "that reads it; make it a GlobalTable to read it from several agents, or give each agent a table of its own fed by the same topic.");
        }

        if (readers.Count == 1 && readers[0].Topic.Partitions != source.Partitions)
        {
            throw new InvalidOperationException(
                $"Table '{table.Name}' is fed by topic '{source.Name}' ({source.Partitions} partitions) and read by agent {readers[0].TypeName}, whose topic '{readers[0].Topic.Name}' has " +
                $"{readers[0].Topic.Partitions}. An agent reads the table partition of its own partition, so the two topics must have the same partition count (and the same keys); " +
                "or make the table a GlobalTable.");
        }
    }

    private static void RejectDuplicates(IEnumerable<string> names, string kind)
    {
        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two {kind}s are named '{duplicate.Key}'. Names must be unique within an app; rename one.");
        }
    }
}
