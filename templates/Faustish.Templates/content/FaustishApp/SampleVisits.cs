using Faustish.Hosting;
using Microsoft.Extensions.Configuration;

namespace FaustishApp1;

/// <summary>
/// Sample input, so the first `dotnet run` has something to count: at each worker start, sends <c>Sample:Visits</c>
/// visits (appsettings.json; 0 sends none); at stop, prints the table. The table is durable, so each run adds to the
/// counts of the runs before.
/// </summary>
public sealed class SampleVisits(IConfiguration configuration) : IWorkerLifecycle
{
    private static readonly string[] Users = ["ada", "grace", "linus", "barbara", "ken"];
    private static readonly string[] Pages = ["/", "/docs", "/pricing", "/blog"];

    public Task OnStartingAsync(FaustishRuntime runtime, CancellationToken cancellationToken)
    {
        var count = configuration.GetValue("Sample:Visits", 1000);
        var sender = runtime.CreateSender();
        using var producer = sender.Producer;
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
        {
            var user = Users[i % Users.Length];
            sender.Send(Visits.Definition, user, new Visit(user, Pages[i % Pages.Length], start.AddMilliseconds(i)));
        }

        producer.Flush(cancellationToken);
        Console.WriteLine($"Sent {count:N0} sample visits to '{Visits.Definition.Name}'.");
        return Task.CompletedTask;
    }

    public Task OnStoppedAsync(FaustishRuntime runtime, CancellationToken cancellationToken)
    {
        var shards = runtime.ReadTable(VisitsPerUser.Definition, cancellationToken);
        try
        {
            var counts = shards.SelectMany(s => ((VisitsPerUser)s.Table).Entries()).OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
            Console.WriteLine($"Table '{VisitsPerUser.Definition.Name}': {counts.Sum(c => c.Value):N0} visits by {counts.Count} users.");
            foreach (var (user, visits) in counts)
            {
                Console.WriteLine($"  {user,-10} {visits,8:N0}");
            }
        }
        finally
        {
            foreach (var shard in shards)
            {
                shard.Dispose();
            }
        }

        return Task.CompletedTask;
    }
}
