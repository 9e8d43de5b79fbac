using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace Faustish.EndToEnd.Tests;

/// <summary>
/// Faust issue 333 ("data loss with an intense write"), ruled out: eight worker threads, one per partition,
/// increment one table under load; every increment is in the table afterwards, read back from its changelog.
/// </summary>
public sealed class ConcurrencyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Eight_workers_incrementing_one_table_under_load_lose_no_increment()
    {
        const int Events = 400_000;
        const int Keys = 2_000;
        var model = new AppModel([Hits.Definition], [HitsPerKey.Definition], [CountHits.Definition]);
        var directory = TestApp.NewDirectory();
        try
        {
            var expected = new Dictionary<string, long>();
            using (var seed = new TestApp(model, directory: directory))
            {
                seed.Send(sender =>
                {
                    var random = new Random(333);
                    for (var i = 0; i < Events; i++)
                    {
                        // Skewed keys, so a few hot counters take most of the writes.
                        var key = $"key-{(int)(Keys * Math.Pow(random.NextDouble(), 2))}";
                        var weight = 1 + (i % 3);
                        expected[key] = expected.GetValueOrDefault(key) + weight;
                        sender.Send(Hits.Definition, key, weight);
                    }
                });
            }

            // The real worker: eight threads, committing every 20 ms while they write.
            var exitCode = await FaustishApp.RunAsync(["worker", "--exit-when-idle", "--app", "e2e", "--data-dir", directory], model,
                    host => host.Configuration.AddInMemoryCollection([new("Faustish:CommitInterval", "00:00:00.020")]))
                .WaitAsync(TimeSpan.FromMinutes(3));

            Assert.Equal(0, exitCode);
            using var check = new TestApp(model, directory: directory);
            var counts = check.ReadTable(HitsPerKey.Definition);
            var wrong = expected.Where(e => counts.GetValueOrDefault(e.Key) != e.Value).Select(e => $"{e.Key}: {counts.GetValueOrDefault(e.Key)} != {e.Value}").ToList();
            output.WriteLine($"{Events:N0} increments by 8 workers over {expected.Count:N0} keys; {wrong.Count} keys wrong; total {counts.Values.Sum():N0} of {expected.Values.Sum():N0}");
            Assert.Empty(wrong);
            Assert.Equal(expected.Count, counts.Count);
        }
        finally
        {
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
        }
    }
}
