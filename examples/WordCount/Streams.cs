using System;
using System.Threading.Tasks;
using Faustish;

namespace WordCount;

// Faust's word count (examples/word_count.py), ported. Faust:
//
//     posts_topic = app.topic('posts', value_type=str)
//     word_counts = app.Table('word_counts', default=int)
//
//     @app.agent(posts_topic)
//     async def shuffle_words(posts):
//         async for post in posts:
//             for word in post.split():
//                 await count_words.send(key=word, value=word)
//
//     @app.agent(value_type=str)
//     async def count_words(words):
//         async for word in words:
//             word_counts[word] += 1
//
// Here the words travel without a key and CountWords regroups them itself with GroupBy (Faust's group_by), so
// every count of a word meets on the partition that owns the word.

/// <summary>Posts: text without a key, spread round-robin over the partitions.</summary>
[Topic("posts", Partitions = 4)]
public sealed partial class Posts : Topic<string?, string>;

/// <summary>The words of the posts, one record each, still without a key.</summary>
[Topic("words", Partitions = 4)]
public sealed partial class Words : Topic<string?, string>;

/// <summary>How often each word was seen. Written after <c>GroupBy</c>, so partitioned by the word.</summary>
[Table("word-counts")]
public sealed partial class WordCounts : Table<string, long>;

/// <summary>Faust's <c>shuffle_words</c>: each post's words, lower case, without punctuation.</summary>
[Agent(typeof(Posts))]
public sealed partial class SplitPosts(Words words)
{
    public async Task ProcessAsync(Stream<string?, string> posts)
    {
        await foreach (var post in posts)
        {
            foreach (var word in Text.WordsOf(post))
            {
                words.Send(null, word);
            }
        }
    }
}

/// <summary>Faust's <c>count_words</c>: the words regrouped by themselves, then counted.</summary>
[Agent(typeof(Words))]
public sealed partial class CountWords(WordCounts counts)
{
    public async Task ProcessAsync(Stream<string?, string> words)
    {
        // Before GroupBy: this partition of 'words' (any word). After: the partition of
        // 'wordcount-count-words-word-repartition' that owns the word, with that partition of the table.
        await foreach (var word in words.GroupBy(word => word, "word"))
        {
            counts[word] += 1;
        }
    }
}

/// <summary>How a post is cut into words.</summary>
public static class Text
{
    private static readonly char[] Separators = [' ', '\t', '\n', '\r', '.', ',', ';', ':', '!', '?', '"', '(', ')'];

    /// <summary>The words of <paramref name="post"/>, lower case, without punctuation.</summary>
    public static string[] WordsOf(string post)
    {
        ArgumentNullException.ThrowIfNull(post);
        var words = post.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = words[i].ToLowerInvariant();
        }

        return words;
    }
}
