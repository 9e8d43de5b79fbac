using System;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Faustish.Web;

/// <summary>
/// The status page at <c>/</c> (plain HTML, CSS and script embedded in the assembly, no front-end build) and the JSON
/// it polls, <c>/api/status</c>: this process, its agents, their workers and partitions (position, lag, restore
/// progress), totals, stalls and the last warnings. Everything comes from what workers publish
/// (<see cref="WorkerProgress"/>), so the page never waits for a worker, even a hung one.
/// </summary>
internal sealed class StatusView(FaustishRuntime runtime, Func<string?> address)
{
    private readonly long _started = Stopwatch.GetTimestamp();

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", context => AssetAsync(context, "index.html", "text/html; charset=utf-8"));
        routes.MapGet("/status.css", context => AssetAsync(context, "status.css", "text/css; charset=utf-8"));
        routes.MapGet("/status.js", context => AssetAsync(context, "status.js", "text/javascript; charset=utf-8"));
        routes.MapGet("/api/status", StatusAsync);
    }

    private static async Task AssetAsync(HttpContext context, string name, string contentType)
    {
        await using var asset = typeof(StatusView).Assembly.GetManifestResourceStream($"Faustish.Web.StatusPage.{name}")
            ?? throw new InvalidOperationException($"The status page asset '{name}' is missing from the Faustish assembly (a build problem).");
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "no-cache";
        await asset.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    private Task StatusAsync(HttpContext context) => WebJson.WriteAsync(context, StatusCodes.Status200OK, Write);

    /// <summary>Writes the status document (also what the tests read).</summary>
    public void Write(Utf8JsonWriter json)
    {
        var workers = runtime.Workers;
        var metrics = runtime.Metrics;
        json.WriteStartObject();
        json.WriteString("app", runtime.Options.AppId);
        json.WriteString("process", runtime.ProcessId);
        json.WriteString("host", Environment.MachineName);
        json.WriteNumber("pid", Environment.ProcessId);
        json.WriteString("transport", runtime.Transport.Description);
        json.WriteString("guarantee", runtime.Options.Guarantee.ToString());
        json.WriteString("web", address());
        json.WriteString("version", typeof(StatusView).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);
        json.WriteNumber("uptimeSeconds", Math.Round(Stopwatch.GetElapsedTime(_started).TotalSeconds, 1));
        json.WriteString("now", runtime.Clock.GetUtcNow());
        json.WriteNumber("processed", workers.Sum(w => w.Processed));
        json.WriteNumber("lateEvents", metrics.LateEvents);
        json.WriteNumber("deadLetters", metrics.DeadLettered);
        json.WriteNumber("restoreRemaining", metrics.RestoreRemaining);
        json.WriteBoolean("brokersUnavailable", metrics.BrokersUnavailable);

        json.WriteStartArray("agents");
        foreach (var agent in runtime.Topology.Model.Agents)
        {
            json.WriteStartObject();
            json.WriteString("name", agent.Name);
            json.WriteString("type", agent.TypeName);
            json.WriteString("topic", agent.Topic.Name);
            json.WriteNumber("topicPartitions", agent.Topic.Partitions);
            json.WriteNumber("concurrency", agent.Concurrency);
            json.WriteStartArray("tables");
            foreach (var table in agent.Tables)
            {
                json.WriteStringValue(table.Name);
            }

            json.WriteEndArray();
            json.WriteStartArray("workers");
            foreach (var worker in workers.Where(w => w.Agent == agent))
            {
                WriteWorker(json, worker);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();

        // The group's other processes, as the assignment board tells them (Kafka with standby replicas).
        json.WriteStartArray("others");
        if (runtime.ExistingBoard is { } board)
        {
            foreach (var (process, assignment) in board.View.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (process == runtime.ProcessId)
                {
                    continue;
                }

                json.WriteStartObject();
                json.WriteString("process", process);
                json.WriteString("web", assignment.Web);
                json.WriteString("partitions", string.Join("; ", assignment.Agents.Select(a => $"{a.Key} [{string.Join(",", a.Value.Order())}]")));
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();

        json.WriteStartArray("stalls");
        foreach (var stall in runtime.Watchdog.Stalls)
        {
            json.WriteStartObject();
            json.WriteString("topic", stall.Topic);
            json.WriteNumber("partition", stall.Partition);
            json.WriteNumber("offset", stall.Offset);
            json.WriteString("agent", stall.Agent);
            json.WriteString("worker", stall.Worker);
            json.WriteString("waitingFor", stall.WaitingFor);
            json.WriteString("since", stall.Since);
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartArray("problems");
        foreach (var problem in runtime.Problems.Snapshot().Reverse())
        {
            json.WriteStartObject();
            json.WriteString("at", problem.At);
            json.WriteString("level", problem.Level);
            json.WriteString("category", problem.Category);
            json.WriteString("message", problem.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private void WriteWorker(Utf8JsonWriter json, AgentWorker worker)
    {
        var progress = worker.Progress;
        json.WriteStartObject();
        json.WriteString("name", worker.Name);
        json.WriteString("phase", progress.Phase.ToString());
        json.WriteNumber("inPhaseSeconds", Math.Round(progress.InPhaseFor.TotalSeconds, 1));
        json.WriteNumber("processed", worker.Processed);
        json.WriteNumber("lastCommitMs", Math.Round(progress.LastCommitMs, 2));
        json.WriteStartArray("partitions");
        for (var p = 0; p < progress.Partitions; p++)
        {
            var phase = progress.PhaseOf(p);
            if (phase == PartitionPhase.None)
            {
                continue;
            }

            var (applied, remaining) = progress.RestoreOf(p);
            json.WriteStartObject();
            json.WriteNumber("partition", p);
            json.WriteString("state", phase.ToString());
            json.WriteNumber("position", progress.PositionOf(p));
            if (runtime.LagOf(worker, p) is { } lag)
            {
                json.WriteNumber("lag", lag);
            }
            else
            {
                json.WriteNull("lag");
            }

            json.WriteNumber("restoreApplied", applied);
            json.WriteNumber("restoreRemaining", remaining);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
