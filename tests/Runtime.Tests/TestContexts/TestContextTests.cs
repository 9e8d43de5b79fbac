using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Tables;
using Faustish.Tables.Windows;
using Faustish.Testing;
using Faustish.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace Faustish.Tests.TestContexts;

// The app of TestContextTests: payments counted per account and per minute, large ones announced, refunds approved by a service.

public sealed record Payment(long Cents, string? Note = null);

[Topic("tc-payments", Partitions = 4)]
public sealed partial class Payments : Topic<string, Payment>;

[Topic("tc-large-payments", Partitions = 4)]
public sealed partial class LargePayments : Topic<string, Payment>;

[Topic("tc-refunds", Partitions = 2)]
public sealed partial class Refunds : Topic<string, long>;

[Topic("tc-minute-totals", Partitions = 4)]
public sealed partial class MinuteTotals : Topic<string, long>;

[Table("tc-balances")]
public sealed partial class Balances : Table<string, long>;

/// <summary>Payments per account per minute; closes on stream time and on the wall clock, recording each closed window.</summary>
[Table("tc-payments-per-minute", Window = "tumbling 1m grace 10s", Expires = "10m", CloseOn = WindowClose.StreamTime | WindowClose.WallClock)]
public sealed partial class PaymentsPerMinute : WindowedTable<string, long>
{
    public List<(string Account, Window Window, long Payments)> Closed { get; } = [];

    protected override void OnWindowClosed(string key, Window window, long value)
    {
        Closed.Add((key, window, value));
        new MinuteTotals(Sender).Send(key, value);
    }
}

[Agent(typeof(Payments))]
public sealed partial class CountPayments(Balances balances, PaymentsPerMinute perMinute, LargePayments large)
{
    public void Process(string account, Payment payment, EventContext context)
    {
        if (payment.Cents <= 0)
        {
            throw new InvalidOperationException($"A payment of {payment.Cents} cents is not a payment.");
        }

        var balance = balances.Increment(account, payment.Cents);
        perMinute[account] += 1;
        if (payment.Cents >= 10_000)
        {
            large.Send(account, payment with { Note = $"balance {balance} at offset {context.Offset}" });
        }
    }
}

public interface IRefundPolicy
{
    bool Approves(string account, long cents);
}

[Table("tc-approved-refunds")]
public sealed partial class ApprovedRefunds : Table<string, long>;

[Agent(typeof(Refunds))]
public sealed partial class ApproveRefunds(ApprovedRefunds approved, IRefundPolicy policy, TimeProvider clock)
{
    public void Process(string account, long cents)
    {
        if (policy.Approves(account, cents))
        {
            approved[account] = clock.GetUtcNow().ToUnixTimeMilliseconds();
        }
    }
}

/// <summary>
/// The agent test context (<c>CountPayments.TestContext()</c>): events through the generated loop, tables read back,
/// sends listed, windows closed by the fake clock, and errors that say what went wrong.
/// </summary>
public sealed class TestContextTests
{
    private sealed class SmallRefunds : IRefundPolicy
    {
        public bool Approves(string account, long cents) => cents < 1_000;
    }

    [Fact]
    public async Task Put_runs_the_agent_and_its_table_writes_are_read_back_by_key_and_whole()
    {
        await using var test = CountPayments.TestContext();

        await test.PutAsync("ann", new Payment(250));
        await test.PutAsync("bob", new Payment(100));
        await test.PutAsync("ann", new Payment(50));

        var balances = test.Table<Balances>();
        Assert.Equal(300, balances["ann"]);
        Assert.Equal(100, balances["bob"]);
        Assert.Equal(0, balances["cyd"]);
        Assert.Equal(new Dictionary<string, long> { ["ann"] = 300, ["bob"] = 100 }, balances.Entries().ToDictionary(e => e.Key, e => e.Value));
        Assert.Equal(3, test.Offset);
    }

    [Fact]
    public async Task The_table_written_before_an_event_is_what_the_agent_reads()
    {
        await using var test = CountPayments.TestContext();
        test.Table<Balances>()["ann"] = 9_900;

        await test.PutAsync("ann", new Payment(10_000));

        var (account, payment) = Assert.Single(test.Sent<LargePayments>());
        Assert.Equal("ann", account);
        Assert.Equal(new Payment(10_000, "balance 19900 at offset 0"), payment);
    }

