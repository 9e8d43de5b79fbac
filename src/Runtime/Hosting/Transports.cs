using System;
using System.Collections.Generic;
using Faustish.Transport;
using Faustish.Transport.Kafka;
using Microsoft.Extensions.Logging;

namespace Faustish.Hosting;

/// <summary>Opens the transport the settings ask for. The only place that knows the transports' types.</summary>
internal static class Transports
{
    /// <summary>
    /// The transport <see cref="FaustishOptions.Broker"/> names (validated options): Kafka for <c>kafka://…</c>, otherwise
    /// the embedded log in <see cref="FaustishOptions.DataDirectory"/>.
    /// </summary>
    public static ITransport Open(FaustishOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        return options.BrokerAddress.Kind == BrokerKind.Kafka ? OpenKafka(options, loggers) : OpenEmbedded(options, loggers);
    }

    /// <summary>
    /// The transport for tools (CLI commands other than <c>worker</c>): as <see cref="Open"/>, except that an embedded data
    /// directory a worker holds is shared with it instead of refused: reads see what the worker committed, records sent
    /// are handed to the worker, which appends them.
    /// </summary>
    public static ITransport OpenForTools(FaustishOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        if (options.BrokerAddress.Kind == BrokerKind.Kafka)
        {
            return OpenKafka(options, loggers);
        }

        try
        {
            return OpenEmbedded(options, loggers);
        }
        catch (Faustish.Transport.Embedded.DataDirectoryInUseException)
        {
            return Faustish.Transport.Embedded.EmbeddedGuestTransport.Open(options.DataDirectory, null, loggers.CreateLogger("Faustish.Transport.Embedded"));
        }
    }

    /// <summary>The embedded log in <see cref="FaustishOptions.DataDirectory"/>.</summary>
    public static ITransport OpenEmbedded(FaustishOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        return Faustish.Transport.Embedded.EmbeddedTransport.Open(options.DataDirectory, logger: loggers.CreateLogger("Faustish.Transport.Embedded"));
    }

    /// <summary>
    /// The Kafka cluster of <see cref="FaustishOptions.Broker"/>, with <see cref="FaustishOptions.Kafka"/>'s settings.
    /// Throws <see cref="InvalidOperationException"/> naming the setting when one is not valid.
    /// </summary>
    public static ITransport OpenKafka(FaustishOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        if (options.BrokerAddress is not { Kind: BrokerKind.Kafka, Target: { } servers })
        {
            throw new InvalidOperationException($"Broker '{options.Broker}' is not a Kafka cluster; write kafka://host:9092 (Faustish:Broker, --broker).");
        }

        var kafka = options.Kafka ?? new KafkaOptions();
        return KafkaTransport.Open(new KafkaTransportOptions
        {
            BootstrapServers = servers,
            Common = kafka.Common ?? new Dictionary<string, string?>(),
            Producer = kafka.Producer ?? new Dictionary<string, string?>(),
            Consumer = kafka.Consumer ?? new Dictionary<string, string?>(),
            ReplicationFactor = kafka.ReplicationFactor,
            RequestTimeout = kafka.RequestTimeout,
            FetchPath = kafka.FetchPath,
        }, loggers);
    }
}
