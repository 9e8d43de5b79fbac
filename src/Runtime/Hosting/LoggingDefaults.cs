using System;
using System.Collections.Generic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Hosting;

namespace Faustish.Hosting;

/// <summary>
/// Log levels and console format a person can read when the app configures none: one line per message; Faustish at
/// Information says what the app runs on, which partitions each agent takes, restores and releases, and what it
/// processed, while per-table restore details and the embedded log's housekeeping (topics created, group members
/// joining) stay at Debug or below Warning; Microsoft's hosting lines only when something is wrong.
/// </summary>
/// <remarks>
/// These are the lowest-priority configuration source: appsettings.json, environment variables
/// (<c>Logging__LogLevel__Faustish=Debug</c>) and the host's other sources override them key by key.
/// </remarks>
internal static class LoggingDefaults
{
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft"] = "Warning",
        ["Logging:LogLevel:Faustish.Transport.Embedded"] = "Warning",
        ["Logging:Console:FormatterName"] = "simple",
        ["Logging:Console:FormatterOptions:SingleLine"] = "true",
        ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss ",
    };

    /// <summary>Puts the defaults under every configuration source the builder already has.</summary>
    public static void Apply(HostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Settings });
    }
}
