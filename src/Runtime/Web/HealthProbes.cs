using System.Linq;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Faustish.Web;

/// <summary>
/// Kubernetes probes: <c>/health/live</c> answers 200 while the process serves; <c>/health/ready</c> answers 200 only
/// once workers run and every partition they were assigned is restored (503 with what is still restoring before).
/// </summary>
internal sealed class HealthProbes(FaustishRuntime runtime)
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health/live", context => WebJson.WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteString("status", "live");
            json.WriteEndObject();
        }));
        routes.MapGet("/health/ready", ReadyAsync);
    }

    private Task ReadyAsync(HttpContext context)
    {
        var workers = runtime.Workers;
        if (workers.Count == 0 || workers.Any(w => w.Progress.Phase == WorkerPhase.Stopped))
        {
            return WebJson.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "Not ready: the workers have not started yet, or have stopped.");
        }

        var restoring = workers
            .SelectMany(w => Enumerable.Range(0, w.Progress.Partitions)
                .Where(p => w.Progress.PhaseOf(p) == PartitionPhase.Restoring)
                .Select(p => (Worker: w, Partition: p)))
            .ToList();
        if (restoring.Count > 0)
        {
            return WebJson.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"Not ready: {restoring.Count} partition(s) are restoring their tables.",
                json =>
                {
                    json.WriteStartArray("restoring");
                    foreach (var (worker, partition) in restoring)
                    {
                        var (applied, remaining) = worker.Progress.RestoreOf(partition);
                        json.WriteStartObject();
                        json.WriteString("topic", worker.Agent.Topic.Name);
                        json.WriteNumber("partition", partition);
                        json.WriteNumber("applied", applied);
                        json.WriteNumber("remaining", remaining);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                });
        }

        return WebJson.WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteString("status", "ready");
            json.WriteNumber("partitions", workers.Sum(w => Enumerable.Range(0, w.Progress.Partitions).Count(p => w.Progress.PhaseOf(p) == PartitionPhase.Active)));
            json.WriteEndObject();
        });
    }
}
