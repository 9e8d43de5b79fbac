using System;
using System.Collections.Generic;

namespace Faustish.Hosting;

/// <summary>
/// Settings of the Kafka transport (used when <see cref="FaustishOptions.Broker"/> is <c>kafka://…</c>), bound from
/// configuration section <c>Faustish:Kafka</c>. Every librdkafka setting
/// (https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md) can be given: under <c>Common</c> for
/// every client, under <c>Producer</c> or <c>Consumer</c> for one kind, e.g. <c>Faustish:Kafka:Common:security.protocol</c>
/// = <c>SASL_SSL</c>. In environment variables, where a dot is awkward, write <c>_</c> for <c>.</c>:
/// <c>Faustish__Kafka__Common__security_protocol=SASL_SSL</c>. Settings given here override the transport's defaults
/// (docs/kafka.md lists them); bad names or values stop start-up with a message naming the key.
/// </summary>
public sealed class KafkaOptions
{
    /// <summary>librdkafka settings for every client (producers, consumers, readers, admin).</summary>
    public Dictionary<string, string?> Common { get; set; } = new(StringComparer.Ordinal);

    /// <summary>librdkafka settings for producers only (override <see cref="Common"/>).</summary>
    public Dictionary<string, string?> Producer { get; set; } = new(StringComparer.Ordinal);

    /// <summary>librdkafka settings for consumers and partition readers only (override <see cref="Common"/>).</summary>
    public Dictionary<string, string?> Consumer { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Replication factor of the topics Faustish creates; -1 (the default) uses the brokers' <c>default.replication.factor</c>.</summary>
    public int ReplicationFactor { get; set; } = -1;

    /// <summary>
    /// How long metadata, watermark, committed-offset and topic-creation requests may take before they fail with a
    /// message naming the topic and the brokers.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How consumers get their records from librdkafka: <see cref="KafkaFetchPath.InPlace"/> (the default) read where
    /// librdkafka put them, or <see cref="KafkaFetchPath.Client"/> through Confluent.Kafka's <c>Consume</c>
    /// (docs/kafka.md, "Fetch path").
    /// </summary>
    public KafkaFetchPath FetchPath { get; set; } = KafkaFetchPath.InPlace;
}

/// <summary>How Kafka consumers get their records from librdkafka (<c>Faustish:Kafka:FetchPath</c>).</summary>
public enum KafkaFetchPath
{
    /// <summary>Confluent.Kafka's <c>Consume</c>: a few objects allocated per record (ConsumeResult, Message, Headers).</summary>
    Client,

    /// <summary>
    /// <c>rd_kafka_consumer_poll</c> on Confluent.Kafka's own consumer handle, each message read in place and copied once
    /// into the batch: nothing allocated per record. Group membership, rebalances, commits and transactions stay with
    /// Confluent.Kafka. Relies on two of Confluent.Kafka's internals, checked when a consumer opens.
    /// </summary>
    InPlace,
}
