using System;
using Faustish.Agents;
using Faustish.Tables;
using Faustish.Topics;
using Faustish.Transport;

namespace Faustish.Joins;

/// <summary>
/// Reads the foreign key of a left value (never null): false when it has none (a null member), and then the value joins nothing.
/// The generator emits one from <see cref="JoinAttribute.ForeignKey"/>.
/// </summary>
public delegate bool ForeignKeyOf<TLeft, TForeignKey>(TLeft value, out TForeignKey foreignKey);

/// <summary>
/// A foreign-key table–table join (Kafka Streams' KIP-213): each left value names a right key (its foreign key), and its
/// result is the left value with the right topic's latest value of that key. The topics need not be co-partitioned: the
/// join runs as two stages that talk through two internal topics.
/// <list type="bullet">
/// <item>The agent's own partitions (the left side) keep the left values. On each update they send a <em>subscription</em>
/// (the left key and a hash of the new value) to <c>{app}-{agent}-fk-subscription</c>, keyed and partitioned by the
/// foreign key like the right topic, and an <em>unsubscription</em> to the old foreign key when it changed or the value
/// was deleted.</item>
/// <item>The stage <c>{agent}-fk-subscriptions</c> reads that topic with the right topic's partition of the same number,
/// in time order, and keeps both: each subscription is answered with the right value, and each right update is sent to
/// every subscriber, as <em>responses</em> on <c>{app}-{agent}-fk-response</c>, to the left partition that asked.</item>
/// <item>The left side applies a response only if its hash is the hash of the key's current value: a response to a
/// value since replaced (a stale one) is dropped, so a changed foreign key never shows the old right value.</item>
/// </list>
/// </summary>
public sealed class ForeignKeyJoinDefinition<TKey, TLeft, TForeignKey, TRight> : JoinDefinition where TKey : notnull where TForeignKey : notnull
{
    private JoinStateDefinition<TKey, TLeft, TRight>? _state;
    private ForeignKeySubscriptionStateDefinition<TKey, TForeignKey>? _subscriptions;

    /// <param name="left">The agent's own topic.</param>
    /// <param name="right">The right side's topic, keyed by the foreign key.</param>
    /// <param name="kind">Inner or left (Kafka Streams has no outer foreign-key join).</param>
    /// <param name="foreignKey">The member (or method) the foreign key comes from, for messages.</param>
    /// <param name="foreignKeyOf">Reads a left value's foreign key.</param>
    public ForeignKeyJoinDefinition(TopicDefinition<TKey, TLeft> left, TopicDefinition<TForeignKey, TRight> right, JoinKind kind, string foreignKey,
        ForeignKeyOf<TLeft, TForeignKey> foreignKeyOf)
        : base(left, right, kind, window: null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(foreignKey);
        if (kind == JoinKind.Outer)
        {
            throw new ArgumentException(
                $"A foreign-key join of '{left.Name}' with '{right.Name}' cannot be an outer join: a right value has no left key to give its result under. " +
                "Use Kind = JoinKind.Inner or JoinKind.Left.", nameof(kind));
        }

        LeftTopic = left;
        RightTopic = right;
        ForeignKey = foreignKey;
        ForeignKeyOf = foreignKeyOf ?? throw new ArgumentNullException(nameof(foreignKeyOf));
    }

    public TopicDefinition<TKey, TLeft> LeftTopic { get; }

    public TopicDefinition<TForeignKey, TRight> RightTopic { get; }

    /// <summary>Where the foreign key comes from, as declared (a member of the left value, or a method).</summary>
    public override string? ForeignKey { get; }

    /// <summary>Reads a left value's foreign key.</summary>
    public ForeignKeyOf<TLeft, TForeignKey> ForeignKeyOf { get; }

    /// <summary>The left side's state: each key's latest value, and whether its result is shown (the right side is kept by the subscription stage).</summary>
    internal override TableDefinition StateTable(string agentName) =>
        _state ??= new JoinStateDefinition<TKey, TLeft, TRight>($"{agentName}-join", this, LeftTopic, RightTopic.ValueCodec);

    /// <summary>The subscription stage's state: the subscribers of each foreign key, and the right values.</summary>
    internal ForeignKeySubscriptionStateDefinition<TKey, TForeignKey> SubscriptionTable(string agentName) =>
        _subscriptions ??= new ForeignKeySubscriptionStateDefinition<TKey, TForeignKey>($"{agentName}-fk-subscriptions", this, LeftTopic.KeyCodec, RightTopic.KeyCodec);

    /// <summary>Subscriptions go by foreign key: the right topic's key encoding and partitions, so partition n meets the right topic's partition n.</summary>
    internal TopicDefinition<TForeignKey, ForeignKeySubscription> SubscriptionTopic(string appId, string agentName) =>
        new($"{appId}-{agentName}-fk-subscription", Right.Partitions, RightTopic.KeyCodec, ForeignKeySubscription.Codec);

    /// <summary>Responses go back to the left partition that subscribed: the left topic's partitions.</summary>
    internal static string ResponseTopicName(string appId, string agentName) => $"{appId}-{agentName}-fk-response";

    internal override TopicSpec? InternalTopic(string appId, string agentName) => new(ResponseTopicName(appId, agentName), Left.Partitions);

    /// <summary>The foreign key's topics need not be co-partitioned; nothing to check but what the constructor did.</summary>
    internal override void CheckCoPartitioned(AgentDefinition agent)
    {
    }

    /// <summary>The stage that answers subscriptions for agent <paramref name="agent"/> in app <paramref name="appId"/>.</summary>
    internal override AgentDefinition? SubscriptionStage(AgentDefinition agent, string appId)
    {
        var table = SubscriptionTable(agent.Name);
        return agent.RuntimeStage("fk-subscriptions", SubscriptionTopic(appId, agent.Name), [table],
            context => new ForeignKeySubscriptionPartition<TKey, TLeft, TForeignKey, TRight>(context, this, table, ResponseTopicName(appId, agent.Name)));
    }
}
