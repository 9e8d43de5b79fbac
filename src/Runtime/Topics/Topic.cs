using System;
using Faustish.Topics;

namespace Faustish;

/// <summary>
/// Base of every <c>[Topic]</c> class. Inside an agent, a topic received through the constructor sends as part
/// of the agent's work: its records are flushed before the agent's input positions are committed.
/// </summary>
public abstract class Topic<TKey, TValue>
{
    private readonly RecordSender _sender;

    protected Topic(TopicDefinition<TKey, TValue> definition, RecordSender sender)
    {
        Definition = definition ?? throw new ArgumentNullException(nameof(definition));
        _sender = sender ?? throw new ArgumentNullException(nameof(sender));
    }

    public TopicDefinition<TKey, TValue> Definition { get; }

    public string Name => Definition.Name;

    /// <summary>
    /// Sends a record, routed to a partition by Kafka's murmur2 partitioner on the key bytes. Its timestamp is
    /// the event being processed's (inside an agent) or now, unless given.
    /// </summary>
    public void Send(TKey key, TValue value, DateTimeOffset? timestamp = null) =>
        _sender.Send(Definition, key, value, timestamp);
}
