using System;
using System.IO;
using Faustish.Kafka.Tests.Support;
using Faustish.Tests.Kafka;

namespace Faustish.Kafka.Tests;

/// <summary>
/// Start-up on Kafka refuses topics whose shape contradicts the app: a source topic with another partition count, or a
/// table's changelog whose count differs from its source topic's. The message names the topic and both numbers.
/// </summary>
public sealed class KafkaTopicsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_source_topic_with_another_partition_count_stops_start_up_naming_both_counts()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("clicks", partitions: 3);
        cluster.CreateTopic("e2e-clicks-per-user-changelog", partitions: 4);
        cluster.CreateTopic("e2e-dead-letters", partitions: 1);
        cluster.CreateAssignmentBoard("e2e");

        var (exitCode, output) = RunWorker(cluster);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Topic 'clicks' has 3 partitions on Kafka", output, StringComparison.Ordinal);
        Assert.Contains("declares 4", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changelog_whose_count_differs_from_its_source_stops_start_up_naming_both_counts()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("clicks", partitions: 4);
        cluster.CreateTopic("e2e-clicks-per-user-changelog", partitions: 2);
        cluster.CreateTopic("e2e-dead-letters", partitions: 1);
        cluster.CreateAssignmentBoard("e2e");

        var (exitCode, output) = RunWorker(cluster);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Topic 'e2e-clicks-per-user-changelog' has 2 partitions on Kafka", output, StringComparison.Ordinal);
        Assert.Contains("declares 4", output, StringComparison.Ordinal);
    }

    /// <summary>Runs the end-to-end worker against the cluster until it exits; returns its exit code and output.</summary>
    private static (int ExitCode, string Output) RunWorker(MockKafkaCluster cluster)
    {
        var directory = Path.Combine(Path.GetTempPath(), "faustish-kafka-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var worker = ChildApp.Start("worker", ChildApp.AppPath("tests/EndToEnd.Worker", "Faustish.EndToEnd.Worker"),
                ["worker", "--app", "e2e", "--data-dir", directory, "--broker", "kafka://" + cluster.BootstrapServers]);
            Assert.True(worker.WaitForExit(Bound), $"The worker did not stop within {Bound}:\n{worker.Tail()}");
            return (worker.ExitCode, worker.Output);
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
