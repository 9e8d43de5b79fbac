using System.Threading.Tasks;
using Faustish;
using Microsoft.Extensions.Logging;

namespace Withdrawals;

// Faust's withdrawals example (examples/withdrawals.py), ported. Faust:
//
//     withdrawals_topic = app.topic('withdrawals', value_type=Withdrawal)
//     user_to_total = app.Table('user_to_total', default=int).tumbling(3600).relative_to_stream()
//     country_to_total = app.Table('country_to_total', default=int).tumbling(10.0, expires=10.0).relative_to_stream()
//
//     @app.agent(withdrawals_topic)
//     async def track_user_withdrawal(withdrawals):
//         async for withdrawal in withdrawals:
//             user_to_total[withdrawal.user] += withdrawal.amount
//
//     @app.agent()
//     async def track_country_withdrawal(withdrawals):
//         async for withdrawal in withdrawals.group_by(Withdrawal.country):
//             country_to_total[withdrawal.country] += withdrawal.amount
//
// plus an alert on large withdrawals (Where). Each agent reads the whole topic in its own consumer group.

/// <summary>Withdrawals keyed by user, as Faust's <c>produce</c> sends them.</summary>
[Topic("withdrawals", Partitions = 4)]
public sealed partial class WithdrawalsTopic : Topic<string, Withdrawal>;

/// <summary>Withdrawals of <see cref="AlertLargeWithdrawals.LargeAmount"/> or more, keyed by user.</summary>
[Topic("large-withdrawals", Partitions = 4)]
public sealed partial class LargeWithdrawals : Topic<string, Withdrawal>;

/// <summary>
/// Total withdrawn per user per hour, by the withdrawals' timestamps (Faust's <c>relative_to_stream</c>); a day of
/// hours is kept (without <c>Expires</c>, an hour's window would go as soon as the next hour starts).
/// </summary>
[Table("user-to-total", Window = "tumbling 1h", Expires = "1d")]
public sealed partial class UserToTotal : WindowedTable<string, double>;

/// <summary>
/// Total withdrawn per country in 10-second windows. Written after <c>GroupBy</c>: each partition of the repartition
/// topic interleaves the withdrawals of all four source partitions, so its stream time runs ahead of some of them; the
/// grace of a minute keeps a window open for those (Faust, without grace, accepts them until the window expires). Faust
/// expires these windows after 10 s; here they are kept for an hour of stream time, so the demo can print every window.
/// </summary>
[Table("country-to-total", Window = "tumbling 10s grace 1m", Expires = "1h")]
public sealed partial class CountryToTotal : WindowedTable<string, double>;

/// <summary>Faust's <c>track_user_withdrawal</c>: the topic is keyed by user already, so no regrouping.</summary>
[Agent(typeof(WithdrawalsTopic))]
public sealed partial class TrackUserWithdrawal(UserToTotal userToTotal)
{
    public async Task ProcessAsync(Stream<string, Withdrawal> withdrawals)
    {
        await foreach (var withdrawal in withdrawals)
        {
            userToTotal[withdrawal.User] += withdrawal.Amount;
        }
    }
}

/// <summary>
/// Faust's <c>track_country_withdrawal</c>: the withdrawals regrouped by country (through the repartition topic
/// <c>withdrawals-track-country-withdrawal-country-repartition</c>), so each country's total lives on one partition.
/// </summary>
[Agent(typeof(WithdrawalsTopic))]
public sealed partial class TrackCountryWithdrawal(CountryToTotal countryToTotal)
{
    public async Task ProcessAsync(Stream<string, Withdrawal> withdrawals)
    {
        await foreach (var withdrawal in withdrawals.GroupBy(withdrawal => withdrawal.Country, "country"))
        {
            countryToTotal[withdrawal.Country] += withdrawal.Amount;
        }
    }
}

/// <summary>Sends every large withdrawal to <see cref="LargeWithdrawals"/>, and logs it.</summary>
[Agent(typeof(WithdrawalsTopic))]
public sealed partial class AlertLargeWithdrawals(LargeWithdrawals alerts, ILogger<AlertLargeWithdrawals>? logger)
{
    /// <summary>What counts as a large withdrawal.</summary>
    public const double LargeAmount = 24_900;

    public async Task ProcessAsync(Stream<string, Withdrawal> withdrawals)
    {
        await foreach (var (user, withdrawal) in withdrawals.Where(w => w.Amount >= LargeAmount).Items())
        {
            alerts.Send(user, withdrawal);
            logger?.LogWarning("Large withdrawal: {User} took {Amount:N0} in {Country} at {Date:HH:mm:ss.fff}",
                user, withdrawal.Amount, withdrawal.Country, withdrawal.Date);
        }
    }
}
