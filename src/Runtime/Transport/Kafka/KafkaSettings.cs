using System;
using System.Collections.Generic;
using System.Globalization;
using Confluent.Kafka;

namespace Faustish.Transport.Kafka;

/// <summary>Which kind of librdkafka client a configuration is for.</summary>
internal enum KafkaClientKind
{
    Producer,
    Consumer,
    Admin,
}

/// <summary>
/// The librdkafka configuration of each kind of client: the transport's defaults, overridden by the user's settings
/// (<c>Faustish:Kafka:Common:*</c>, then <c>Faustish:Kafka:Producer:*</c> or <c>Faustish:Kafka:Consumer:*</c>), plus the
/// few settings the transport owns. Checked once at start by building a client of each kind, so that a wrong name or
/// value stops the app with a message naming its configuration key.
/// </summary>
/// <remarks>
/// <para>Defaults, chosen for stream processing (each can be overridden):</para>
/// <list type="bullet">
/// <item>All clients: <c>allow.auto.create.topics=false</c> (topics are created by <see cref="ITransport.EnsureTopicsAsync"/>
/// with the right partition count and cleanup policy, never by a metadata request or a produce with the broker's
/// defaults); <c>reconnect.backoff.max.ms=1000</c> (after an outage, clients are back within a second of the
/// brokers instead of up to ten).</item>
/// <item>Producers: <c>enable.idempotence=true</c> and <c>acks=all</c> (librdkafka retries a delivery until it is
/// acknowledged by every in-sync replica, without duplicates or reordering); <c>compression.type=lz4</c> (cheap, and
/// a changelog or an event stream compresses well); <c>linger.ms=5</c> (batches fill within 5 ms of the first record;
/// commits flush anyway); <c>message.timeout.ms=600000</c> (a delivery keeps being retried through broker outages of up
/// to ten minutes before <see cref="IRecordProducer.Flush"/> reports it failed; 0 retries forever).</item>
/// <item>Consumers and readers: <c>enable.auto.commit=false</c> and <c>enable.auto.offset.store=false</c> (positions are
/// committed by the worker after the outputs of the records before them are flushed: at-least-once);
/// <c>auto.offset.reset=earliest</c> (a new group reads a topic from its beginning, as the embedded log does);
/// <c>partition.assignment.strategy=cooperative-sticky</c> (a rebalance moves only the partitions that change owner,
/// the others keep being processed); <c>fetch.queue.backoff.ms=10</c> (librdkafka's 1000 ms default pauses a fast
/// consumer for a second whenever its prefetch queue is full: ~156k records/s instead of over a million);
/// <c>session.timeout.ms=45000</c> (a member that stops heartbeating is replaced after 45 s) and
/// <c>max.poll.interval.ms=300000</c> (a worker that does not fetch for five minutes, say blocked on a flush during an
/// outage, leaves the group and its partitions move on).</item>
/// </list>
/// <para>The transport owns <c>bootstrap.servers</c> (from <c>--broker</c>), <c>group.id</c>, <c>enable.auto.commit</c>,
/// <c>enable.auto.offset.store</c>, <c>enable.partition.eof</c>, <c>transactional.id</c> and Confluent.Kafka's
/// <c>dotnet.*</c> marshalling switches: setting them is an error.</para>
/// </remarks>
internal static class KafkaSettings
{
    public const string LibrdkafkaDocs = "https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md";

