using System;
using System.ComponentModel;
using Faustish.Serialization;
using Faustish.Topics;

namespace Faustish.Agents;

/// <summary>
/// A <c>GroupBy</c> of a stream agent, as the generator found it in the agent's method: its name and the types and
/// codecs of the re-keyed events. Its topic, <c>{app}-{agent}-{name}-repartition</c>, has the agent's topic's partitions.
/// </summary>
// Public for generated code in users' assemblies; not for users to call.
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class RepartitionDefinition
{
    private protected RepartitionDefinition(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The name given to <c>GroupBy</c>.</summary>
    public string Name { get; }

    public abstract Type KeyType { get; }

    public abstract Type ValueType { get; }

    /// <summary>Declares a <c>GroupBy</c> whose events have keys <typeparamref name="TKey"/> and values <typeparamref name="TValue"/>.</summary>
    public static RepartitionDefinition<TKey, TValue> Of<TKey, TValue>(string name, IRecordCodec<TKey> keyCodec, IRecordCodec<TValue> valueCodec) =>
        new(name, keyCodec, valueCodec);

    internal abstract TopicDefinition CreateTopic(string topicName, int partitions);
}

/// <inheritdoc cref="RepartitionDefinition"/>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class RepartitionDefinition<TKey, TValue> : RepartitionDefinition
{
    private readonly IRecordCodec<TKey> _keyCodec;
    private readonly IRecordCodec<TValue> _valueCodec;

    internal RepartitionDefinition(string name, IRecordCodec<TKey> keyCodec, IRecordCodec<TValue> valueCodec)
        : base(name)
    {
        _keyCodec = keyCodec ?? throw new ArgumentNullException(nameof(keyCodec));
        _valueCodec = valueCodec ?? throw new ArgumentNullException(nameof(valueCodec));
    }

    public override Type KeyType => typeof(TKey);

    public override Type ValueType => typeof(TValue);

    internal override TopicDefinition CreateTopic(string topicName, int partitions) => Topic(topicName, partitions);

    internal TopicDefinition<TKey, TValue> Topic(string topicName, int partitions) => new(topicName, partitions, _keyCodec, _valueCodec);
}
