using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Hosting;
using Faustish.Serialization;
using Faustish.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Builder;

namespace Faustish.Web;

/// <summary>
/// Read-only views of the tables, from live state (Faust's table views): <c>GET /tables</c>,
/// <c>/tables/{name}</c>, <c>/tables/{name}/{key}</c> and, for windowed tables, <c>/tables/{name}/{key}/windows</c>.
/// The worker that owns a key's partition answers between its batches (<see cref="WorkerMailbox"/>), so a read never
/// races the agent; values are JSON as the table's codec writes them.
/// </summary>
internal sealed class TableViews(FaustishRuntime runtime)
{
    /// <summary>Most entries <c>/tables/{name}</c> returns unless <c>?limit=</c> says otherwise.</summary>
    public const int DefaultLimit = 1000;

    private const int MaxLimit = 100_000;

    private readonly KeyForwarding _forwarding = new(runtime);

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/tables", ListAsync);
        routes.MapGet("/tables/{name}", EntriesAsync);
        routes.MapGet("/tables/{name}/{key}", context => KeyAsync(context, windows: false));
        routes.MapGet("/tables/{name}/{key}/windows", context => KeyAsync(context, windows: true));
    }

    private Task ListAsync(HttpContext context) => WebJson.WriteAsync(context, StatusCodes.Status200OK, json =>
    {
        json.WriteStartArray();
        foreach (var table in runtime.Topology.Tables.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            json.WriteStartObject();
            json.WriteString("name", table.Name);
            json.WriteString("keyType", table.KeyType.Name);
            json.WriteString("valueType", table.ValueType.Name);
            json.WriteNumber("partitions", runtime.Topology.PartitionsOf(table));
            json.WriteBoolean("windowed", IsWindowed(table));
            json.WriteBoolean("global", table.IsGlobal);
            json.WriteString("agent", AgentOf(table));
            json.WriteString("changelog", table.ChangelogTopic(runtime.Options.AppId));
            json.WriteString("href", $"/tables/{Uri.EscapeDataString(table.Name)}");
            json.WriteEndObject();
        }

        json.WriteEndArray();
    });

    private async Task EntriesAsync(HttpContext context)
    {
        if (FindTable(context) is not { } table)
        {
            await NoSuchTableAsync(context).ConfigureAwait(false);
            return;
        }

        var limit = DefaultLimit;
        if (context.Request.Query.TryGetValue("limit", out var limitText) &&
            (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest,
                $"limit '{limitText}' is not a whole number between 1 and {MaxLimit}. Write e.g. /tables/{table.Name}?limit=100.").ConfigureAwait(false);
            return;
        }

        var entries = new List<TableEntry>();
        var holders = Holders(table);
        foreach (var worker in holders)
        {
            try
            {
                entries.AddRange(await worker.Mailbox.AskAsync(() => worker.Entries(table, limit + 1), runtime.Options.Web.ReadTimeout, context.RequestAborted).ConfigureAwait(false));
            }
            catch (Exception exception) when (exception is TimeoutException or WorkerStoppedException)
            {
                await BusyAsync(context, worker, exception).ConfigureAwait(false);
                return;
            }

            if (table.IsGlobal)
            {
                break;
            }
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var truncated = entries.Count > limit;
        await WebJson.WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteString("table", table.Name);
            json.WriteNumber("partitions", runtime.Topology.PartitionsOf(table));
            json.WriteBoolean("windowed", IsWindowed(table));
            json.WriteNumber("count", Math.Min(entries.Count, limit));
            json.WriteBoolean("truncated", truncated);
            json.WriteStartArray("entries");
            foreach (var entry in entries.Take(limit))
            {
                json.WriteStartObject();
                json.WriteString("key", entry.Key);
                json.WriteNumber("partition", entry.Partition);
                json.WritePropertyName("value");
                json.WriteRawValue(entry.Json);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task KeyAsync(HttpContext context, bool windows)
    {
        if (FindTable(context) is not { } table)
        {
            await NoSuchTableAsync(context).ConfigureAwait(false);
            return;
        }

        var keyText = (string)context.Request.RouteValues["key"]!;
        if (IsWindowed(table) != windows)
        {
            var hint = windows
                ? $"Table '{table.Name}' is not windowed: ask /tables/{table.Name}/{Uri.EscapeDataString(keyText)}."
                : $"Table '{table.Name}' is windowed: ask /tables/{table.Name}/{Uri.EscapeDataString(keyText)}/windows for its windows.";
            await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest, hint).ConfigureAwait(false);
            return;
        }

        byte[] key;
        try
        {
            key = table.EncodeKeyText(keyText);
        }
        catch (Exception exception) when (exception is RecordDecodeException or FormatException or JsonException or OverflowException or ArgumentException)
        {
            await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest,
                $"Key '{keyText}' does not decode as {table.KeyType.Name}, the key type of table '{table.Name}': {exception.Message} " +
                "Write keys as the CLI takes them: strings as they are, numbers as digits, other types as JSON (URL-encoded).").ConfigureAwait(false);
            return;
        }

        var partitions = runtime.Topology.PartitionsOf(table);
        var partition = table.IsGlobal ? -1 : Routing.KafkaPartitioner.Partition(key, Math.Max(partitions, 1));
        var restoring = default(TableLookup?);
        foreach (var worker in Holders(table))
        {
            TableLookup lookup;
            try
            {
                lookup = await worker.Mailbox.AskAsync(() => worker.Lookup(table, partition, key), runtime.Options.Web.ReadTimeout, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is TimeoutException or WorkerStoppedException)
            {
                await BusyAsync(context, worker, exception).ConfigureAwait(false);
                return;
            }

            switch (lookup.Outcome)
            {
                case TableLookupOutcome.Found:
                    await WebJson.WriteAsync(context, StatusCodes.Status200OK, json =>
                    {
                        json.WriteStartObject();
                        json.WriteString("table", table.Name);
                        json.WriteString("key", keyText);
                        json.WriteNumber("partition", partition);
                        json.WritePropertyName(windows ? "windows" : "value");
                        json.WriteRawValue(lookup.Json!);
                        json.WriteEndObject();
                    }).ConfigureAwait(false);
                    return;
                case TableLookupOutcome.Missing:
                    await WebJson.ErrorAsync(context, StatusCodes.Status404NotFound,
                        windows ? $"Key '{keyText}' has no open window in table '{table.Name}'." : $"Key '{keyText}' is not in table '{table.Name}'.",
                        json => json.WriteNumber("partition", partition)).ConfigureAwait(false);
                    return;
                case TableLookupOutcome.Restoring:
                    restoring = lookup;
                    break;
            }
        }

        context.Response.Headers.RetryAfter = "1";
        if (restoring is { } progress)
        {
            await WebJson.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"Partition {partition} of table '{table.Name}' is restoring from its changelog; ask again shortly.",
                json =>
                {
                    json.WriteNumber("partition", partition);
                    json.WriteStartObject("restore");
                    json.WriteNumber("applied", progress.RestoreApplied);
                    json.WriteNumber("remaining", progress.RestoreRemaining);
                    json.WriteEndObject();
                }).ConfigureAwait(false);
            return;
        }

        // On Kafka another process may own the partition: ask it (Faust's table_route).
        if (!table.IsGlobal && AgentOf(table) is { } agent &&
            await _forwarding.TryForwardAsync(context, agent, table.Name, partition).ConfigureAwait(false))
        {
            return;
        }

        await WebJson.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable,
            $"No worker of this process holds partition {partition} of table '{table.Name}' now (it starts, or the group is rebalancing); ask again shortly.",
            json => json.WriteNumber("partition", partition)).ConfigureAwait(false);
    }

    private TableDefinition? FindTable(HttpContext context) =>
        runtime.Topology.FindTable((string)context.Request.RouteValues["name"]!);

    private Task NoSuchTableAsync(HttpContext context) =>
        WebJson.ErrorAsync(context, StatusCodes.Status404NotFound,
            $"There is no table '{context.Request.RouteValues["name"]}' in app '{runtime.Options.AppId}'. Tables: {string.Join(", ", runtime.Topology.Tables.Select(t => t.Name).Order(StringComparer.Ordinal))} (GET /tables lists them).");

    private Task BusyAsync(HttpContext context, AgentWorker worker, Exception reason)
    {
        context.Response.Headers.RetryAfter = "1";
        return WebJson.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, reason is WorkerStoppedException
            ? $"Worker {worker.Name} stopped before it could answer; ask again once it runs."
            : $"Worker {worker.Name} did not answer within {runtime.Options.Web.ReadTimeout.TotalSeconds:F0} s: it is {worker.Progress.Phase.ToString().ToLowerInvariant()} (for {worker.Progress.InPhaseFor.TotalSeconds:F0} s). Ask again shortly; the status page (/) shows what it does.");
    }

    /// <summary>The agent that writes <paramref name="table"/> (its partitions are that agent's).</summary>
    private string? AgentOf(TableDefinition table) => runtime.Topology.Model.Agents.FirstOrDefault(a => a.Tables.Contains(table))?.Name;

    /// <summary>The running workers whose agent holds <paramref name="table"/>.</summary>
    private List<AgentWorker> Holders(TableDefinition table) =>
        [.. runtime.Workers.Where(w => w.Agent.Tables.Contains(table))];

    internal static bool IsWindowed(TableDefinition table) => table.GetType().IsGenericType && table.GetType().GetGenericTypeDefinition() == typeof(Tables.Windows.WindowedTableDefinition<,>);
}
