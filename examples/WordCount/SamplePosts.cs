using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Microsoft.Extensions.Configuration;

namespace WordCount;

/// <summary>
/// Faust's <c>sender</c> task and its <c>$$ TALLY $$</c>: before the agents start, sends each sample post
/// <c>Demo:Repeat</c> times (250 by default; 0 sends nothing); after they stop, prints every word's count, most
/// frequent first. The table is durable: each run adds to the counts of the runs before.
/// </summary>
public sealed class SamplePosts(IConfiguration configuration) : IWorkerLifecycle
{
    /// <summary>The sample posts.</summary>
    public static readonly string[] Samples =
    [
        "The quick brown fox jumps over the lazy dog.",
        "The dog sleeps; the fox runs.",
        "A quick brown dog? A lazy fox!",
        "Faust streams, Faustish streams: the same words, counted.",
    ];

    public Task OnStartingAsync(FaustishRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var repeat = configuration.GetValue("Demo:Repeat", 250);
        var sender = runtime.CreateSender();
        using var producer = sender.Producer;
        for (var i = 0; i < repeat; i++)
        {
            foreach (var post in Samples)
            {
                sender.Send(Posts.Definition, null, post);
            }
        }

        producer.Flush(cancellationToken);
        Console.WriteLine($"Sent {repeat * Samples.Length:N0} posts to '{Posts.Definition.Name}'.");
        return Task.CompletedTask;
    }

    public Task OnStoppedAsync(FaustishRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var shards = runtime.ReadTable(WordCounts.Definition, cancellationToken);
        try
        {
            var counts = shards.SelectMany(s => ((WordCounts)s.Table).Entries())
                .OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).ToList();
            Console.WriteLine($"$$ TALLY $$ ('{WordCounts.Definition.Name}': {counts.Count} words, {counts.Sum(c => c.Value):N0} in all)");
            foreach (var (word, count) in counts)
            {
                Console.WriteLine($"  {word,-10} {count,6:N0}");
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
