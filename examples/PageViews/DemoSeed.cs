using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Microsoft.Extensions.Configuration;

namespace PageViews;

/// <summary>
/// Seeds the demo: before the agents start, writes <c>Demo:Events</c> page views (200,000 by default; set
/// <c>Demo__Events=0</c> to seed nothing), skewed so a few pages are popular; after they stop, prints a summary.
/// Each run adds to the counts of the runs before: the tables are durable.
/// </summary>
public sealed class DemoSeed(IConfiguration configuration) : IWorkerLifecycle
{
    private static readonly string[] Hosts = ["news.example", "search.example", "social.example"];

    public Task OnStartingAsync(FaustishRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var events = configuration.GetValue("Demo:Events", 200_000);
        var sender = runtime.CreateSender();
        using var producer = sender.Producer;
        var topic = PageViewsTopic.Definition;
        var random = new Random(42);
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < events; i++)
        {
            // A skewed choice among 1,000 pages: page 0 is the most viewed.
            var page = $"/page/{(int)(1000 * Math.Pow(random.NextDouble(), 3))}";
            var referrer = i % 3 == 0 ? null : new Referrer(Hosts[i % Hosts.Length], i % 5 == 0 ? "autumn" : null);
            sender.Send(topic, page, new PageView(page, $"user-{random.Next(50_000)}", start.AddMilliseconds(i), (Device)(i % 3), referrer));
        }

        producer.Flush(cancellationToken);
        Console.WriteLine($"Seeded {events:N0} page views into '{topic.Name}'.");
        return Task.CompletedTask;
    }

    public Task OnStoppedAsync(FaustishRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var shards = runtime.ReadTable(PageCounts.Definition, cancellationToken);
        try
        {
            var counts = shards.SelectMany(s => ((PageCounts)s.Table).Entries()).ToList();
            Console.WriteLine($"Table 'page-counts': {counts.Count:N0} pages, {counts.Sum(c => c.Value):N0} views in all. Most viewed:");
            foreach (var (page, views) in counts.OrderByDescending(c => c.Value).Take(5))
            {
                Console.WriteLine($"  {page,-12} {views,10:N0}");
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
