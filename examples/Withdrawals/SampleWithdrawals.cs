using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Microsoft.Extensions.Configuration;

namespace Withdrawals;

/// <summary>
/// Faust's <c>produce</c> command, as a start hook: before the agents start, sends <c>Demo:Withdrawals</c> withdrawals
/// (1,000 by default; 0 sends nothing) by 500 users in 5 countries, 90 % of them in country_0, one every 30 ms of
/// event time from 2026-12-01 09:00:00 UTC, the same every run (a seeded generator). After the agents stop, prints the
/// totals per country and window and the users who withdrew most. The tables are durable: each run adds to them.
/// </summary>
public sealed class SampleWithdrawals(IConfiguration configuration) : IWorkerLifecycle
{
    /// <summary>When the first sample withdrawal happens.</summary>
    public static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The sample withdrawals: Faust's generator, made repeatable.</summary>
    public static Withdrawal[] Generate(int count)
    {
        var random = new Random(2026);
        var withdrawals = new Withdrawal[count];
        for (var i = 0; i < count; i++)
        {
            var user = $"user_{random.Next(500)}";
            var country = random.NextDouble() < 0.9 ? "country_0" : $"country_{1 + random.Next(4)}";
            var amount = (double)random.Next(1, 25_001); // whole amounts: sums that do not depend on the order of addition
            withdrawals[i] = new Withdrawal(user, country, amount, Start.AddMilliseconds(30 * i));
        }

        return withdrawals;
    }

    public Task OnStartingAsync(FaustishRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var withdrawals = Generate(configuration.GetValue("Demo:Withdrawals", 1000));
        var sender = runtime.CreateSender();
        using var producer = sender.Producer;
        foreach (var withdrawal in withdrawals)
        {
            // Keyed by user, stamped with the withdrawal's date: the windows are relative to the stream.
            sender.Send(WithdrawalsTopic.Definition, withdrawal.User, withdrawal, withdrawal.Date);
        }

        producer.Flush(cancellationToken);
        Console.WriteLine($"Sent {withdrawals.Length:N0} withdrawals to '{WithdrawalsTopic.Definition.Name}'.");
        return Task.CompletedTask;
    }

    public Task OnStoppedAsync(FaustishRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var countries = runtime.ReadTable(CountryToTotal.Definition, cancellationToken);
        var users = runtime.ReadTable(UserToTotal.Definition, cancellationToken);
        try
        {
            var perCountry = countries.Select(s => (CountryToTotal)s.Table)
                .SelectMany(table => table.Entries().Select(e => e.Key).SelectMany(country => table.Windows(country).Select(w => (Country: country, w.Window, w.Value))))
                .OrderBy(e => e.Country, StringComparer.Ordinal).ThenBy(e => e.Window.StartMs).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Table '{CountryToTotal.Definition.Name}' (tumbling 10 s windows): {perCountry.Select(c => c.Country).Distinct().Count()} countries, {perCountry.Sum(c => c.Value):N0} in all:"));
            foreach (var (country, window, total) in perCountry)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {country,-10} [{window.Start:HH:mm:ss}, {window.End:HH:mm:ss}) {total,12:N0}"));
            }

            var perUser = users.Select(s => (UserToTotal)s.Table)
                .SelectMany(table => table.Entries().Select(e => e.Key).SelectMany(user => table.Windows(user).Select(w => (User: user, w.Window, w.Value))))
                .ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Table '{UserToTotal.Definition.Name}' (tumbling 1 h windows): {perUser.Select(u => u.User).Distinct().Count()} users, {perUser.Sum(u => u.Value):N0} in all. Most withdrawn:"));
            foreach (var (user, window, total) in perUser.OrderByDescending(u => u.Value).ThenBy(u => u.User, StringComparer.Ordinal).Take(5))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {user,-10} [{window.Start:HH:mm}, {window.End:HH:mm}) {total,12:N0}"));
            }
        }
        finally
        {
            foreach (var shard in countries.Concat(users))
            {
                shard.Dispose();
            }
        }

        return Task.CompletedTask;
    }
}
