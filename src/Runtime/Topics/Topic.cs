using System;
using Faustish.Topics;

namespace Faustish;

/// <summary>
/// Base of every <c>[Topic]</c> class. Inside an agent, a topic received through the constructor sends as part
/// of the agent's work: its records are flushed before the agent's input positions are committed.
/// </summary>
public abstract class Topic<TKey, TValue>
{
    // The generated partial class exposes the definition statically, as Definition.
    private readonly TopicDefinition<TKey, TValue> _definition;
    private readonly RecordSender _sender;

    protected Topic(TopicDefinition<TKey, TValue> definition, RecordSender sender)
    {
        _definition = definition ?? throw new ArgumentNullException(nameof(definition));
        _sender = sender ?? throw new ArgumentNullException(nameof(sender));
    }

    /// <summary>The topic's name.</summary>
    public string Name => _definition.Name;

    /// <summary>The topic's partition count.</summary>
    public int Partitions => _definition.Partitions;

    /// <summary>
    /// Sends a record, routed to a partition by Kafka's murmur2 partitioner on the key bytes. Its timestamp is
    /// the event being processed's (inside an agent) or now, unless given.
    /// </summary>
    public void Send(TKey key, TValue value, DateTimeOffset? timestamp = null) =>
        _sender.Send(_definition, key, value, timestamp);
}
