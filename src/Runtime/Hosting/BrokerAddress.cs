using System;
using System.Collections.Generic;
using System.Globalization;

namespace Faustish.Hosting;

/// <summary>Which transport <see cref="FaustishOptions.Broker"/> asks for.</summary>
public enum BrokerKind
{
    /// <summary>The embedded log in the data directory (the default).</summary>
    Embedded,

    /// <summary>A Kafka cluster.</summary>
    Kafka,
}

/// <summary>
/// <see cref="FaustishOptions.Broker"/> parsed: <c>kafka://host1:9092,host2:9092</c> (Kafka, through the listed bootstrap
/// brokers), <c>embedded://path</c> (the embedded log in <c>path</c>) or nothing (the embedded log in the data directory).
/// </summary>
/// <param name="Kind">The transport.</param>
/// <param name="Target">Kafka: the bootstrap servers, <c>host:port</c> comma-separated. Embedded: the directory, or null for the default.</param>
public sealed record BrokerAddress(BrokerKind Kind, string? Target)
{
    private const string Help =
        "Write kafka://host:9092 (several brokers: kafka://host1:9092,host2:9092) for Kafka, or embedded://path (or nothing) for the embedded log. " +
        "Set --broker, Faustish:Broker or Faustish__Broker.";

    public override string ToString() => Kind == BrokerKind.Kafka ? "kafka://" + Target : "embedded://" + Target;

    /// <summary>Parses a broker setting, or throws <see cref="InvalidOperationException"/> saying what to write.</summary>
    public static BrokerAddress Parse(string? text)
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            return new BrokerAddress(BrokerKind.Embedded, null);
        }

        var separator = value.IndexOf("://", StringComparison.Ordinal);
        if (separator < 0)
        {
            throw Invalid(value, "it names no transport");
        }

        var scheme = value[..separator].ToLowerInvariant();
        var rest = value[(separator + 3)..];
        switch (scheme)
        {
            case "embedded":
                return new BrokerAddress(BrokerKind.Embedded, rest.Length == 0 ? null : rest);
            case "kafka":
                return new BrokerAddress(BrokerKind.Kafka, ParseServers(value, rest));
            default:
                throw Invalid(value, $"'{scheme}' is not a transport");
        }
    }

    private static string ParseServers(string value, string rest)
    {
        var servers = new List<string>();
        foreach (var part in rest.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0)
            {
                throw Invalid(value, rest.Length == 0 ? "it lists no Kafka broker" : "it has an empty broker between commas");
            }

            if (part.Contains('/', StringComparison.Ordinal) || part.Contains('@', StringComparison.Ordinal) || part.Contains(' ', StringComparison.Ordinal))
            {
                throw Invalid(value, $"'{part}' is not host:port");
            }

            // host, host:port, [v6 address]:port, or a bare IPv6 address (no port).
            string host;
            string? port;
            if (part.StartsWith('['))
            {
                var close = part.IndexOf(']', StringComparison.Ordinal);
                if (close < 0 || (close + 1 < part.Length && part[close + 1] != ':'))
                {
                    throw Invalid(value, $"'{part}' is not [address]:port");
                }

                host = part[1..close];
                port = close + 1 < part.Length ? part[(close + 2)..] : null;
            }
            else if (part.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 && colon == part.LastIndexOf(':'))
            {
                host = part[..colon];
                port = part[(colon + 1)..];
            }
            else
            {
                host = part;
                port = null;
            }

            if (host.Length == 0)
            {
                throw Invalid(value, $"'{part}' has no host");
            }

            if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535))
            {
                throw Invalid(value, $"'{port}' in '{part}' is not a port number (1 to 65535)");
            }

            servers.Add(part);
        }

        return string.Join(',', servers);
    }

    private static InvalidOperationException Invalid(string value, string why) =>
        new($"Broker '{value}' is not valid: {why}. {Help}");
}
