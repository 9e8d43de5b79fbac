using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faustish.Web.Tests;

/// <summary>Where the web server listens: bad settings stop start-up saying what to change; a taken default port moves.</summary>
[Collection(SerialWebTests.Name)]
public sealed class WebOptionsTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public void A_port_out_of_range_is_refused_naming_the_option(int port)
    {
        var options = new FaustishOptions { AppId = "web", DataDirectory = Path.GetTempPath() };
        options.Web.Port = port;
        var error = Assert.Throws<InvalidOperationException>(() => options.Validate("web"));
        Assert.Contains($"Web.Port must be between 0 and 65535 (was {port}). Set --web-port or Faustish:Web:Port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bind_address_that_is_not_an_address_is_refused_naming_the_option()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(web => web.Bind = "my-laptop"));
        Assert.Contains("Web.Bind 'my-laptop' is not an interface address. Set --web-bind or Faustish:Web:Bind", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chosen_port_that_is_taken_stops_start_up_saying_what_to_do()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(web => web.Port = port));
        Assert.Contains($"The web server cannot listen on 127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("Choose another port with --web-port or Faustish:Web:Port (0 picks a free one)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_taken_default_port_moves_to_a_free_one()
    {
        // Hold 6066 unless another worker on this machine holds it already: either way the default is taken.
        TcpListener? holder = new(IPAddress.Loopback, WebOptions.DefaultPort);
        try
        {
            holder.Start();
        }
        catch (SocketException)
        {
            holder.Dispose();
            holder = null;
        }

        try
        {
            await using var started = await StartAsync(web => web.Port = null);
            var address = new Uri(started.Web.Address!);
            Assert.Equal("127.0.0.1", address.Host);
            Assert.NotEqual(WebOptions.DefaultPort, address.Port);
            Assert.Equal(started.Web.Address, await File.ReadAllTextAsync(Path.Combine(started.Directory, FaustishWebService.AddressFile)));
        }
        finally
        {
            holder?.Dispose();
        }
    }

    private static async Task<Started> StartAsync(Action<WebOptions> configure)
    {
        var directory = Path.Combine(Path.GetTempPath(), "faustish-web-" + Guid.NewGuid().ToString("N"));
        var options = new FaustishOptions { AppId = "web", DataDirectory = directory };
        configure(options.Web);
        options.Validate("web");
        var runtime = new FaustishRuntime(options, WebApp.OrdersModel, NullLoggerFactory.Instance);
        var web = new FaustishWebService(runtime, NullLogger<FaustishWebService>.Instance);
        var started = new Started(runtime, web, directory);
        try
        {
            await web.StartAsync(CancellationToken.None);
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    private sealed class Started(FaustishRuntime runtime, FaustishWebService web, string directory) : IAsyncDisposable
    {
        public FaustishWebService Web => web;

        public string Directory => directory;

        public async ValueTask DisposeAsync()
        {
            await web.StopAsync(CancellationToken.None);
            await web.DisposeAsync();
            await runtime.DisposeAsync();
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
        }
    }
}
