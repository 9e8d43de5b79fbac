using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Transport;

namespace Faustish.EndToEnd.Tests;

/// <summary>A keyless topic end to end: records sent without keys spread over every partition and are all processed.</summary>
public sealed class KeylessTopicTests
{
    private static readonly AppModel Model = new([Posts.Definition, Words.Definition], [WordCounts.Definition], [SplitPosts.Definition, CountWords.Definition]);

    [Fact]
    public void Ten_thousand_records_sent_without_keys_spread_over_all_partitions_and_are_all_processed()
    {
        const int PostCount = 10_000;
        using var app = new TestApp(Model, options => options.CommitInterval = TimeSpan.FromMilliseconds(50));
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        app.Send(sender =>
        {
            for (var i = 0; i < PostCount; i++)
            {
                var post = $"the quick fox {i % 7} jumps";
                foreach (var word in post.Split(' '))
                {
                    expected[word] = expected.GetValueOrDefault(word) + 1;
                }

                sender.Send(Posts.Definition, null, post);
            }
        });

        // Round-robin: every partition holds a quarter of the records, each without a key.
        var perPartition = Enumerable.Range(0, Posts.Definition.Partitions)
            .Select(p => app.Runtime.Transport.GetWatermarks(new TopicPartition("posts", p)).High)
            .ToList();
        Assert.Equal([2_500L, 2_500L, 2_500L, 2_500L], perPartition);
        Assert.All(Enumerable.Range(0, Posts.Definition.Partitions), p => Assert.True(AllKeysNull(app, p), $"posts[{p}] has a record with a key"));

        var totalWords = expected.Values.Sum();
        var workers = app.Runtime.CreateWorkers(TestApp.Services);
        var split = workers.Single(w => w.Name.StartsWith("split-posts", StringComparison.Ordinal));
        var count = workers.Single(w => w.Name.StartsWith("count-words", StringComparison.Ordinal));
        foreach (var worker in workers)
        {
            worker.Start(CancellationToken.None);
        }

        var deadline = Stopwatch.StartNew();
        try
        {
            while ((split.Processed < PostCount || count.Processed < totalWords) && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                split.RunOnce();
                count.RunOnce();
            }
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Stop();
                worker.Dispose();
            }
        }

        Assert.Equal(PostCount, split.Processed);
        Assert.Equal(totalWords, count.Processed);
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), app.ReadTable(WordCounts.Definition).OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    private static bool AllKeysNull(TestApp app, int partition)
    {
        using var reader = app.Runtime.Transport.OpenReader(new TopicPartition("posts", partition), 0);
        var batch = new RecordBatch();
        var seen = 0;
        var waited = Stopwatch.StartNew();
        while (seen < 2_500 && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (!reader.Fetch(batch, 1_000, TimeSpan.FromMilliseconds(50), CancellationToken.None))
            {
                continue;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                if (!batch[i].KeyIsNull)
                {
                    return false;
                }
            }

            seen += batch.Count;
        }

        return seen == 2_500;
    }
}
