using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace Faustish.Tests.StreamAgents;

/// <summary>
/// <c>Take(10, 5 s)</c> through the generated test context and its fake clock: full batches under load, a partial batch
/// once <c>within</c> passes, and no event lost or repeated across batches and the commits between them.
/// </summary>
public sealed class TakeTests
{
    [Fact]
    public async Task Full_batches_under_load_and_a_partial_batch_after_within()
    {
        await using var test = BatchAmounts.TestContext();
        for (var i = 0; i < 25; i++)
        {
            await test.PutAsync($"k{i}", i);
        }

        // Two full batches went out at once; the last five wait for more, or for 5 seconds.
        Assert.Equal(["0,1,2,3,4,5,6,7,8,9", "10,11,12,13,14,15,16,17,18,19"], Batches(test));

        test.Clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(2, Batches(test).Length);
        test.Clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal("20,21,22,23,24", Batches(test)[^1]);

        // Every event in exactly one batch, in order.
        var all = Batches(test).SelectMany(b => b.Split(',')).Select(long.Parse).ToArray();
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (long)i), all);
    }

    [Fact]
    public async Task The_within_clock_starts_at_a_batchs_first_event_and_filtered_events_are_in_no_batch()
    {
        await using var test = BatchAmounts.TestContext();
        await test.PutAsync("a", 1);
        test.Clock.Advance(TimeSpan.FromSeconds(3));
        await test.PutAsync("b", -5); // filtered out by Where
        await test.PutAsync("c", 2);
        test.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(["1,2"], Batches(test));

        // A new batch starts its own 5 seconds.
        await test.PutAsync("d", 3);
        test.Clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Single(Batches(test));
        test.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["1,2", "3"], Batches(test));
    }

    private static string[] Batches(Faustish.Testing.AgentTestContext<string, long> test) =>
        [.. test.Sent<TakeBatches>().Select(r => (string)r.Value!)];
}
