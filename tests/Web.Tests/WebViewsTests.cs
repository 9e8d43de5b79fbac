using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Faustish.Routing;
using Faustish.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faustish.Web.Tests;

/// <summary>The table views on the embedded log: every route's JSON, restores answering 503, and errors that say what to change.</summary>
[Collection(SerialWebTests.Name)]
public sealed class WebViewsTests
{
    private static readonly DateTimeOffset Minute10 = new(2026, 1, 1, 0, 10, 0, TimeSpan.Zero);

    [Fact]
    public async Task Every_route_answers_with_the_right_JSON_from_live_state()
    {
        await using var app = await WebApp.StartAsync(WebApp.OrdersModel);
        app.Send(sender =>
        {
            var id = 0;
            foreach (var (shop, amount) in new[] { ("alpha", 10L), ("alpha", 20L), ("alpha", 30L), ("beta", 5L), ("gamma", 1L), ("gamma", 2L) })
            {
                sender.Send(Orders.Definition, shop, new Order(++id, amount), Minute10.AddSeconds(id));
            }
        });
        await app.WaitForProcessedAsync(12);

        var (status, tables) = await app.GetJsonAsync("/tables");
        Assert.Equal(200, status);
        Assert.Equal(["amount-per-minute", "order-amounts", "orders-per-shop", "shipped-per-shop"], tables.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var perMinute = tables.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "amount-per-minute");
        Assert.True(perMinute.GetProperty("windowed").GetBoolean());
        Assert.Equal("take-orders", perMinute.GetProperty("agent").GetString());
        Assert.Equal(4, perMinute.GetProperty("partitions").GetInt32());

        (status, var entries) = await app.GetJsonAsync("/tables/orders-per-shop");
        Assert.Equal(200, status);
        Assert.Equal(3, entries.GetProperty("count").GetInt32());
        Assert.False(entries.GetProperty("truncated").GetBoolean());
        Assert.Equal([("alpha", 3L), ("beta", 1L), ("gamma", 2L)],
            entries.GetProperty("entries").EnumerateArray().Select(e => (e.GetProperty("key").GetString(), e.GetProperty("value").GetInt64())));

        (status, entries) = await app.GetJsonAsync("/tables/orders-per-shop?limit=2");
        Assert.Equal(2, entries.GetProperty("count").GetInt32());
        Assert.True(entries.GetProperty("truncated").GetBoolean());

        (status, var value) = await app.GetJsonAsync("/tables/orders-per-shop/alpha");
        Assert.Equal(200, status);
        Assert.Equal(3, value.GetProperty("value").GetInt64());
        Assert.Equal(KafkaPartitioner.Partition(Encoding.UTF8.GetBytes("alpha"), 4), value.GetProperty("partition").GetInt32());

        (status, value) = await app.GetJsonAsync("/tables/order-amounts/4");
        Assert.Equal(200, status);
        Assert.Equal(5, value.GetProperty("value").GetInt64());

        // Written by the second agent, from the records the first one sent.
        (status, value) = await app.GetJsonAsync("/tables/shipped-per-shop/gamma");
        Assert.Equal(200, status);
        Assert.Equal(2, value.GetProperty("value").GetInt64());

        (status, var windows) = await app.GetJsonAsync("/tables/amount-per-minute/alpha/windows");
        Assert.Equal(200, status);
        var window = Assert.Single(windows.GetProperty("windows").EnumerateArray());
        Assert.Equal(Minute10, window.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(Minute10.AddMinutes(1), window.GetProperty("end").GetDateTimeOffset());
        Assert.Equal(60, window.GetProperty("value").GetInt64());

        (status, var live) = await app.GetJsonAsync("/health/live");
        Assert.Equal(200, status);
        Assert.Equal("live", live.GetProperty("status").GetString());
        await Eventually.TrueAsync(async () => (await app.GetJsonAsync("/health/ready")).Status == 200, () => "/health/ready never answered 200");

        (status, var state) = await app.GetJsonAsync("/api/status");
        Assert.Equal(200, status);
        Assert.Equal("web", state.GetProperty("app").GetString());
        Assert.Equal(12, state.GetProperty("processed").GetInt64());
        Assert.Equal(["take-orders", "count-shipments"], state.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("name").GetString()));
        Assert.Equal(4, state.GetProperty("agents")[0].GetProperty("workers")[0].GetProperty("partitions").GetArrayLength());
    }

