using System;
using Faustish.Transport;
using Microsoft.Extensions.Logging;

namespace Faustish.Hosting;

/// <summary>Opens the transport the settings ask for.</summary>
public static class Transports
{
    /// <summary>The embedded log in <see cref="FaustishOptions.DataDirectory"/>.</summary>
    public static ITransport OpenEmbedded(FaustishOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        return Faustish.Transport.Embedded.EmbeddedTransport.Open(options.DataDirectory, logger: loggers.CreateLogger("Faustish.Transport.Embedded"));
    }
}
