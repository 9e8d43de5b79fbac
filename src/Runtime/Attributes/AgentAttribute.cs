using System;

namespace Faustish;

/// <summary>
/// Declares an agent: a stream processor subscribed to a topic. Put it on a <c>sealed partial class</c>
/// with exactly one public processing method:
/// <c>void Process(TKey key, TValue value)</c> or <c>ValueTask ProcessAsync(TKey key, TValue value)</c>,
/// optionally with a trailing <see cref="Agents.EventContext"/> parameter (partition, offset, timestamp).
/// Constructor parameters are tables, topics to send to, or any service registered in DI.
/// </summary>
/// <example>
/// <code>
/// [Agent(typeof(PageViews))]
/// public sealed partial class CountViews(PageCounts counts)
/// {
///     public void Process(string page, PageView view) =&gt; counts.Increment(page);
/// }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AgentAttribute(Type topic) : Attribute
{
    /// <summary>The topic class (a <see cref="Topic{TKey, TValue}"/>) the agent consumes.</summary>
    public Type Topic { get; } = topic;

    /// <summary>
    /// The agent's name, used for its consumer group <c>{app}-{name}</c>. Defaults to the class name in kebab case.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>
    /// How many worker threads run this agent. Partitions are spread over them; each partition, and the
    /// table partitions that go with it, is owned by one thread at a time, so table writes never race.
    /// </summary>
    public int Concurrency { get; init; } = 1;
}
