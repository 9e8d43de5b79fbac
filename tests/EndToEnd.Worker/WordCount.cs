using System;
using System.Threading;
using System.Threading.Tasks;
using Faustish;

namespace Faustish.EndToEnd.Worker;

/// <summary>Faust's word count input: sentences keyed by their id (a sentence's words are not on the partition of the word).</summary>
[Topic("wc-sentences", Partitions = 4)]
public sealed partial class WcSentences : Topic<string, string>;

/// <summary>
/// Words, still keyed by the id of the sentence they came from. Three partitions, not the four a topic auto-created on
/// Kafka gets, so a repartition topic with "the source's partition count" is told apart from an auto-created one.
/// </summary>
[Topic("wc-words", Partitions = 3)]
public sealed partial class WcWords : Topic<string, string>;

/// <summary>Occurrences per word (lower case).</summary>
[Table("wc-counts")]
public sealed partial class WcCounts : Table<string, long>;

/// <summary>Faust's word count, first half: each sentence's words, lower-cased, sent on under the sentence's key.</summary>
[Agent(typeof(WcSentences))]
public sealed partial class SplitWcSentences(WcWords words)
{
    public async Task ProcessAsync(Stream<string, string> sentences)
    {
        await foreach (var (id, sentence) in sentences.Items())
        {
            foreach (var word in sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                words.Send(id, word.ToLowerInvariant());
            }
        }
    }
}

/// <summary>
/// Second half: the words regrouped by word (<c>GroupBy</c>, through the repartition topic
/// <c>{app}-count-wc-words-word-repartition</c>) and counted where each word's partition is.
/// </summary>
[Agent(typeof(WcWords))]
public sealed partial class CountWcWords(WcCounts counts)
{
    /// <summary>Every this many words counted by the process, a "crash-progress" line on stdout (the kill tests kill on progress).</summary>
    public const int ProgressEvery = 5_000;

    private static long s_counted;

    public async Task ProcessAsync(Stream<string, string> words)
    {
        await foreach (var (word, _) in words.GroupBy(word => word, "word").Items())
        {
            counts[word] += 1;
            if (Interlocked.Increment(ref s_counted) % ProgressEvery == 0)
            {
                Console.WriteLine("crash-progress");
            }
        }
    }
}
