namespace Faustish.Kafka.Tests;

/// <summary>
/// The Kafka system tests run one at a time and alone: each runs a mock cluster and several app processes, and two
/// of them at once on a two-core machine would slow both past their rebalance and session timeouts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KafkaSystemTests
{
    public const string Name = "Kafka system tests";
}
