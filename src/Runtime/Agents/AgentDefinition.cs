using System;
using System.Collections.Generic;
using Faustish.Tables;
using Faustish.Topics;
using System.ComponentModel;

namespace Faustish.Agents;

/// <summary>An agent as the runtime sees it. The generator emits one per <c>[Agent]</c> class.</summary>
public sealed class AgentDefinition
{
    private readonly Func<AgentPartitionContext, AgentPartition> _createPartition;

    /// <param name="name">Agent name; its consumer group is <c>{app}-{name}</c>.</param>
    /// <param name="typeName">The agent class's full name, for messages.</param>
    /// <param name="topic">The topic it consumes.</param>
    /// <param name="tables">The tables it writes (its constructor's table parameters).</param>
    /// <param name="concurrency">Worker threads that share its partitions.</param>
    /// <param name="createPartition">Builds the agent for one partition, with that partition's tables.</param>
    public AgentDefinition(string name, string typeName, TopicDefinition topic, IReadOnlyList<TableDefinition> tables,
        int concurrency, Func<AgentPartitionContext, AgentPartition> createPartition)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        Name = name;
        TypeName = typeName ?? throw new ArgumentNullException(nameof(typeName));
        Topic = topic ?? throw new ArgumentNullException(nameof(topic));
        Tables = tables ?? throw new ArgumentNullException(nameof(tables));
        Concurrency = concurrency;
        _createPartition = createPartition ?? throw new ArgumentNullException(nameof(createPartition));
    }

    public string Name { get; }

    public string TypeName { get; }

    public TopicDefinition Topic { get; }

    /// <summary>The tables it writes or reads; a join agent's include its join's state (<c>{name}-join</c>).</summary>
    public IReadOnlyList<TableDefinition> Tables { get; private set; }

    /// <summary>
    /// The join of a join agent (<see cref="JoinAttribute"/>): the right side's topic is read beside its own, and the
    /// join's state table is added to <see cref="Tables"/>.
    /// </summary>
    public Joins.JoinDefinition? Join
    {
        get;
        init
        {
            field = value;
            if (value is not null)
            {
                Tables = [.. Tables, value.StateTable(Name)];
            }
        }
    }

    public int Concurrency { get; }

    /// <summary>Its <c>[Timer]</c> and <c>[Crontab]</c> methods, in source order (the index is what <see cref="AgentPartition.RunTimer"/> takes).</summary>
    public IReadOnlyList<AgentTimer> Timers
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value));
    } = [];

    /// <summary>The <c>GroupBy</c>s of a stream agent, in the order its method applies them.</summary>
    public IReadOnlyList<RepartitionDefinition> Repartitions
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value));
    } = [];

    /// <summary>What the agent yields as replies to the events it is asked (see <see cref="AgentAsker"/>), or null.</summary>
    public ReplyDefinition? Replies { get; init; }

    /// <summary>
    /// Null for the agent as declared; for one of its <c>GroupBy</c> stages (see <see cref="Stages"/>), the name of the
    /// <c>GroupBy</c> whose repartition topic it reads.
    /// </summary>
    public string? Stage { get; private init; }

    /// <summary>The agent as declared, for a stage; else this.</summary>
    public AgentDefinition Declared => _declared ?? this;

    private AgentDefinition? _declared;

    /// <summary>
    /// Tables the agent's constructor takes that this stage does not hold (they belong to the stage after the last
    /// <c>GroupBy</c>, partitioned by its key): using one here is a mistake, reported as such.
    /// </summary>
    public IReadOnlyList<TableDefinition> DetachedTables { get; private init; } = [];

    /// <summary>
    /// How the agent runs in app <paramref name="appId"/>: as declared, or, for a stream agent with <c>GroupBy</c>s, one
    /// consumer per stage — its own topic (re-keying and forwarding), then each repartition topic in turn, the last
    /// holding its tables and timers.
    /// </summary>
    public IReadOnlyList<AgentDefinition> Stages(string appId)
    {
        if (Stage is not null)
        {
            return [this];
        }

        if (Join?.SubscriptionStage(this, appId) is { } subscriptions)
        {
            // A foreign-key join: the agent (the left side) and the stage that answers its subscriptions by foreign key.
            return [this, subscriptions];
        }

        if (Repartitions.Count == 0)
        {
            return [this];
        }

        var stages = new List<AgentDefinition>
        {
            new(Name, TypeName, Topic, [], Concurrency, _createPartition) { Repartitions = Repartitions, Replies = Replies, DetachedTables = Tables, _declared = this },
        };
        for (var i = 0; i < Repartitions.Count; i++)
        {
            var last = i == Repartitions.Count - 1;
            var repartition = Repartitions[i];
            stages.Add(new AgentDefinition($"{Name}-{repartition.Name}", TypeName, repartition.CreateTopic(RepartitionTopicName(appId, repartition.Name), Topic.Partitions),
                last ? Tables : [], Concurrency, _createPartition)
            {
                Repartitions = Repartitions,
                Replies = Replies,
                Stage = repartition.Name,
                DetachedTables = last ? [] : Tables,
                Timers = last ? Timers : [],
                _declared = this,
            });
        }

        return stages;
    }

    /// <summary>A stage of this agent written by the runtime: its own consumer of <paramref name="topic"/>, holding <paramref name="tables"/>.</summary>
    internal AgentDefinition RuntimeStage(string stage, TopicDefinition topic, IReadOnlyList<TableDefinition> tables, Func<AgentPartitionContext, AgentPartition> createPartition) =>
        new($"{Name}-{stage}", TypeName, topic, tables, Concurrency, createPartition) { Stage = stage, _declared = this };

    /// <summary>The repartition topic of the agent's <c>GroupBy(…, <paramref name="name"/>)</c> in app <paramref name="appId"/>.</summary>
    public string RepartitionTopicName(string appId, string name) => $"{appId}-{Declared.Name}-{name}-repartition";

    /// <summary>The repartition topic of <paramref name="repartition"/> in app <paramref name="appId"/>: the agent's topic's partitions.</summary>
    internal TopicDefinition<TKey, TValue> RepartitionTopic<TKey, TValue>(RepartitionDefinition<TKey, TValue> repartition, string appId) =>
        repartition.Topic(RepartitionTopicName(appId, repartition.Name), Declared.Topic.Partitions);

    /// <summary>The declared <c>GroupBy</c> named <paramref name="name"/>, with the types the agent's code uses.</summary>
    internal RepartitionDefinition<TKey, TValue> Repartition<TKey, TValue>(string name)
    {
        foreach (var repartition in Repartitions)
        {
            if (repartition.Name != name)
            {
                continue;
            }

            return repartition as RepartitionDefinition<TKey, TValue> ?? throw new InvalidOperationException(
                $"Agent {TypeName} calls GroupBy(\"{name}\") with keys {typeof(TKey).Name} and values {typeof(TValue).Name}, but it was declared with " +
                $"{repartition.KeyType.Name} and {repartition.ValueType.Name}. Give each GroupBy of the agent its own name.");
        }

        throw new InvalidOperationException(
            $"Agent {TypeName} calls GroupBy(\"{name}\"), which the generator did not find in its method" +
            (Repartitions.Count == 0 ? "" : $" (it found {string.Join(", ", System.Linq.Enumerable.Select(Repartitions, r => $"\"{r.Name}\""))})") +
            ". Call GroupBy on the agent's stream inside its processing method, with a constant name, so its repartition topic is declared at compile time.");
    }

    /// <summary>Consumer group of this agent in app <paramref name="appId"/>.</summary>
    public string GroupId(string appId) => $"{appId}-{Name}";

    public AgentPartition CreatePartition(AgentPartitionContext context) => _createPartition(context);
}

/// <summary>
/// Everything the generated code registers for one assembly: its topics, tables and agents. Collected at start
/// without reflection (each assembly's generated module initializer calls <see cref="AppModelRegistry.Register"/>).
/// </summary>
public sealed record AppModel(IReadOnlyList<TopicDefinition> Topics, IReadOnlyList<TableDefinition> Tables, IReadOnlyList<AgentDefinition> Agents)
{
    public static AppModel Empty { get; } = new([], [], []);

    public AppModel Merge(AppModel other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new([.. Topics, .. other.Topics], [.. Tables, .. other.Tables], [.. Agents, .. other.Agents]);
    }
}

/// <summary>Collects the <see cref="AppModel"/> of every assembly that has Faustish classes.</summary>
// Public for generated code in users' assemblies, which derives from or calls it; not for users to call.
[EditorBrowsable(EditorBrowsableState.Never)]
public static class AppModelRegistry
{
    private static readonly object Gate = new();
    private static AppModel _current = AppModel.Empty;

    /// <summary>Everything registered so far.</summary>
    public static AppModel Current
    {
        get
        {
            lock (Gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Called by generated module initializers.</summary>
    public static void Register(AppModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        lock (Gate)
        {
            _current = _current.Merge(model);
        }
    }
}
