using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Faustish.Kafka.Tests.Support;
using Faustish.Tests.Kafka;
using Xunit.Abstractions;

namespace Faustish.Kafka.Tests;

/// <summary>
/// The PageViews example, unchanged, on a Kafka cluster (librdkafka's mock, started here; the app only gets
/// <c>--broker kafka://…</c>): it seeds, counts and stops when idle, and its tables equal those of the same run on the
/// embedded log.
/// </summary>
public sealed class KafkaEndToEndTests(ITestOutputHelper output)
{
    private const int Events = 50_000;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Fact]
    public void The_PageViews_example_on_Kafka_gives_the_tables_of_the_embedded_run()
    {
        var app = ChildApp.AppPath("examples/PageViews", "PageViews");
        var embedded = NewDirectory();
        var kafka = NewDirectory();
        try
        {
            Run(app, "embedded run", ["worker", "--exit-when-idle", "--data-dir", embedded]);
            var expectedCounts = Table(app, ["table", "page-counts", "--data-dir", embedded]);
            var expectedPhones = Table(app, ["table", "phone-counts", "--data-dir", embedded]);

            using var cluster = MockKafkaCluster.Start();
            foreach (var (topic, partitions) in new[]
            {
                ("page-views", 4), ("page-milestones", 4), ("pageviews-page-counts-changelog", 4), ("pageviews-phone-counts-changelog", 4),
                ("pageviews-latest-milestones-changelog", 4), ("pageviews-dead-letters", 1),
            })
            {
                cluster.CreateTopic(topic, partitions);
            }

            cluster.CreateAssignmentBoard("pageviews");

            var broker = "kafka://" + cluster.BootstrapServers;
            var run = Run(app, "Kafka run", ["worker", "--exit-when-idle", "--data-dir", kafka, "--broker", broker]);
            Assert.Contains($"Seeded {Events:N0} page views", run, StringComparison.Ordinal);
            Assert.Contains("views in all", run, StringComparison.Ordinal);
            var counts = Table(app, ["table", "page-counts", "--data-dir", kafka, "--broker", broker]);
            var phones = Table(app, ["table", "phone-counts", "--data-dir", kafka, "--broker", broker]);

            output.WriteLine($"page-counts: {counts.Count} pages, {counts.Values.Sum()} views; phone-counts: {phones.Count} pages, {phones.Values.Sum()} views");
            Assert.Equal(Events, expectedCounts.Values.Sum());
            Assert.Equal(expectedCounts, counts);
            Assert.Equal(expectedPhones, phones);
        }
        finally
        {
            foreach (var directory in new[] { embedded, kafka })
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }
    }

    private static string NewDirectory() => Path.Combine(Path.GetTempPath(), "faustish-pageviews-" + Guid.NewGuid().ToString("N"));

    /// <summary>Runs the example to its end and returns its output; fails on a non-zero exit.</summary>
    private string Run(string app, string name, IReadOnlyList<string> arguments)
    {
        using var child = ChildApp.Start(name, app, arguments, new Dictionary<string, string> { ["Demo__Events"] = Events.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        Assert.True(child.WaitForExit(Bound), $"{name} did not stop within {Bound}:\n{child.Tail()}");
        output.WriteLine($"--- {name}: exit {child.ExitCode}\n{child.Tail(12)}");
        Assert.True(child.ExitCode == 0, $"{name} exited with {child.ExitCode}:\n{child.Tail()}");
        return child.Output;
    }

    /// <summary>A table as the CLI prints it: one <c>key\tvalue</c> line per entry.</summary>
    private Dictionary<string, long> Table(string app, IReadOnlyList<string> arguments)
    {
        var printed = Run(app, string.Join(' ', arguments.Take(2)), arguments);
        return printed.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .Where(parts => parts.Length == 2 && parts[0].StartsWith("/page/", StringComparison.Ordinal))
            .ToDictionary(parts => parts[0], parts => long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
