using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Faustish.Web.Tests;

/// <summary>
/// A worker host as <c>worker</c> runs it (web server included, on a free loopback port), on the embedded log in a
/// temporary data directory that is deleted afterwards.
/// </summary>
internal sealed class WebApp : IAsyncDisposable
{
    public static readonly AppModel OrdersModel = new(
        [Orders.Definition, Shipments.Definition],
        [OrdersPerShop.Definition, AmountPerMinute.Definition, OrderAmounts.Definition, ShippedPerShop.Definition],
        [TakeOrders.Definition, CountShipments.Definition]);

    private readonly IHost _host;
    private readonly bool _ownsDirectory;

    private WebApp(IHost host, string directory, bool ownsDirectory)
    {
        _host = host;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        Runtime = host.Services.GetRequiredService<FaustishRuntime>();
        Web = host.Services.GetServices<IHostedService>().OfType<FaustishWebService>().Single();
    }

    public string Directory { get; }

    public FaustishRuntime Runtime { get; }

    public FaustishWebService Web { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(20) };

    public Uri Address => new(Web.Address ?? throw new InvalidOperationException("The web server did not start."));

    public static async Task<WebApp> StartAsync(AppModel model, Dictionary<string, string?>? settings = null, string? directory = null)
    {
        var ownsDirectory = directory is null;
        directory ??= Path.Combine(Path.GetTempPath(), "faustish-web-" + Guid.NewGuid().ToString("N"));
        var all = new Dictionary<string, string?>
        {
            ["Faustish:AppId"] = "web",
            ["Faustish:DataDirectory"] = directory,
            ["Faustish:Web:Port"] = "0",
            ["Faustish:PollTimeout"] = "00:00:00.050",
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        var host = FaustishApp.BuildHost(all, model, new WorkerRunOptions());
        await host.StartAsync().ConfigureAwait(false);
        var app = new WebApp(host, directory, ownsDirectory);
        // The worker service creates the topics, then the workers: records can be sent from then on.
        await Eventually.TrueAsync(() => Task.FromResult(app.Runtime.Workers.Count == model.Agents.Count), () => "the workers never started").ConfigureAwait(false);
        return app;
    }

    /// <summary>Sends through a fresh producer and flushes.</summary>
    public void Send(Action<RecordSender> send)
    {
        var sender = Runtime.CreateSender();
        using var producer = sender.Producer;
        send(sender);
        producer.Flush(CancellationToken.None);
    }

    /// <summary>Waits (at most 30 s) until the app's workers have processed <paramref name="records"/> records.</summary>
    public async Task WaitForProcessedAsync(long records)
    {
        await Eventually.TrueAsync(() => Task.FromResult(Runtime.Workers.Sum(w => w.Processed) >= records),
            () => $"processed {Runtime.Workers.Sum(w => w.Processed)} of {records} records").ConfigureAwait(false);
    }

    public async Task<(int Status, JsonElement Body)> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(Address, path)).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString() ?? "", StringComparison.Ordinal);
        using var document = JsonDocument.Parse(text);
        return ((int)response.StatusCode, document.RootElement.Clone());
    }

    public async Task<string> GetTextAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(Address, path)).ConfigureAwait(false);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}");
        return await response.Content.ReadAsStringAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await _host.StopAsync(stop.Token).ConfigureAwait(false);
        }

        _host.Dispose();
        if (_ownsDirectory && System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}

/// <summary>Bounded waits: every wait in these tests ends, with a message saying what did not happen.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? within = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = within ?? TimeSpan.FromSeconds(30);
        while (!await condition().ConfigureAwait(false))
        {
            Assert.True(deadline.Elapsed < limit, $"Timed out after {limit.TotalSeconds:F0} s: {what()}");
            await Task.Delay(20).ConfigureAwait(false);
        }
    }
}

/// <summary>The web tests share the meter name <c>Faustish</c> and the machine's two cores: they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialWebTests
{
    public const string Name = "web";
}
