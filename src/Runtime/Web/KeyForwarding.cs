using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Microsoft.AspNetCore.Http;

namespace Faustish.Web;

/// <summary>
/// Faust's <c>table_route</c> on Kafka: a read for a key whose partition another process of the group owns goes to
/// that process's web server, at the address it publishes on the assignment board with the partitions its workers
/// own, and its answer (value, 404, or 503 with restore progress) is passed back as it is.
/// </summary>
/// <remarks>
/// A forwarded request carries <see cref="ForwardedHeader"/> and is never forwarded again: while the group rebalances
/// two processes' views can disagree for a moment, and the answer is then a 503 to ask again, not a loop.
/// </remarks>
internal sealed class KeyForwarding(FaustishRuntime runtime)
{
    /// <summary>Marks a request one process forwarded to another (its value: the forwarding process's id).</summary>
    public const string ForwardedHeader = "Faustish-Forwarded-By";

    /// <summary>On a forwarded answer: the id of the process that owns the key and answered.</summary>
    public const string OwnerHeader = "Faustish-Owner";

    /// <summary>One client for the process's lifetime (its connections are pooled); each request has its own time limit.</summary>
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The other live process whose workers own <paramref name="partition"/> of <paramref name="agent"/>, if the board knows one with a web address.</summary>
    public (string Process, string Address)? OwnerOf(string agent, int partition)
    {
        if (runtime.ExistingBoard is not { } board)
        {
            return null;
        }

        foreach (var (process, assignment) in board.View)
        {
            if (!string.Equals(process, board.ProcessId, StringComparison.Ordinal) && assignment.Web is { } web && assignment.Owns(agent, partition))
            {
                return (process, web);
            }
        }

        return null;
    }

    /// <summary>
    /// Answers <paramref name="context"/> with the owner's answer when another process owns the partition; false when
    /// there is none to ask (no board, no owner known, or the request was forwarded to this process already).
    /// </summary>
    public async Task<bool> TryForwardAsync(HttpContext context, string agent, string table, int partition)
    {
        if (context.Request.Headers.ContainsKey(ForwardedHeader) || OwnerOf(agent, partition) is not { } owner)
        {
            return false;
        }

        var target = new Uri(new Uri(owner.Address), context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent());
        using var request = new HttpRequestMessage(HttpMethod.Get, target);
        request.Headers.Add(ForwardedHeader, runtime.ProcessId);
        // The owner answers within its own read timeout (or says it is busy); a second more covers the hop.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        limit.CancelAfter(runtime.Options.Web.ReadTimeout + TimeSpan.FromSeconds(1));
        try
        {
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers[OwnerHeader] = owner.Process;
            if (response.Headers.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = retryAfter.ToString();
            }

            await response.Content.CopyToAsync(context.Response.Body, limit.Token).ConfigureAwait(false);
        }
        catch (Exception failure) when ((failure is HttpRequestException or TaskCanceledException) && !context.RequestAborted.IsCancellationRequested)
        {
            context.Response.Headers.RetryAfter = "1";
            await WebJson.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"Partition {partition} of table '{table}' is owned by process {owner.Process} at {owner.Address}, which did not answer ({failure.Message}); ask again shortly.",
                json => json.WriteNumber("partition", partition)).ConfigureAwait(false);
        }

        return true;
    }
}
