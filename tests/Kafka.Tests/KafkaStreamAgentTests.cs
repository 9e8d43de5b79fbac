using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Hosting;
using Faustish.Tables;
using Faustish.Tests.Kafka;
using Faustish.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Faustish.Kafka.Tests;

/// <summary>
/// Faust's word count as stream agents on Kafka (librdkafka's mock cluster): sentences split by one agent, the words
/// regrouped by <c>GroupBy(word)</c> through the repartition topic and counted by the next stage, each stage a group
/// consumer on its own worker thread. The counts are exact, and the repartition topic is the one the app declares,
/// with the partition count of the agent's topic (3: a topic the mock auto-creates gets 4).
/// </summary>
public sealed class KafkaStreamAgentTests(ITestOutputHelper output)
{
    private const string App = "e2e";
    private const int Sentences = 3_000;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly AppModel Model = new([WcSentences.Definition, WcWords.Definition], [WcCounts.Definition],
        [SplitWcSentences.Definition, CountWcWords.Definition]);

    private static readonly string[] Vocabulary =
        ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "a", "stream", "agent", "counts", "words", "kafka", "faust"];

    [Fact]
    public async Task Word_count_with_GroupBy_on_Kafka_gives_exact_counts_through_a_repartition_topic_of_the_source_partition_count()
    {
        var repartition = CountWcWords.Definition.RepartitionTopicName(App, "word");
        Assert.Equal("e2e-count-wc-words-word-repartition", repartition);

        // The app declares the repartition topic with the partitions of the agent's own topic; the mock answers no
        // CreateTopics, so every topic the app declares is created through its API, with the declared counts.
        var declared = new AppTopology(Model, App).RequiredTopics();
        Assert.Equal(WcWords.Definition.Partitions, Assert.Single(declared, t => t.Name == repartition).Partitions);
        using var cluster = MockKafkaCluster.Start();
        foreach (var topic in declared)
        {
            cluster.CreateTopic(topic.Name, topic.Partitions);
        }

        cluster.CreateAssignmentBoard(App);

        var directory = Path.Combine(Path.GetTempPath(), "faustish-kafka-wordcount-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new FaustishOptions
            {
                AppId = App,
                DataDirectory = directory,
                Broker = "kafka://" + cluster.BootstrapServers,
                CommitInterval = TimeSpan.FromMilliseconds(100),
                PollTimeout = TimeSpan.FromMilliseconds(20),
            };
            options.Kafka.Consumer["session.timeout.ms"] = "6000";
            options.Kafka.Consumer["heartbeat.interval.ms"] = "100";
            var runtime = new FaustishRuntime(options.Validate(App), Model, NullLoggerFactory.Instance);
            await using (runtime.ConfigureAwait(false))
            {
                // Start-up checks every declared topic against Kafka (it refuses one with another partition count).
                await runtime.EnsureTopicsAsync(CancellationToken.None);
                Assert.Equal(WcWords.Definition.Partitions, runtime.Transport.GetPartitionCount(repartition));

                var expected = SendSentences(runtime);
                var total = expected.Values.Sum();
                var workers = runtime.CreateWorkers(new ServiceCollection().BuildServiceProvider());
                Assert.Equal(["count-wc-words", "count-wc-words-word", "split-wc-sentences"], workers.Select(w => w.Agent.Name).Order(StringComparer.Ordinal));
                var splitter = workers.Single(w => w.Agent.Name == "split-wc-sentences");
                var forwarder = workers.Single(w => w.Agent.Name == "count-wc-words");
                var counter = workers.Single(w => w.Agent.Name == "count-wc-words-word");

                var failures = new List<Exception>();
                using var stop = new CancellationTokenSource();
                var threads = workers.Select(worker => new Thread(() =>
                {
                    try
                    {
                        worker.Start(stop.Token);
                        var running = Stopwatch.StartNew();
                        try
                        {
                            while (!stop.IsCancellationRequested && running.Elapsed < Bound)
                            {
                                worker.RunOnce();
                            }
                        }
                        finally
                        {
                            worker.Stop();
                        }
                    }
                    catch (Exception exception)
                    {
                        lock (failures)
                        {
                            failures.Add(exception);
                        }
                    }
                    finally
                    {
                        worker.Dispose();
                    }
                })
                { IsBackground = true, Name = worker.Name }).ToList();
                threads.ForEach(t => t.Start());

                var waited = Stopwatch.StartNew();
                while (!(splitter.Processed == Sentences && forwarder.Processed == total && counter.Processed == total))
                {
                    lock (failures)
                    {
                        Assert.True(failures.Count == 0, $"A worker failed: {string.Join(Environment.NewLine, failures)}");
                    }

                    Assert.True(waited.Elapsed < Bound,
                        $"The words were not all counted within {Bound}: split {splitter.Processed}/{Sentences}, forwarded {forwarder.Processed}/{total}, counted {counter.Processed}/{total}");
                    Thread.Sleep(10);
                }

                await stop.CancelAsync();
                foreach (var thread in threads)
                {
                    Assert.True(thread.Join(Bound), $"{thread.Name} did not stop within {Bound}");
                }

                Assert.Empty(failures);

                // Every word went through the repartition topic once, spread over its partitions by word.
                var repartitioned = Enumerable.Range(0, WcWords.Definition.Partitions)
                    .Select(p => runtime.Transport.GetWatermarks(new TopicPartition(repartition, p)))
                    .ToList();
                output.WriteLine($"{Sentences} sentences, {total} words; repartition topic {repartition}: {string.Join(", ", repartitioned.Select(w => w.High - w.Low))} records per partition");
                Assert.All(repartitioned, w => Assert.Equal(0, w.Low));
                Assert.Equal(total, repartitioned.Sum(w => w.High));

                // The counts, as the table's changelog holds them after the last commit: exact.
                var shards = runtime.ReadTable(WcCounts.Definition, CancellationToken.None);
                try
                {
                    var counts = shards.Cast<TableShard<string, long>>().SelectMany(s => s.Scan()).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
                    Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), counts.OrderBy(e => e.Key, StringComparer.Ordinal));
                }
                finally
                {
                    foreach (var shard in shards)
                    {
                        shard.Dispose();
                    }
                }
            }
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>Writes sentences of random words (a third of them upper-cased); returns how often each word occurs.</summary>
    private static Dictionary<string, long> SendSentences(FaustishRuntime runtime)
    {
        var random = new Random(8);
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        var sender = runtime.CreateSender();
        using var producer = sender.Producer;
        for (var i = 0; i < Sentences; i++)
        {
            var words = Enumerable.Range(0, random.Next(1, 9)).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]).ToArray();
            foreach (var word in words)
            {
                expected[word] = expected.GetValueOrDefault(word) + 1;
            }

            sender.Send(WcSentences.Definition, $"sentence-{i}", string.Join(' ', words.Select(w => i % 3 == 0 ? w.ToUpperInvariant() : w)));
        }

        producer.Flush(CancellationToken.None);
        return expected;
    }
}
