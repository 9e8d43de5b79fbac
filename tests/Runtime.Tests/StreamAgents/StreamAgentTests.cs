using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Hosting;
using Faustish.Routing;
using Faustish.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Faustish.Tests.StreamAgents;

/// <summary>
/// Faust's word count on the embedded log: sentences split by one stream agent, the words regrouped by
/// <c>GroupBy(word)</c> through a repartition topic and counted by another, in their workers' own threads.
/// </summary>
public sealed class StreamAgentTests : IAsyncDisposable
{
    private const string AppId = "wordcount";
    private static readonly AppModel Model = new([WcSentences.Definition, WcWords.Definition], [WcCounts.Definition],
        [SplitSentences.Definition, CountWords.Definition]);

    private static readonly string[] Vocabulary =
        ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "a", "stream", "agent", "counts", "words", "kafka", "faust"];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-wordcount-" + Guid.NewGuid().ToString("N"));
    private readonly WorkerThreads _workers = new();
    private readonly FaustishRuntime _runtime;

    public StreamAgentTests()
    {
        var options = new FaustishOptions
        {
            AppId = AppId,
            DataDirectory = _directory,
            PollTimeout = TimeSpan.FromMilliseconds(20),
            CommitInterval = TimeSpan.FromMilliseconds(100),
        };
        options.Validate(AppId);
        _runtime = new FaustishRuntime(options, Model, NullLoggerFactory.Instance);
    }

    [Fact]
    public async Task Word_count_with_GroupBy_gives_exact_counts_partitioned_by_word()
    {
        await _runtime.EnsureTopicsAsync(CancellationToken.None);

        // The repartition topic exists, with the partitions of the agent's own topic.
        var repartition = CountWords.Definition.RepartitionTopicName(AppId, "word");
        Assert.Equal("wordcount-count-words-word-repartition", repartition);
        Assert.Equal(WcWords.Definition.Partitions, _runtime.Transport.GetPartitionCount(repartition));

        var expected = SendSentences(2_000);
        var workers = _runtime.CreateWorkers(new ServiceCollection().BuildServiceProvider());
        Assert.Equal(["count-words", "count-words-word", "split-sentences"], workers.Select(w => w.Agent.Name).Order(StringComparer.Ordinal));
        _workers.Start(workers);

        var total = expected.Values.Sum();
        var splitter = workers.Single(w => w.Agent.Name == "split-sentences");
        var forwarder = workers.Single(w => w.Agent.Name == "count-words");
        var counter = workers.Single(w => w.Agent.Name == "count-words-word");
        _workers.WaitFor(() => splitter.Processed == 2_000 && forwarder.Processed == total && counter.Processed == total,
            () => $"the words were not all counted: split {splitter.Processed}/2000, forwarded {forwarder.Processed}/{total}, counted {counter.Processed}/{total}");
        _workers.StopAll();

        // The counts, as the table's changelog holds them after the last commit: exact, and each word's count lives in
        // the partition its key belongs to (the table is partitioned by the word, not by the sentence id).
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var partition = 0; partition < WcWords.Definition.Partitions; partition++)
        {
            foreach (var (word, count) in ReadAll(new TopicPartition(WcCounts.Definition.ChangelogTopic(AppId), partition)))
            {
                Assert.Equal(partition, KafkaPartitioner.Partition(Encoding.UTF8.GetBytes(word), WcWords.Definition.Partitions));
                counts[word] = count;
            }
        }

        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), counts.OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    /// <summary>Writes sentences of random words; returns how often each word occurs.</summary>
    private Dictionary<string, long> SendSentences(int count)
    {
        var random = new Random(42);
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        var sender = _runtime.CreateSender();
        using var producer = sender.Producer;
        for (var i = 0; i < count; i++)
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

    private List<(string Key, long Value)> ReadAll(TopicPartition partition)
    {
        var result = new List<(string, long)>();
        using var reader = _runtime.Transport.OpenReader(partition, Offsets.Beginning);
        var batch = new RecordBatch();
        while (reader.Fetch(batch, 1000, TimeSpan.Zero, CancellationToken.None))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                ref readonly var record = ref batch[i];
                result.Add((WcCounts.Definition.KeyCodec.Read(batch.KeyOf(in record)), WcCounts.Definition.ValueCodec.Read(batch.ValueOf(in record))));
            }
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        _workers.Dispose();
        await _runtime.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
