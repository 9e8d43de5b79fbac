using System;
using Faustish;

namespace Faustish.EndToEnd.Worker;

/// <summary>
/// Faust's keyless topic (<c>app.topic('posts', value_type=str)</c>): the key type is nullable and records are sent
/// without one, so they spread round-robin over the partitions.
/// </summary>
[Topic("posts", Partitions = 4)]
public sealed partial class Posts : Topic<string?, string>;

/// <summary>Words keyed by themselves: each word's counts meet on one partition (Faust's <c>group_by</c>).</summary>
[Topic("words", Partitions = 4)]
public sealed partial class Words : Topic<string, long>;

[Table("word-counts")]
public sealed partial class WordCounts : Table<string, long>;

/// <summary>Splits each post into words and sends each word, keyed by itself.</summary>
[Agent(typeof(Posts))]
public sealed partial class SplitPosts(Words words)
{
    public void Process(string? key, string post)
    {
        foreach (var word in post.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            words.Send(word, 1);
        }
    }
}

[Agent(typeof(Words))]
public sealed partial class CountWords(WordCounts counts)
{
    public void Process(string word, long count) => counts.Increment(word, count);
}
