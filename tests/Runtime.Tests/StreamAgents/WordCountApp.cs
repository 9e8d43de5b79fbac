using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Faustish;

namespace Faustish.Tests.StreamAgents;

/// <summary>Sentences keyed by their id: a sentence's words are not on the partition of the word.</summary>
[Topic("wc-sentences", Partitions = 4)]
public sealed partial class WcSentences : Topic<string, string>;

/// <summary>Words, still keyed by the id of the sentence they came from.</summary>
[Topic("wc-words", Partitions = 4)]
public sealed partial class WcWords : Topic<string, string>;

[Table("wc-counts")]
public sealed partial class WcCounts : Table<string, long>;

/// <summary>Faust's word count, first half: each sentence's words, sent on under the sentence's key.</summary>
[Agent(typeof(WcSentences))]
public sealed partial class SplitSentences(WcWords words)
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

/// <summary>Second half: the words regrouped by word (a repartition topic), counted where each word's partition is.</summary>
[Agent(typeof(WcWords))]
public sealed partial class CountWords(WcCounts counts)
{
    public async Task ProcessAsync(Stream<string, string> words)
    {
        await foreach (var (word, _) in words.GroupBy(word => word, "word").Items())
        {
            counts[word] += 1;
        }
    }
}
