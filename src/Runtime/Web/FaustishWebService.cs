using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Faustish.Web;

/// <summary>
/// The worker's web server: a small ASP.NET Core app (from the shared framework) nested in the worker's host, on
/// loopback by default. It serves the table views, the status page, health probes and Prometheus metrics at
/// <c>/metrics</c>, and exports metrics and traces over OTLP when <see cref="WebOptions.OtlpEndpoint"/> is set. Its
/// address is logged and written to <c>web.url</c> in the data directory, where the CLI's <c>table</c> command finds it.
/// </summary>
internal sealed class FaustishWebService(FaustishRuntime runtime, ILogger<FaustishWebService> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>The file in the data directory that holds the running worker's web address.</summary>
    public const string AddressFile = "web.url";

    /// <summary>
    /// The response header naming the process that answered (its id, kept in its data directory): a reader that found
    /// the address in a data directory checks it is that directory's worker, not a stranger on a reused port.
    /// </summary>
    public const string ProcessHeader = "Faustish-Process";

    private WebApplication? _app;

    /// <summary>The address the server listens on (e.g. <c>http://127.0.0.1:6066</c>), once started.</summary>
    public string? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = runtime.Options.Web;
        if (!options.Enabled)
        {
            return;
        }

        var bind = ParseBind(options.Bind);
        try
        {
            _app = Build(bind, options.Port ?? WebOptions.DefaultPort);
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException taken) when (options.Port is null)
        {
            // The default port is another worker's on this machine: any free port will do, and the log says which.
            await DisposeAppAsync().ConfigureAwait(false);
            logger.LogInformation("Port {Port} is taken ({Reason}); the web server takes a free port instead. Set --web-port to choose one", WebOptions.DefaultPort, taken.Message);
            _app = Build(bind, 0);
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException taken)
        {
            await DisposeAppAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                $"The web server cannot listen on {options.Bind}:{options.Port}: {taken.Message} Choose another port with --web-port or Faustish:Web:Port (0 picks a free one), or turn the server off with Faustish:Web:Enabled=false.", taken);
        }

        Address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        runtime.WebAddress = options.AdvertisedUrl is { Length: > 0 } advertised ? advertised.TrimEnd('/') : Address;
        Directory.CreateDirectory(runtime.Options.DataDirectory);
        await File.WriteAllTextAsync(Path.Combine(runtime.Options.DataDirectory, AddressFile), Address, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Status page and table views on {Address} (metrics: {Address}/metrics)", Address, Address);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is null)
        {
            return;
        }

        var addressFile = Path.Combine(runtime.Options.DataDirectory, AddressFile);
        if (File.Exists(addressFile) && await File.ReadAllTextAsync(addressFile, cancellationToken).ConfigureAwait(false) == Address)
        {
            File.Delete(addressFile);
        }

        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await DisposeAppAsync().ConfigureAwait(false);

    private async Task DisposeAppAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }

    private WebApplication Build(IPAddress bind, int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        // The worker's own logs say what matters; ASP.NET Core's request logs would drown them.
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(bind, port));
        var otlp = runtime.Options.Web.OtlpEndpoint;
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(FaustishMetrics.MeterName).AddPrometheusExporter();
                if (!string.IsNullOrEmpty(otlp))
                {
                    metrics.AddOtlpExporter(exporter => exporter.Endpoint = new Uri(otlp));
                }
            })
            .WithTracing(tracing =>
            {
                if (!string.IsNullOrEmpty(otlp))
                {
                    tracing.AddSource(FaustishTracing.SourceName).AddOtlpExporter(exporter => exporter.Endpoint = new Uri(otlp));
                }
            });

        var app = builder.Build();
        var processId = runtime.ProcessId;
        app.Use(async (context, next) =>
        {
            context.Response.Headers[ProcessHeader] = processId;
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (Exception exception) when (!context.Response.HasStarted && exception is not OperationCanceledException)
            {
                // Never a stack trace over HTTP: the message, and the full exception in the worker's log.
                logger.LogError(exception, "Web request {Path} failed", context.Request.Path);
                await WebJson.ErrorAsync(context, StatusCodes.Status500InternalServerError, $"The request failed: {exception.Message}").ConfigureAwait(false);
            }
        });
        new TableViews(runtime).Map(app);
        new StatusView(runtime, () => Address).Map(app);
        new HealthProbes(runtime).Map(app);
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapFallback(context => WebJson.ErrorAsync(context, StatusCodes.Status404NotFound,
            $"No such page: {context.Request.Method} {context.Request.Path}. Pages: / (status), /tables, /tables/{{name}}, /tables/{{name}}/{{key}}, /tables/{{name}}/{{key}}/windows, /health/live, /health/ready, /metrics, /api/status."));
        return app;
    }

    private static IPAddress ParseBind(string bind) => bind.Trim() switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "0.0.0.0" => IPAddress.Any,
        "::" => IPAddress.IPv6Any,
        var text when IPAddress.TryParse(text, out var address) => address,
        var text => throw new InvalidOperationException(
            $"Web.Bind '{text}' is not an interface address. Set --web-bind or Faustish:Web:Bind to 127.0.0.1 (loopback, the default), 0.0.0.0 (every interface) or an address of this machine."),
    };
}
