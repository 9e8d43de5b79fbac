using System;
using System.Linq;
using System.Threading.Tasks;
using Withdrawals;

namespace Examples.Tests;

/// <summary>
/// The Withdrawals example: the per-user totals and the alerts through their agents' test contexts, and the whole app
/// (the per-country totals after GroupBy among them) on the embedded log, as its README runs it.
/// </summary>
public sealed class WithdrawalsTests
{
    private static readonly DateTimeOffset Nine = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static Withdrawal Withdrawal(string user, double amount, DateTimeOffset at, string country = "country_0") => new(user, country, amount, at);

    [Fact]
    public async Task TrackUserWithdrawal_totals_each_users_withdrawals_per_hour_of_their_timestamps()
    {
        await using var test = TrackUserWithdrawal.TestContext();

        foreach (var (user, amount, at) in new[]
        {
            ("ann", 100.0, Nine), ("bob", 7.0, Nine.AddMinutes(1)), ("ann", 50.0, Nine.AddMinutes(59)), ("ann", 25.0, Nine.AddMinutes(61)),
        })
        {
            await test.PutAsync(user, Withdrawal(user, amount, at), timestamp: at);
        }

        var totals = test.Table<UserToTotal>();
        Assert.Equal([(Nine, 150.0), (Nine.AddHours(1), 25.0)], totals.Windows("ann").Select(w => (w.Window.Start, w.Value)));
        Assert.Equal([(Nine, 7.0)], totals.Windows("bob").Select(w => (w.Window.Start, w.Value)));
        Assert.Empty(totals.Windows("cyd"));
    }

    [Fact]
    public async Task AlertLargeWithdrawals_sends_only_the_large_ones_keyed_by_user()
    {
        await using var test = AlertLargeWithdrawals.TestContext();

        var large = Withdrawal("ann", AlertLargeWithdrawals.LargeAmount, Nine);
        await test.PutAsync("ann", large, timestamp: Nine);
        await test.PutAsync("bob", Withdrawal("bob", AlertLargeWithdrawals.LargeAmount - 1, Nine), timestamp: Nine);
        var larger = Withdrawal("cyd", 25_000, Nine.AddSeconds(1), "country_3");
        await test.PutAsync("cyd", larger, timestamp: larger.Date);

        Assert.Equal([("ann", large), ("cyd", larger)], test.Sent<LargeWithdrawals>().Select(r => ((string)r.Key!, (Withdrawal)r.Value!)));
        Assert.Equal([Nine, larger.Date], test.Sent<LargeWithdrawals>().Select(r => r.Timestamp)); // the timestamps of the withdrawals
    }

    [Fact]
    public void The_sample_is_the_same_every_run()
    {
        var first = SampleWithdrawals.Generate(1000);
        Assert.Equal(first, SampleWithdrawals.Generate(1000));
        Assert.Equal(SampleWithdrawals.Start.AddMilliseconds(30 * 999), first[^1].Date);
        Assert.All(first, w => Assert.InRange(w.Amount, 1, 25_000));
    }

    [Fact]
    public void The_example_totals_per_country_and_window_and_per_user_as_its_README_says()
    {
        var output = ExampleRun.Run("Withdrawals");

        Assert.Contains("Sent 1,000 withdrawals to 'withdrawals'.", output);

        // The alerts: one log line each, in whatever order the partitions ran.
        var expectedAlerts = SampleWithdrawals.Generate(1000).Where(w => w.Amount >= AlertLargeWithdrawals.LargeAmount).ToList();
        Assert.Equal(5, expectedAlerts.Count);
        Assert.Equal(5, output.Count(line => line.Contains("Large withdrawal: ", StringComparison.Ordinal)));
        foreach (var alert in expectedAlerts)
        {
            Assert.Contains(output, line => line.EndsWith($"Large withdrawal: {alert.User} took {alert.Amount:N0} in {alert.Country} at {alert.Date:HH:mm:ss.fff}", StringComparison.Ordinal));
        }

        // Every withdrawal counted once per country (none dropped as late after the GroupBy) and once per user: both add up to the same.
        Assert.Equal(
            [
                "Table 'country-to-total' (tumbling 10 s windows): 5 countries, 12,485,712 in all:",
                "  country_0  [09:00:00, 09:00:10)    3,717,556",
                "  country_0  [09:00:10, 09:00:20)    3,565,799",
                "  country_0  [09:00:20, 09:00:30)    3,821,172",
                "  country_1  [09:00:00, 09:00:10)      146,739",
                "  country_1  [09:00:10, 09:00:20)      138,810",
                "  country_1  [09:00:20, 09:00:30)      156,011",
                "  country_2  [09:00:00, 09:00:10)      136,787",
                "  country_2  [09:00:10, 09:00:20)      120,033",
                "  country_2  [09:00:20, 09:00:30)      105,230",
                "  country_3  [09:00:00, 09:00:10)       91,031",
                "  country_3  [09:00:10, 09:00:20)      123,732",
                "  country_3  [09:00:20, 09:00:30)       46,462",
                "  country_4  [09:00:00, 09:00:10)       97,035",
                "  country_4  [09:00:10, 09:00:20)       88,595",
                "  country_4  [09:00:20, 09:00:30)      130,720",
                "Table 'user-to-total' (tumbling 1 h windows): 430 users, 12,485,712 in all. Most withdrawn:",
                "  user_285   [09:00, 10:00)      103,338",
                "  user_498   [09:00, 10:00)       94,875",
                "  user_335   [09:00, 10:00)       93,479",
                "  user_313   [09:00, 10:00)       93,161",
                "  user_69    [09:00, 10:00)       91,575",
            ],
            ExampleRun.From(output, "Table 'country-to-total'"));
    }
}