    [Fact]
    public async Task Sent_lists_what_the_agent_sent_to_a_topic_in_order_with_the_event_timestamp_and_kafka_partition()
    {
        await using var test = CountPayments.TestContext();
        var at = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

        await test.PutAsync("ann", new Payment(20_000), at);
        await test.PutAsync("bob", new Payment(5));
        await test.PutAsync("bob", new Payment(30_000), at.AddSeconds(1));

        var sent = test.Sent<LargePayments>();
        Assert.Equal(["ann", "bob"], sent.Select(r => r.Key));
        Assert.Equal([new Payment(20_000, "balance 20000 at offset 0"), new Payment(30_000, "balance 30005 at offset 2")], sent.Select(r => r.Value));
        Assert.Equal([at, at.AddSeconds(1)], sent.Select(r => r.Timestamp));
        Assert.All(sent, r => Assert.Equal(Faustish.Routing.KafkaPartitioner.Partition(Encoding.UTF8.GetBytes((string)r.Key!), 4), r.Partition));
    }

    [Fact]
    public async Task Sent_of_a_topic_the_agent_never_sends_to_is_empty_and_of_a_class_that_is_no_topic_is_an_error()
    {
        await using var test = CountPayments.TestContext();
        await test.PutAsync("ann", new Payment(50_000));

        Assert.Empty(test.Sent<Payments>());
        Assert.Empty(test.Sent<Refunds>());
        var error = Assert.Throws<ArgumentException>(() => test.Sent<Balances>());
        Assert.Contains("Faustish.Tests.TestContexts.Balances is not a [Topic] class", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_with_headers_and_a_timestamp_gives_the_agent_those()
    {
        await using var test = CountPayments.TestContext(options => options.Partition = 3);
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        await test.PutAsync("ann", new Payment(10_000), at, [RecordHeader.Utf8("trace", "t-1")]);

        var sent = Assert.Single(test.Sent<LargePayments>());
        Assert.Equal(at, sent.Timestamp);
        Assert.Equal(new Window(at.ToUnixTimeMilliseconds() / 60_000 * 60_000, (at.ToUnixTimeMilliseconds() / 60_000 + 1) * 60_000),
            Assert.Single(test.Table<PaymentsPerMinute>().Windows("ann")).Window);
    }

    [Fact]
    public async Task Advancing_the_clock_closes_the_windows_the_wall_clock_closes_exactly_at_their_close_time()
    {
        await using var test = CountPayments.TestContext();
        var perMinute = test.Table<PaymentsPerMinute>();
        var start = test.Clock.GetUtcNow(); // 2000-01-01 00:00 UTC, a minute's start

        await test.PutAsync("ann", new Payment(1));
        test.Clock.Advance(TimeSpan.FromSeconds(20));
        await test.PutAsync("ann", new Payment(1));
        await test.PutAsync("bob", new Payment(1));

        test.Clock.Advance(TimeSpan.FromSeconds(49)); // 1m 9s: the window [0, 1m) closes at 1m + 10s grace
        Assert.Empty(perMinute.Closed);

        test.Clock.Advance(TimeSpan.FromSeconds(1));
        var window = new Window(start.ToUnixTimeMilliseconds(), start.AddMinutes(1).ToUnixTimeMilliseconds());
        Assert.Equal([("ann", window, 2L), ("bob", window, 1L)], perMinute.Closed.OrderBy(c => c.Account, StringComparer.Ordinal));

        // What the close callback sent, stamped with the clock's time when the window closed.
        var totals = test.Sent<MinuteTotals>();
        Assert.Equal([("ann", 2L), ("bob", 1L)], totals.Select(r => ((string)r.Key!, (long)r.Value!)).OrderBy(t => t.Item1, StringComparer.Ordinal));
        Assert.All(totals, r => Assert.Equal(start.AddSeconds(70), r.Timestamp));

        // Expired 10 minutes after the window's start, by the clock alone.
        Assert.Equal(2, perMinute.Windows("ann").Count + perMinute.Windows("bob").Count);
        test.Clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Empty(perMinute.Windows("ann"));
        Assert.Empty(perMinute.Windows("bob"));
    }

    [Fact]
    public async Task A_later_event_closes_earlier_windows_on_stream_time()
    {
        await using var test = CountPayments.TestContext();
        var start = test.Clock.GetUtcNow();

        await test.PutAsync("ann", new Payment(1), start);
        await test.PutAsync("bob", new Payment(1), start.AddMinutes(5));

        var closed = Assert.Single(test.Table<PaymentsPerMinute>().Closed);
        Assert.Equal(("ann", 1L), (closed.Account, closed.Payments));
    }

    [Fact]
    public async Task An_agent_that_throws_fails_PutAsync_naming_the_agent_and_the_event()
    {
        await using var test = CountPayments.TestContext();
        await test.PutAsync("ann", new Payment(10));

        var failure = await Assert.ThrowsAsync<AgentFailedException>(() => test.PutAsync("ann", new Payment(-5)).AsTask());

        Assert.Contains("Faustish.Tests.TestContexts.CountPayments", failure.Message, StringComparison.Ordinal);
        Assert.Contains("tc-payments[0]@1", failure.Message, StringComparison.Ordinal);
        Assert.Contains("A payment of -5 cents is not a payment.", failure.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(failure.InnerException);

        // The context goes on, as a restarted worker would.
        await test.PutAsync("ann", new Payment(5));
        Assert.Equal(15, test.Table<Balances>()["ann"]);
    }

    [Fact]
    public async Task An_event_the_agent_cannot_take_fails_PutAsync_with_the_reason()
    {
        await using var test = CountPayments.TestContext();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => test.PutAsync("ann", null!).AsTask());

        Assert.Contains("tc-payments[0]@0", error.Message, StringComparison.Ordinal);
        Assert.Contains("has no value (a tombstone), but Faustish.Tests.TestContexts.CountPayments.Process takes a non-null value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Table_of_a_table_the_agent_does_not_take_is_an_error_listing_its_tables()
    {
        await using var test = CountPayments.TestContext();

        var error = Assert.Throws<ArgumentException>(() => test.Table<ApprovedRefunds>());

        Assert.Contains("takes no table of class Faustish.Tests.TestContexts.ApprovedRefunds; its tables are 'tc-balances', 'tc-payments-per-minute'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Services_the_agent_takes_come_from_configure_and_its_TimeProvider_is_the_test_clock()
    {
        await using var test = ApproveRefunds.TestContext(options => options.Services.AddSingleton<IRefundPolicy, SmallRefunds>());
        test.Clock.Advance(TimeSpan.FromHours(1));

        await test.PutAsync("ann", 500);
        await test.PutAsync("bob", 5_000);

        Assert.Equal(test.Clock.GetUtcNow().ToUnixTimeMilliseconds(), test.Table<ApprovedRefunds>()["ann"]);
        Assert.False(test.Table<ApprovedRefunds>().ContainsKey("bob"));
    }

    [Fact]
    public void A_service_the_agent_takes_but_nobody_registered_is_a_clear_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ApproveRefunds.TestContext());

        Assert.Contains("could not build agent Faustish.Tests.TestContexts.ApproveRefunds", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(IRefundPolicy), error.Message, StringComparison.Ordinal);
        Assert.Contains("test.Services.AddSingleton", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Faster_stores_live_in_the_folder_asked_for_or_in_a_temporary_one()
    {
        var directory = Path.Combine(Path.GetTempPath(), "faustish-testctx-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var test = CountPayments.TestContext(options => (options.Store, options.DataDirectory) = (StoreKind.Faster, directory)))
            {
                for (var i = 0; i < 1_000; i++)
                {
                    await test.PutAsync($"account-{i % 10}", new Payment(1));
                }

                Assert.Equal(100, test.Table<Balances>()["account-7"]);
                Assert.True(Directory.Exists(Path.Combine(directory, "state", "tc-balances", "0")));
            }

            await using (var temporary = CountPayments.TestContext(options => options.Store = StoreKind.Faster))
            {
                await temporary.PutAsync("ann", new Payment(7));
                Assert.Equal(7, temporary.Table<Balances>()["ann"]);
            }
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
