using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Faustish.Cli;

/// <summary>
/// The <c>table</c> command's way to a running worker: its web server's table views (the address is in
/// <c>web.url</c> in the data directory), so a table is read from live state without stopping the worker. When no
/// worker answers there, the command rebuilds the table from its changelog instead.
/// </summary>
internal static class LiveTableReader
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>What the worker said: entries (key, value JSON), a missing key, an error to show, or nothing (no worker answered).</summary>
    public sealed record Answer(List<(string Key, string Value)>? Entries, bool Missing, string? Error, bool Truncated);

    public static async Task<Answer?> ReadAsync(string dataDirectory, string processId, Tables.TableDefinition table, string? key, CancellationToken cancellationToken)
    {
        var addressFile = Path.Combine(dataDirectory, Web.FaustishWebService.AddressFile);
        if (!File.Exists(addressFile) || !Uri.TryCreate((await File.ReadAllTextAsync(addressFile, cancellationToken).ConfigureAwait(false)).Trim(), UriKind.Absolute, out var address))
        {
            return null;
        }

        var name = Uri.EscapeDataString(table.Name);
        var path = key is null ? $"/tables/{name}?limit=100000"
            : Web.TableViews.IsWindowed(table) ? $"/tables/{name}/{Uri.EscapeDataString(key)}/windows"
            : $"/tables/{name}/{Uri.EscapeDataString(key)}";
        using var http = new HttpClient { Timeout = Timeout };
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(new Uri(address, path), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The worker that wrote the address is gone (or not listening yet): read the changelog instead.
            return null;
        }

        using (response)
        {
            if (!response.Headers.TryGetValues(Web.FaustishWebService.ProcessHeader, out var answeredBy) || !answeredBy.Contains(processId))
            {
                // A stale address (the worker was killed) now used by another program: not this data directory's worker.
                return null;
            }

            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                // Restoring or rebalancing: the changelog has the committed state meanwhile.
                return null;
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            var body = document.RootElement;
            if (response.StatusCode == HttpStatusCode.NotFound && key is not null && body.TryGetProperty("partition", out _))
            {
                return new Answer(null, Missing: true, null, false);
            }

            if (!response.IsSuccessStatusCode)
            {
                return new Answer(null, false, body.TryGetProperty("error", out var error) ? error.GetString() : $"HTTP {(int)response.StatusCode}", false);
            }

            if (key is not null)
            {
                return new Answer([(key, (body.TryGetProperty("value", out var value) ? value : body.GetProperty("windows")).GetRawText())], false, null, false);
            }

            var entries = new List<(string, string)>();
            foreach (var entry in body.GetProperty("entries").EnumerateArray())
            {
                entries.Add((entry.GetProperty("key").GetString()!, entry.GetProperty("value").GetRawText()));
            }

            return new Answer(entries, false, null, body.GetProperty("truncated").GetBoolean());
        }
    }
}