    /// <summary>Defaults for every client.</summary>
    public static readonly IReadOnlyDictionary<string, string> CommonDefaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["allow.auto.create.topics"] = "false",
        ["reconnect.backoff.max.ms"] = "1000",
    };

    /// <summary>Defaults for producers.</summary>
    public static readonly IReadOnlyDictionary<string, string> ProducerDefaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["enable.idempotence"] = "true",
        ["acks"] = "all",
        ["compression.type"] = "lz4",
        ["linger.ms"] = "5",
        ["message.timeout.ms"] = "600000",
        // Exactly-once: a worker that stops committing (stuck, or cut off) has its open transaction aborted by the
        // broker and its producer fenced after 10 s, instead of holding back read_committed readers of its partitions.
        ["transaction.timeout.ms"] = "10000",
    };

    /// <summary>Defaults for group consumers and partition readers.</summary>
    public static readonly IReadOnlyDictionary<string, string> ConsumerDefaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["auto.offset.reset"] = "earliest",
        ["partition.assignment.strategy"] = "cooperative-sticky",
        ["fetch.queue.backoff.ms"] = "10",
        ["session.timeout.ms"] = "45000",
        ["max.poll.interval.ms"] = "300000",
    };

    /// <summary>Settings the transport sets itself; users may not.</summary>
    private static readonly Dictionary<string, string> Owned = new(StringComparer.OrdinalIgnoreCase)
    {
        ["bootstrap.servers"] = "the brokers come from --broker kafka://host:port (Faustish:Broker)",
        ["metadata.broker.list"] = "the brokers come from --broker kafka://host:port (Faustish:Broker)",
        ["group.id"] = "each agent's consumer group is named after the app id and the agent",
        ["enable.auto.commit"] = "workers commit positions themselves, after flushing the outputs of the records before them",
        ["enable.auto.offset.store"] = "workers commit positions themselves, after flushing the outputs of the records before them",
        ["enable.partition.eof"] = "the transport reads to the end of a partition by its watermarks",
        ["isolation.level"] = "every consumer and reader reads committed records only (exactly-once needs it; at-least-once writes no transactions)",
        ["transactional.id"] = "exactly-once producers get their ids from the worker names",
        ["dotnet.consumer.consume.result.fields"] = "the transport chooses what Confluent.Kafka marshals",
        ["dotnet.producer.delivery.report.fields"] = "the transport chooses what Confluent.Kafka marshals",
        ["dotnet.producer.enable.delivery.reports"] = "the transport needs every delivery report to find failed deliveries",
        ["dotnet.producer.enable.background.poll"] = "the transport relies on Confluent.Kafka's background poll",
    };

    /// <summary>
    /// The configuration of a client of <paramref name="kind"/>: defaults, then the user's common settings, then the
    /// user's producer or consumer settings, then what the transport owns. Keys are as librdkafka spells them.
    /// </summary>
    public static Dictionary<string, string> Build(KafkaTransportOptions options, KafkaClientKind kind, bool withBootstrapServers = true)
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        Copy(CommonDefaults, config);
        if (kind == KafkaClientKind.Producer)
        {
            Copy(ProducerDefaults, config);
        }
        else if (kind == KafkaClientKind.Consumer)
        {
            Copy(ConsumerDefaults, config);
        }

        foreach (var (_, key, value) in UserSettings(options, kind))
        {
            config[key] = value;
        }

        if (withBootstrapServers)
        {
            config["bootstrap.servers"] = options.BootstrapServers;
        }

        if (kind == KafkaClientKind.Producer)
        {
            // Only the error matters in a delivery report (which record failed, and why); the rest is not marshalled.
            config["dotnet.producer.delivery.report.fields"] = "none";
        }
        else if (kind == KafkaClientKind.Consumer)
        {
            config["enable.auto.commit"] = "false";
            config["enable.auto.offset.store"] = "false";
            config["isolation.level"] = "read_committed";
        }

        return config;
    }

    /// <summary>
    /// The user's settings that apply to a client of <paramref name="kind"/>, in override order, each with the
    /// configuration key it came from (for messages) and the librdkafka name (<c>_</c> read as <c>.</c>).
    /// </summary>
    public static IEnumerable<(string Source, string Key, string Value)> UserSettings(KafkaTransportOptions options, KafkaClientKind kind)
    {
        foreach (var setting in Section(options, "Common", options.Common))
        {
            yield return setting;
        }

        if (kind == KafkaClientKind.Producer)
        {
            foreach (var setting in Section(options, "Producer", options.Producer))
            {
                yield return setting;
            }
        }
        else if (kind == KafkaClientKind.Consumer)
        {
            foreach (var setting in Section(options, "Consumer", options.Consumer))
            {
                yield return setting;
            }
        }
    }

    /// <summary>Whether the user's settings for a client of <paramref name="kind"/> set <paramref name="name"/> (librdkafka's spelling).</summary>
    public static bool UserSets(KafkaTransportOptions options, KafkaClientKind kind, string name)
    {
        foreach (var (_, key, _) in UserSettings(options, kind))
        {
            if (string.Equals(key, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Checks the user's settings: none of the transport's own, each with a value, and every kind of client builds
    /// with them (librdkafka checks names, values and how they combine when a client is created). Throws
    /// <see cref="InvalidOperationException"/> naming the configuration key and saying what librdkafka objected to.
    /// </summary>
    public static void Validate(KafkaTransportOptions options)
    {
        foreach (var kind in new[] { KafkaClientKind.Producer, KafkaClientKind.Consumer })
        {
            foreach (var (source, key, value) in UserSettings(options, kind))
            {
                if (Owned.TryGetValue(key, out var why))
                {
                    throw new InvalidOperationException($"{source} cannot be set: {why}. Remove it.");
                }

                if (value.Length == 0)
                {
                    throw new InvalidOperationException($"{source} has no value. Give it one (see {LibrdkafkaDocs}) or remove it.");
                }
            }
        }

        foreach (var kind in new[] { KafkaClientKind.Producer, KafkaClientKind.Consumer })
        {
            var problem = TryBuild(Build(options, kind, withBootstrapServers: false), kind);
            if (problem is null)
            {
                continue;
            }

            // Find the setting librdkafka refuses on its own: the defaults plus that one setting.
            foreach (var (source, key, value) in UserSettings(options, kind))
            {
                var alone = Build(new KafkaTransportOptions { BootstrapServers = options.BootstrapServers }, kind, withBootstrapServers: false);
                alone[key] = value;
                if (TryBuild(alone, kind) is { } own)
                {
                    throw new InvalidOperationException($"{source} = '{value}' is not a valid Kafka {Describe(kind)} setting: {own}. See {LibrdkafkaDocs}.");
                }
            }

            var section = kind == KafkaClientKind.Producer ? "Producer" : "Consumer";
            throw new InvalidOperationException(
                $"The Kafka {Describe(kind)} settings ({options.ConfigurationPrefix}:Common:* and {options.ConfigurationPrefix}:{section}:*) do not work together: {problem}. See {LibrdkafkaDocs}.");
        }
    }

    /// <summary>librdkafka's objection to a configuration, or null when a client builds with it.</summary>
    private static string? TryBuild(Dictionary<string, string> config, KafkaClientKind kind)
    {
        try
        {
            if (kind == KafkaClientKind.Producer)
            {
                using var producer = new ProducerBuilder<byte[], byte[]>(config).SetLogHandler(static (_, _) => { }).Build();
            }
            else
            {
                config["group.id"] = "faustish-settings-check";
                using var consumer = new ConsumerBuilder<byte[], byte[]>(config).SetLogHandler(static (_, _) => { }).Build();
            }

            return null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KafkaException or FormatException or OverflowException)
        {
            return e.Message.TrimEnd('.');
        }
    }

    private static string Describe(KafkaClientKind kind) => kind switch
    {
        KafkaClientKind.Producer => "producer",
        KafkaClientKind.Consumer => "consumer",
        _ => "client",
    };

    private static IEnumerable<(string Source, string Key, string Value)> Section(KafkaTransportOptions options, string name, IReadOnlyDictionary<string, string?> settings)
    {
        // Sorted, so that messages and overrides do not depend on dictionary order.
        var keys = new List<string>(settings.Keys);
        keys.Sort(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            yield return (string.Create(CultureInfo.InvariantCulture, $"{options.ConfigurationPrefix}:{name}:{key}"), LibrdkafkaName(key), settings[key] ?? "");
        }
    }

    /// <summary>
    /// The librdkafka name of a configuration key: lower case, and with <c>_</c> read as <c>.</c> in names written without
    /// dots (environment variables), except for librdkafka's own names with underscores (<c>log_level</c>, <c>enabled_events</c>).
    /// </summary>
    internal static string LibrdkafkaName(string key)
    {
        var name = key.Trim().ToLowerInvariant();
        return name.Contains('.', StringComparison.Ordinal) || name is "log_level" or "enabled_events" ? name : name.Replace('_', '.');
    }

    private static void Copy(IReadOnlyDictionary<string, string> from, Dictionary<string, string> to)
    {
        foreach (var (key, value) in from)
        {
            to[key] = value;
        }
    }
}
