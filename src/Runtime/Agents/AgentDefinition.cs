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

    public IReadOnlyList<TableDefinition> Tables { get; }

    public int Concurrency { get; }

    /// <summary>Its <c>[Timer]</c> and <c>[Crontab]</c> methods, in source order (the index is what <see cref="AgentPartition.RunTimer"/> takes).</summary>
    public IReadOnlyList<AgentTimer> Timers
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value));
    } = [];

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
