using System;

namespace Faustish.Web;

/// <summary>
/// Settings of the web server every worker runs (table views, status page, health probes, <c>/metrics</c>), bound
/// from configuration section <c>Faustish:Web</c> and from <c>--web-port</c> / <c>--web-bind</c>. It is on by default
/// and listens on loopback only: it never reaches a public interface unless <see cref="Bind"/> says so.
/// </summary>
public sealed class WebOptions
{
    /// <summary>The port Faust uses too; a second worker on the machine moves to a free port when it is taken.</summary>
    public const int DefaultPort = 6066;

    /// <summary>Whether the worker serves the web views at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The port to listen on: 0 picks a free one (tests); null (the default) means <see cref="DefaultPort"/>, or a free
    /// port when that one is taken. A port given explicitly that is taken stops start-up.
    /// </summary>
    public int? Port { get; set; }

    /// <summary>The interface to listen on: <c>127.0.0.1</c> (the default), <c>localhost</c>, <c>0.0.0.0</c> for every interface, or an address.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>
    /// The address other processes of the group forward table requests to, e.g. <c>http://10.0.0.5:6066</c>; by
    /// default the bound address (which suits processes on one machine).
    /// </summary>
    public string? AdvertisedUrl { get; set; }

    /// <summary>How long a table read waits for the worker that owns the partition (it answers between batches).</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Where OTLP metrics and traces go (e.g. <c>http://localhost:4317</c>); none when empty.</summary>
    public string? OtlpEndpoint { get; set; }

    internal void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new InvalidOperationException($"Web.Port must be between 0 and 65535 (was {Port}). Set --web-port or Faustish:Web:Port; 0 picks a free port.");
        }

        if (string.IsNullOrWhiteSpace(Bind))
        {
            throw new InvalidOperationException("Web.Bind is empty. Set --web-bind or Faustish:Web:Bind to an interface address such as 127.0.0.1.");
        }

        if (ReadTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"Web.ReadTimeout must be positive (was {ReadTimeout}). Set Faustish:Web:ReadTimeout, e.g. 00:00:05.");
        }

        if (AdvertisedUrl is { Length: > 0 } advertised && !Uri.TryCreate(advertised, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException($"Web.AdvertisedUrl '{advertised}' is not an absolute URL. Set Faustish:Web:AdvertisedUrl like http://host:6066.");
        }

        if (OtlpEndpoint is { Length: > 0 } otlp && !Uri.TryCreate(otlp, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException($"Web.OtlpEndpoint '{otlp}' is not an absolute URL. Set Faustish:Web:OtlpEndpoint like http://localhost:4317.");
        }
    }
}
