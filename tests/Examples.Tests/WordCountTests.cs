using System.Linq;
using System.Threading.Tasks;
using WordCount;

namespace Examples.Tests;

/// <summary>
/// The WordCount example: its splitting agent through its test context, and the whole app (GroupBy, repartition topic,
/// table) on the embedded log, as its README runs it.
/// </summary>
public sealed class WordCountTests
{
    [Fact]
    public void A_post_is_cut_into_lower_case_words_without_punctuation()
    {
        Assert.Equal(["a", "quick", "brown", "dog", "a", "lazy", "fox"], Text.WordsOf("A quick brown dog? A lazy fox!"));
        Assert.Equal(["faust", "streams", "faustish", "streams"], Text.WordsOf("  Faust streams,\tFaustish streams:\n"));
        Assert.Empty(Text.WordsOf(" ... "));
    }

    [Fact]
    public async Task SplitPosts_sends_each_word_of_each_post_without_a_key()
    {
        await using var test = SplitPosts.TestContext();

        await test.PutAsync(null, "The dog sleeps; the fox runs.");
        await test.PutAsync(null, "");
        await test.PutAsync(null, "Fox!");

        var sent = test.Sent<Words>();
        Assert.Equal(["the", "dog", "sleeps", "the", "fox", "runs", "fox"], sent.Select(r => (string)r.Value!));
        Assert.All(sent, r => Assert.Null(r.Key));
    }

    [Fact]
    public void The_example_counts_every_word_of_the_sample_posts_as_its_README_says()
    {
        var output = ExampleRun.Run("WordCount");

        Assert.Contains("Sent 1,000 posts to 'posts'.", output);
        Assert.Equal(
            [
                "$$ TALLY $$ ('word-counts': 17 words, 7,500 in all)",
                "  the         1,250",
                "  dog           750",
                "  fox           750",
                "  a             500",
                "  brown         500",
                "  lazy          500",
                "  quick         500",
                "  streams       500",
                "  counted       250",
                "  faust         250",
                "  faustish      250",
                "  jumps         250",
                "  over          250",
                "  runs          250",
                "  same          250",
                "  sleeps        250",
                "  words         250",
            ],
            ExampleRun.From(output, "$$ TALLY $$"));
    }
}
