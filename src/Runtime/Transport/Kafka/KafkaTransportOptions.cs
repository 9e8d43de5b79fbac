using System;
using System.Collections.Generic;
using Faustish.Hosting;

namespace Faustish.Transport.Kafka;

/// <summary>What <see cref="KafkaTransport.Open"/> needs: where the cluster is and how to talk to it.</summary>
internal sealed class KafkaTransportOptions
{
    private static readonly IReadOnlyDictionary<string, string?> None = new Dictionary<string, string?>();

    /// <summary>Bootstrap brokers, <c>host:port</c> comma-separated.</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>librdkafka settings for every client; see <see cref="KafkaSettings"/> for the defaults they override.</summary>
    public IReadOnlyDictionary<string, string?> Common { get; init; } = None;

    /// <summary>librdkafka settings for producers.</summary>
    public IReadOnlyDictionary<string, string?> Producer { get; init; } = None;

    /// <summary>librdkafka settings for group consumers and partition readers.</summary>
    public IReadOnlyDictionary<string, string?> Consumer { get; init; } = None;

    /// <summary>Replication factor of created topics; -1 for the brokers' default.</summary>
    public int ReplicationFactor { get; init; } = -1;

    /// <summary>Bound of metadata, watermark, committed-offset and topic-creation requests.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How group consumers and partition readers get their records from librdkafka.</summary>
    public KafkaFetchPath FetchPath { get; init; } = KafkaFetchPath.InPlace;

    /// <summary>Where the settings come from, for error messages: <c>{prefix}:Common:{key}</c>.</summary>
    public string ConfigurationPrefix { get; init; } = "Faustish:Kafka";
}
