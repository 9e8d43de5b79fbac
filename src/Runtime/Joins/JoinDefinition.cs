using System;
using Faustish.Agents;
using Faustish.Tables;
using Faustish.Topics;
using Faustish.Transport;

namespace Faustish.Joins;

/// <summary>
/// What the runtime knows about a join agent's join (<see cref="JoinAttribute"/>) without its types: the right side's
/// topic, the kind, the window (none for a table–table join) and the table that keeps the join's state.
/// </summary>
public abstract class JoinDefinition
{
    private protected JoinDefinition(TopicDefinition left, TopicDefinition right, JoinKind kind, string? window)
    {
        Left = left ?? throw new ArgumentNullException(nameof(left));
        Right = right ?? throw new ArgumentNullException(nameof(right));
        Kind = kind;
        WindowText = window;
        Window = window is null ? null : JoinWindow.Parse(window, $"[Join(typeof({right.Name}))] of topic '{left.Name}'");
    }

    /// <summary>The agent's own topic: the left side.</summary>
    public TopicDefinition Left { get; }

    /// <summary>The right side's topic, read partition by partition beside the agent's own.</summary>
    public TopicDefinition Right { get; }

    public JoinKind Kind { get; }

    /// <summary>The window as declared, or null for a table–table join.</summary>
    public string? WindowText { get; }

    /// <summary>The parsed window of a stream–stream join, or null for a table–table join.</summary>
    public JoinWindow? Window { get; }

    /// <summary>Where a foreign-key join's foreign key comes from (see <see cref="JoinAttribute.ForeignKey"/>); null for a join by key.</summary>
    public virtual string? ForeignKey => null;

    /// <summary>A topic the join needs besides its two sides (a foreign-key join's responses), or null.</summary>
    internal virtual TopicSpec? InternalTopic(string appId, string agentName) => null;

    /// <summary>The stage a foreign-key join runs beside its agent (its subscriptions, by foreign key), or null.</summary>
    internal virtual AgentDefinition? SubscriptionStage(AgentDefinition agent, string appId) => null;

    /// <summary>The table that keeps the join's state (both sides' records, the right side's position) for agent <paramref name="agentName"/>.</summary>
    internal abstract TableDefinition StateTable(string agentName);

    /// <summary>
    /// Start-up check: the two topics are co-partitioned (same key type, same partition count), as a join reads
    /// partition n of both in one task. Throws saying what to change.
    /// </summary>
    internal virtual void CheckCoPartitioned(AgentDefinition agent)
    {
        if (Left.KeyType != Right.KeyType)
        {
            throw new InvalidOperationException(
                $"Agent {agent.TypeName} joins topic '{Left.Name}' (keys {Left.KeyType.Name}) with topic '{Right.Name}' (keys {Right.KeyType.Name}). " +
                "A join matches records by key: give both topics the same key type (re-key one side with a GroupBy first).");
        }

        if (Left.Partitions != Right.Partitions)
        {
            throw new InvalidOperationException(
                $"Agent {agent.TypeName} joins topic '{Left.Name}' ({Left.Partitions} partitions) with topic '{Right.Name}' ({Right.Partitions} partitions). " +
                "A join reads partition n of both sides together, so they must have the same partition count (and keys partitioned alike): make the counts equal.");
        }
    }
}

/// <summary>A join of topics with keys <typeparamref name="TKey"/>, left values <typeparamref name="TLeft"/> and right values <typeparamref name="TRight"/>. The generator emits one per join agent.</summary>
public sealed class JoinDefinition<TKey, TLeft, TRight> : JoinDefinition where TKey : notnull
{
    private TableDefinition? _state;

    /// <param name="left">The agent's own topic.</param>
    /// <param name="right">The right side's topic.</param>
    /// <param name="kind">Inner, left or outer.</param>
    /// <param name="window">A stream–stream join's window (see <see cref="JoinAttribute.Window"/>), or null for a table–table join.</param>
    public JoinDefinition(TopicDefinition<TKey, TLeft> left, TopicDefinition<TKey, TRight> right, JoinKind kind, string? window)
        : base(left, right, kind, window)
    {
        LeftTopic = left;
        RightTopic = right;
    }

    public TopicDefinition<TKey, TLeft> LeftTopic { get; }

    public TopicDefinition<TKey, TRight> RightTopic { get; }

    internal override TableDefinition StateTable(string agentName) =>
        _state ??= new JoinStateDefinition<TKey, TLeft, TRight>($"{agentName}-join", this, LeftTopic, RightTopic.ValueCodec);
}
