using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Faustish.Transport;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Faustish.Web.Tests;

/// <summary>
/// <c>/metrics</c> in Prometheus text format carries the app's figures for a known input, and one trace follows an
/// event from agent to agent across a topic.
/// </summary>
[Collection(SerialWebTests.Name)]
public sealed partial class MetricsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly DateTimeOffset Minute10 = new(2026, 1, 1, 0, 10, 0, TimeSpan.Zero);

    [Fact]
    public async Task Prometheus_text_has_events_processed_lag_commit_latency_restore_progress_and_late_events()
    {
        var directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "faustish-web-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var app = await WebApp.StartAsync(WebApp.OrdersModel, new() { ["Faustish:CommitInterval"] = "00:00:00.100" }, directory))
            {
                // 20 orders; the last comes 10 minutes before the others on the same shop's partition, whose minute
                // has closed by then: one late event for the windowed table.
                app.Send(sender =>
                {
                    for (var i = 0; i < 19; i++)
                    {
                        sender.Send(Orders.Definition, $"shop-{i % 5}", new Order(i, 10), Minute10.AddSeconds(i));
                    }
                });
                await app.WaitForProcessedAsync(38);
                app.Send(sender => sender.Send(Orders.Definition, "shop-0", new Order(19, 10), Minute10.AddMinutes(-10)));
                await app.WaitForProcessedAsync(40);

                var text = await ScrapeUntilAsync(app, metrics =>
                    Value(metrics, "faustish_records_processed_total") == 40 &&
                    Value(metrics, "faustish_commit_duration_milliseconds_count") >= 1 &&
                    Series(metrics, "faustish_partition_lag").Count == 8);
                Assert.Equal(40, Value(text, "faustish_records_processed_total"));
                Assert.Equal(1, Value(text, "faustish_window_late_events_total", "table=\"amount-per-minute\""));
                // Everything was processed: no lag on any of the 8 input partitions (orders and shipments).
                var lag = Series(text, "faustish_partition_lag");
                Assert.Equal(8, lag.Count);
                Assert.All(lag, series => Assert.Equal(0, series.Value));
                Assert.Contains(lag, series => series.Labels.Contains("topic=\"shipments\"", StringComparison.Ordinal) && series.Labels.Contains("partition=\"3\"", StringComparison.Ordinal));
                Assert.True(Value(text, "faustish_commit_duration_milliseconds_sum") > 0);
                Assert.Equal(0, Value(text, "faustish_table_restore_remaining"));
                Assert.Equal(0, Value(text, "faustish_partition_stalled"));

            }

            // What the tables' changelogs hold now is what a full restore replays.
            var changelogRecords = CountChangelogRecords(directory);
            Assert.True(changelogRecords >= 5 + 20, $"only {changelogRecords} changelog records");

            // Restart with stores in memory: every changelog record is replayed, and the metrics say how many.
            await using (var app = await WebApp.StartAsync(WebApp.OrdersModel, new() { ["Faustish:Store"] = "Memory" }, directory))
            {
                await Eventually.TrueAsync(async () => (await app.GetJsonAsync("/health/ready")).Status == 200, () => "never ready");
                var text = await ScrapeUntilAsync(app, metrics => Value(metrics, "faustish_table_records_restored_total") == changelogRecords && Series(metrics, "faustish_partition_lag").Count == 8);
                Assert.Equal(changelogRecords, Value(text, "faustish_table_records_restored_total"));
                Assert.Equal(0, Value(text, "faustish_table_restore_remaining"));
                Assert.Equal(0, Value(text, "faustish_records_processed_total") ?? 0);
                // Nothing new arrived: the restarted app measures lag from the committed positions, not the topics' starts.
                var lag = Series(text, "faustish_partition_lag");
                Assert.Equal(8, lag.Count);
                Assert.All(lag, series => Assert.Equal(0, series.Value));
            }
        }
        finally
        {
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task One_trace_spans_two_agents_connected_by_a_topic()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(FaustishTracing.SourceName).AddInMemoryExporter(spans).Build()!;
        await using var app = await WebApp.StartAsync(WebApp.OrdersModel);
        app.Send(sender => sender.Send(Orders.Definition, "alpha", new Order(1, 10), Minute10));
        await app.WaitForProcessedAsync(2);
        await Eventually.TrueAsync(() =>
        {
            tracing.ForceFlush(5000);
            lock (spans)
            {
                return Task.FromResult(spans.Any(s => s.DisplayName == "process shipments"));
            }
        }, () => $"no span of the second agent; spans: {string.Join(", ", spans.Select(s => s.DisplayName))}");

        Activity first, second;
        lock (spans)
        {
            first = Assert.Single(spans, s => s.DisplayName == "process orders");
            second = Assert.Single(spans, s => s.DisplayName == "process shipments");
            Assert.Contains(spans, s => s.DisplayName == "commit");
        }

        // The record take-orders sent carried its span (traceparent header); count-shipments' batch continues it.
        Assert.Equal(first.TraceId, second.TraceId);
        Assert.Equal(first.SpanId, second.ParentSpanId);
        Assert.Equal("take-orders", first.GetTagItem("faustish.agent"));
        Assert.Equal("count-shipments", second.GetTagItem("faustish.agent"));
        Assert.Equal(ActivityKind.Consumer, second.Kind);
    }

    private async Task<string> ScrapeUntilAsync(WebApp app, Func<string, bool> done)
    {
        var text = "";
        try
        {
            await Eventually.TrueAsync(async () => done(text = await app.GetTextAsync("/metrics")), () => "the metrics never showed the expected values");
        }
        finally
        {
            output.WriteLine(string.Join('\n', text.Split('\n').Where(line => line.StartsWith("faustish", StringComparison.Ordinal))));
        }

        return text;
    }

    private static List<(string Labels, double Value)> Series(string text, string name) =>
        [.. SeriesLine().Matches(text).Where(m => m.Groups["name"].Value == name)
            .Select(m => (m.Groups["labels"].Value, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))];

    /// <summary>The value of the series <paramref name="name"/> whose labels contain <paramref name="label"/>, or null when absent.</summary>
    private static double? Value(string text, string name, string? label = null)
    {
        var matching = Series(text, name).Where(s => label is null || s.Labels.Contains(label, StringComparison.Ordinal)).ToList();
        return matching.Count == 0 ? null : matching.Sum(s => s.Value);
    }

    private static long CountChangelogRecords(string directory)
    {
        var options = new FaustishOptions { AppId = "web", DataDirectory = directory };
        options.Web.Enabled = false;
        options.Validate("web");
        var runtime = new FaustishRuntime(options, WebApp.OrdersModel, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        try
        {
            long records = 0;
            foreach (var table in runtime.Topology.Tables)
            {
                for (var p = 0; p < runtime.Topology.PartitionsOf(table); p++)
                {
                    var watermarks = runtime.Transport.GetWatermarks(new TopicPartition(table.ChangelogTopic("web"), p));
                    records += watermarks.High - watermarks.Low;
                }
            }

            return records;
        }
        finally
        {
            runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [GeneratedRegex(@"^(?<name>[a-z_]+)(\{(?<labels>[^}]*)\})? (?<value>[-+0-9.eE]+|NaN)", RegexOptions.Multiline)]
    private static partial Regex SeriesLine();
}