    [Fact]
    public async Task The_table_command_reads_live_state_from_the_running_worker()
    {
        // Nothing is committed for an hour: the changelog is empty, so only live state has the counts.
        await using var app = await WebApp.StartAsync(WebApp.OrdersModel, new() { ["Faustish:CommitInterval"] = "01:00:00" });
        app.Send(sender =>
        {
            sender.Send(Orders.Definition, "alpha", new Order(1, 10), Minute10);
            sender.Send(Orders.Definition, "alpha", new Order(2, 15), Minute10.AddSeconds(1));
            sender.Send(Orders.Definition, "beta", new Order(3, 5), Minute10.AddSeconds(2));
        });
        // The three orders (their shipments reach the second agent only at a commit).
        await app.WaitForProcessedAsync(3);

        Assert.Equal((0, "alpha\t2\nbeta\t1\n", ""), await TableCommandAsync(app, "orders-per-shop"));
        Assert.Equal((0, "2\n", ""), await TableCommandAsync(app, "orders-per-shop", "alpha"));
        Assert.Equal((1, "", "'zeta' is not in table 'orders-per-shop'.\n"), await TableCommandAsync(app, "orders-per-shop", "zeta"));
        var (code, windows, _) = await TableCommandAsync(app, "amount-per-minute", "alpha");
        Assert.Equal(0, code);
        Assert.Contains("\"value\":25", windows, StringComparison.Ordinal);
        var (badCode, _, badKey) = await TableCommandAsync(app, "order-amounts", "abc");
        Assert.Equal(2, badCode);
        Assert.Contains("does not decode as Int64", badKey, StringComparison.Ordinal);

        // --committed rebuilds from the changelog, which holds nothing yet.
        Assert.Equal((0, "", ""), await TableCommandAsync(app, "orders-per-shop", null, "--committed"));

        // A stale address in another data directory (its worker killed, the port reused by this app): not its worker,
        // so the command reads that directory's own (empty) changelog instead of this app's tables.
        var other = Path.Combine(Path.GetTempPath(), "faustish-web-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(other);
            await File.WriteAllTextAsync(Path.Combine(other, FaustishWebService.AddressFile), app.Web.Address);
            using var output = new StringWriter();
            using var error = new StringWriter();
            var otherCode = await FaustishApp.RunAsync(["table", "orders-per-shop", "--app", "web", "--data-dir", other], WebApp.OrdersModel, output: output, error: error)
                .WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(otherCode == 0, error.ToString());
            Assert.Equal("", output.ToString());
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    private static async Task<(int Code, string Output, string Error)> TableCommandAsync(WebApp app, string table, string? key = null, params string[] more)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] args = ["table", table, .. key is null ? Array.Empty<string>() : [key], .. more, "--app", "web", "--data-dir", app.Directory];
        var code = await FaustishApp.RunAsync(args, WebApp.OrdersModel, output: output, error: error).WaitAsync(TimeSpan.FromSeconds(60));
        return (code, output.ToString().ReplaceLineEndings("\n"), error.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Bad_routes_and_keys_answer_400_or_404_with_a_message_never_a_stack_trace()
    {
        await using var app = await WebApp.StartAsync(WebApp.OrdersModel);
        app.Send(sender => sender.Send(Orders.Definition, "alpha", new Order(1, 10), Minute10));
        await app.WaitForProcessedAsync(2);

        var cases = new (string Path, int Status, string Says)[]
        {
            ("/tables/nope", 404, "There is no table 'nope' in app 'web'. Tables: amount-per-minute, order-amounts, orders-per-shop, shipped-per-shop"),
            ("/tables/nope/alpha", 404, "There is no table 'nope'"),
            ("/tables/orders-per-shop/zeta", 404, "Key 'zeta' is not in table 'orders-per-shop'"),
            ("/tables/order-amounts/abc", 400, "Key 'abc' does not decode as Int64"),
            ("/tables/order-amounts/99999999999999999999", 400, "does not decode as Int64"),
            ("/tables/orders-per-shop/alpha/windows", 400, "is not windowed: ask /tables/orders-per-shop/alpha"),
            ("/tables/amount-per-minute/alpha", 400, "is windowed: ask /tables/amount-per-minute/alpha/windows"),
            ("/tables/amount-per-minute/zeta/windows", 404, "has no open window"),
            ("/tables/orders-per-shop?limit=abc", 400, "limit 'abc' is not a whole number"),
            ("/tables/orders-per-shop?limit=0", 400, "between 1 and"),
            ("/no/such/page", 404, "No such page: GET /no/such/page. Pages: / (status), /tables"),
        };
        foreach (var (path, expected, says) in cases)
        {
            using var response = await app.Http.GetAsync(new Uri(app.Address, path));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(expected == (int)response.StatusCode, $"{path}: expected {expected}, got {(int)response.StatusCode}: {text}");
            using var body = JsonDocument.Parse(text);
            var error = body.RootElement.GetProperty("error").GetString()!;
            Assert.Contains(says, error, StringComparison.Ordinal);
            Assert.DoesNotContain(" at Faustish.", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_key_whose_partition_is_restoring_answers_503_with_the_restore_progress_then_its_value()
    {
        var directory = Path.Combine(Path.GetTempPath(), "faustish-web-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new FaustishOptions { AppId = "web", DataDirectory = directory, PollTimeout = TimeSpan.FromMilliseconds(20) };
            options.Web.Port = 0;
            options.Validate("web");
            await using var runtime = new FaustishRuntime(options, WebApp.OrdersModel, NullLoggerFactory.Instance);
            await runtime.EnsureTopicsAsync(CancellationToken.None);

            // A changelog to replay: 500 updates of "alpha" (its last value 500) on alpha's partition.
            var alpha = Encoding.UTF8.GetBytes("alpha");
            var partition = KafkaPartitioner.Partition(alpha, 4);
            using (var producer = runtime.Transport.CreateProducer())
            {
                var value = new ArrayBufferWriter<byte>();
                for (long i = 1; i <= 500; i++)
                {
                    value.ResetWrittenCount();
                    OrdersPerShop.Definition.ValueCodec.Write(value, i);
                    producer.Produce(new TopicPartition("web-orders-per-shop-changelog", partition), alpha, false, value.WrittenSpan, false, 0);
                }

                producer.Flush(CancellationToken.None);
            }

            var web = new FaustishWebService(runtime, NullLogger<FaustishWebService>.Instance);
            await web.StartAsync(CancellationToken.None);
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri(web.Address!), Timeout = TimeSpan.FromSeconds(20) };
                var worker = runtime.CreateWorkers(new ServiceCollection().BuildServiceProvider()).Single(w => w.Agent.Name == "take-orders");
                worker.Start(CancellationToken.None);
                try
                {
                    var deadline = Stopwatch.StartNew();
                    while (!worker.IsRestoring && deadline.Elapsed < TimeSpan.FromSeconds(20))
                    {
                        worker.RunOnce();
                    }

                    Assert.True(worker.IsRestoring, "The partitions never began to restore.");
                    var restoring = http.GetAsync("/tables/orders-per-shop/alpha");
                    // The worker answers between batches: the question is asked before its next turn restores anything.
                    while (worker.Mailbox.IsEmpty && !restoring.IsCompleted && deadline.Elapsed < TimeSpan.FromSeconds(20))
                    {
                        await Task.Delay(5);
                    }

                    worker.RunOnce();
                    using (var response = await restoring.WaitAsync(TimeSpan.FromSeconds(20)))
                    {
                        var text = await response.Content.ReadAsStringAsync();
                        Assert.True((int)response.StatusCode == 503, text);
                        Assert.Equal("1", response.Headers.RetryAfter?.ToString());
                        using var body = JsonDocument.Parse(text);
                        Assert.Contains($"Partition {partition} of table 'orders-per-shop' is restoring", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
                        Assert.Equal(partition, body.RootElement.GetProperty("partition").GetInt32());
                        Assert.Equal(0, body.RootElement.GetProperty("restore").GetProperty("applied").GetInt64());
                        Assert.Equal(500, body.RootElement.GetProperty("restore").GetProperty("remaining").GetInt64());
                    }

                    // Once restored, the same request reads the replayed value from live state. Asked while restore
                    // slices still run, it answers 503 "restoring" again: ask until the partition is live.
                    string answer;
                    while (true)
                    {
                        var asking = http.GetAsync("/tables/orders-per-shop/alpha");
                        while (!asking.IsCompleted && deadline.Elapsed < TimeSpan.FromSeconds(30))
                        {
                            worker.RunOnce();
                        }

                        using var response = await asking.WaitAsync(TimeSpan.FromSeconds(5));
                        answer = await response.Content.ReadAsStringAsync();
                        if ((int)response.StatusCode != 503)
                        {
                            Assert.True((int)response.StatusCode == 200, answer);
                            break;
                        }

                        Assert.Contains("is restoring from its changelog", answer, StringComparison.Ordinal);
                        Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"Still restoring after 30 s: {answer}");
                        worker.RunOnce();
                    }

                    using (var body = JsonDocument.Parse(answer))
                    {
                        Assert.Equal(500, body.RootElement.GetProperty("value").GetInt64());
                    }
                }
                finally
                {
                    worker.Stop();
                    worker.Dispose();
                }
            }
            finally
            {
                await web.StopAsync(CancellationToken.None);
                await web.DisposeAsync();
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
