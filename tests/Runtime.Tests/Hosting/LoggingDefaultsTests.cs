using System;
using System.Collections.Generic;
using System.IO;
using Faustish.Agents;
using Faustish.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Faustish.Tests.Hosting;

/// <summary>The worker host's logging when the app configures none, and that configuration still overrides it.</summary>
public sealed class LoggingDefaultsTests
{
    private static readonly AppModel Empty = new([], [], []);

    [Fact]
    public void Without_configuration_Faustish_summaries_show_and_hosting_and_embedded_housekeeping_do_not()
    {
        using var host = FaustishApp.BuildHost(Settings(), Empty, new WorkerRunOptions());
        var loggers = host.Services.GetRequiredService<ILoggerFactory>();

        Assert.True(loggers.CreateLogger("Faustish.Agents.count-views").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("Faustish.Agents.count-views").IsEnabled(LogLevel.Debug));
        Assert.True(loggers.CreateLogger("Faustish.Hosting.FaustishWorkerService").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Faustish.Transport.Kafka").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("Faustish.Transport.Embedded").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Faustish.Transport.Embedded").IsEnabled(LogLevel.Warning));
        Assert.False(loggers.CreateLogger("Microsoft.Hosting.Lifetime").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.Hosting.Lifetime").IsEnabled(LogLevel.Warning));
        Assert.Equal("true", host.Services.GetRequiredService<IConfiguration>()["Logging:Console:FormatterOptions:SingleLine"]);
    }

    [Fact]
    public void Configuration_overrides_the_defaults_key_by_key()
    {
        var settings = Settings();
        settings["Logging:LogLevel:Faustish.Transport.Embedded"] = "Debug";
        settings["Logging:LogLevel:Faustish"] = "Warning";
        using var host = FaustishApp.BuildHost(settings, Empty, new WorkerRunOptions());
        var loggers = host.Services.GetRequiredService<ILoggerFactory>();

        Assert.True(loggers.CreateLogger("Faustish.Transport.Embedded").IsEnabled(LogLevel.Debug));
        Assert.False(loggers.CreateLogger("Faustish.Agents.count-views").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("Microsoft.Hosting.Lifetime").IsEnabled(LogLevel.Information)); // a default no setting replaced
    }

    private static Dictionary<string, string?> Settings() => new(StringComparer.Ordinal)
    {
        ["Faustish:AppId"] = "logging",
        ["Faustish:DataDirectory"] = Path.Combine(Path.GetTempPath(), "faustish-logging-" + Guid.NewGuid().ToString("N")),
    };
}
