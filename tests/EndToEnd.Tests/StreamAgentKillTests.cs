using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Hosting;
using Faustish.Transport;
using Xunit.Abstractions;

namespace Faustish.EndToEnd.Tests;

/// <summary>
/// Stream agents in a real worker process killed with SIGKILL. Faust's word count (<see cref="SplitWcSentences"/>, then
/// <see cref="CountWcWords"/>: <c>GroupBy(word)</c> through a repartition topic, counts per word) killed mid-run and
/// restarted loses nothing at least once and counts exactly under exactly-once. The acking test: an agent killed while
/// it awaits on an event had not committed that event nor any later one, and its restart processes it again.
/// </summary>
public sealed class StreamAgentKillTests(ITestOutputHelper output)
{
    private const int Sentences = 5_000;

    /// <summary>The worker runs the stream-agent tests' agents only when asked (see tests/EndToEnd.Worker/Program.cs).</summary>
    private static readonly Dictionary<string, string> StreamAgentsOn = new() { [StreamTestAgents.Variable] = "1" };
    private const int Kills = 2;
    private const int AckEvents = 100;
    private const long InFlight = 39; // the 4th slow event: the test releases 9, 19 and 29, and kills during 39
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static readonly AppModel WordCountModel = new([WcSentences.Definition, WcWords.Definition], [WcCounts.Definition],
        [SplitWcSentences.Definition, CountWcWords.Definition]);

    private static readonly string[] Vocabulary =
        ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "a", "stream", "agent", "counts", "words", "kafka", "faust"];

    [Fact]
    public void At_least_once_word_count_killed_mid_run_loses_no_word()
    {
        var (expected, counts, report) = RunWordCountWithKills(ProcessingGuarantee.AtLeastOnce, seed: 81);
        output.WriteLine(report);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), counts.Keys.Order(StringComparer.Ordinal));
        Assert.All(expected, e => Assert.True(counts[e.Key] >= e.Value, $"'{e.Key}' counted {counts[e.Key]} times, it occurs {e.Value} times"));
    }

    [Fact]
    public void Exactly_once_word_count_killed_mid_run_counts_each_word_exactly()
    {
        var (expected, counts, report) = RunWordCountWithKills(ProcessingGuarantee.ExactlyOnce, seed: 82);
        output.WriteLine(report);
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), counts.OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    /// <summary>
    /// An agent that awaits on every 10th event is killed (SIGKILL) during the await on event 39, with events up to 99
    /// waiting behind it: the group's committed offset at the kill is at most 39 (nothing from 39 on was committed), the
    /// killed process never went past 39, and the restarted process starts at the committed offset and processes 39 again.
    /// </summary>
    [Theory]
    [InlineData("stream")]
    [InlineData("async")]
    public void Acking_an_agent_killed_mid_await_had_committed_nothing_from_that_event_on_and_processes_it_again(string agent)
    {
        var (topic, definition) = agent == "stream"
            ? (AckStreamEvents.Definition, AckStreamAgent.Definition)
            : (AckAsyncEvents.Definition, AckAsyncAgent.Definition);
        var model = new AppModel([topic], [], [definition]);
        var directory = TestApp.NewDirectory();
        var gates = Path.Combine(directory, "gates");
        try
        {
            using (var app = new TestApp(model, directory: directory))
            {
                app.Send(sender =>
                {
                    for (long i = 0; i < AckEvents; i++)
                    {
                        sender.Send(topic, i, i);
                    }
                });
            }

            Directory.CreateDirectory(gates);
            var environment = new Dictionary<string, string> { [AckGate.Variable] = gates, [StreamTestAgents.Variable] = "1" };
            List<long> firstRun;
            using (var worker = ChildWorker.Start(directory, topic.Name, exitWhenIdle: false, settings: null, environment))
            {
                foreach (var slow in new long[] { 9, 19, 29 })
                {
                    Assert.True(worker.WaitForLine($"ack-await {agent} {slow}\n", Bound), $"The agent did not reach event {slow}:\n{worker.Output}");
                    File.WriteAllText(Path.Combine(gates, $"{agent}-{slow}"), "");
                }

                Assert.True(worker.WaitForLine($"ack-await {agent} {InFlight}\n", Bound), $"The agent did not reach event {InFlight}:\n{worker.Output}");
                // Ten commit intervals for the worker to commit what it may (not a condition of the test: a commit that
                // went past the event in flight at any moment would be found below).
                Thread.Sleep(500);
                Assert.False(worker.HasExited, $"The worker exited while the agent awaited:\n{worker.Output}");
                worker.Kill();
                Assert.True(worker.WaitForExit(Bound), "The killed worker did not exit.");
                firstRun = Events(worker, agent);
            }

            var committed = Committed(model, directory, definition.GroupId("e2e"), new TopicPartition(topic.Name, 0));
            output.WriteLine($"{agent}: killed during the await on event {InFlight}; the killed run processed events {firstRun.Min()}..{firstRun.Max()}; committed offset at the kill: {committed?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
            Assert.Equal(Enumerable.Range(0, (int)InFlight + 1).Select(i => (long)i), firstRun); // in order, none past the one in flight
            Assert.True(committed is null or <= InFlight, $"The group committed offset {committed} while event {InFlight} was in flight.");

            // Restarted without gates: it processes from the committed offset to the end, event 39 included.
            List<long> secondRun;
            using (var worker = ChildWorker.Start(directory, topic.Name, exitWhenIdle: true, settings: null, StreamAgentsOn))
            {
                Assert.True(worker.WaitForExit(Bound), $"The restarted worker did not finish within {Bound}:\n{worker.Output}");
                Assert.True(worker.ExitCode == 0, $"The restarted worker exited with {worker.ExitCode}:\n{worker.Output}");
                secondRun = Events(worker, agent);
            }

            output.WriteLine($"{agent}: the restarted run processed events {secondRun.FirstOrDefault()}..{secondRun.LastOrDefault()} ({secondRun.Count} events)");
            var from = committed ?? 0;
            Assert.Equal(Enumerable.Range((int)from, AckEvents - (int)from).Select(i => (long)i), secondRun);
            Assert.Contains(InFlight, secondRun);
            Assert.Equal(AckEvents, Committed(model, directory, definition.GroupId("e2e"), new TopicPartition(topic.Name, 0)));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static (Dictionary<string, long> Expected, Dictionary<string, long> Counts, string Report) RunWordCountWithKills(ProcessingGuarantee guarantee, int seed)
    {
        var directory = TestApp.NewDirectory();
        try
        {
            var random = new Random(seed);
            var expected = new Dictionary<string, long>(StringComparer.Ordinal);
            using (var app = new TestApp(WordCountModel, directory: directory))
            {
                app.Send(sender =>
                {
                    for (var i = 0; i < Sentences; i++)
                    {
                        var words = Enumerable.Range(0, random.Next(1, 9)).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]).ToArray();
                        foreach (var word in words)
                        {
                            expected[word] = expected.GetValueOrDefault(word) + 1;
                        }

                        sender.Send(WcSentences.Definition, $"sentence-{i}", string.Join(' ', words.Select(w => i % 3 == 0 ? w.ToUpperInvariant() : w)));
                    }
                });
            }

            var total = expected.Values.Sum();
            var kills = 0;
            var killedAfter = new List<int>();
            // Bounded: at most two attempts per kill (a worker that finished the input ends the loop).
            for (var attempt = 0; attempt < Kills * 2 && kills < Kills; attempt++)
            {
                using var worker = ChildWorker.Start(directory, WcSentences.Definition.Name, exitWhenIdle: true, settings: null, StreamAgentsOn, "--guarantee", guarantee.ToString());
                // Kill once this process counted 5,000-10,000 words, at a random moment within a commit interval.
                var progress = random.Next(1, 3);
                worker.WaitForProgress(progress, Bound);
                Thread.Sleep(random.Next(0, 60));
                if (worker.HasExited)
                {
                    Assert.True(worker.ExitCode == 0, $"The worker exited with {worker.ExitCode}:\n{worker.Output}");
                    break;
                }

                worker.Kill();
                kills++;
                killedAfter.Add(progress * CountWcWords.ProgressEvery);
                Assert.True(worker.WaitForExit(Bound), "The killed worker did not exit.");
            }

            using (var last = ChildWorker.Start(directory, WcSentences.Definition.Name, exitWhenIdle: true, settings: null, StreamAgentsOn, "--guarantee", guarantee.ToString()))
            {
                Assert.True(last.WaitForExit(TimeSpan.FromMinutes(2)), $"The final worker did not finish within 2 minutes:\n{last.Output}");
                Assert.True(last.ExitCode == 0, $"The final worker exited with {last.ExitCode}:\n{last.Output}");
            }

            using var check = new TestApp(WordCountModel, directory: directory);
            // The input is consumed to its end by each stage: every group's committed offsets are the partitions' ends.
            var repartition = CountWcWords.Definition.RepartitionTopicName("e2e", "word");
            var stages = new (string Group, string Topic, int Partitions)[]
            {
                (SplitWcSentences.Definition.GroupId("e2e"), WcSentences.Definition.Name, WcSentences.Definition.Partitions),
                (CountWcWords.Definition.GroupId("e2e"), WcWords.Definition.Name, WcWords.Definition.Partitions),
                (CountWcWords.Definition.GroupId("e2e") + "-word", repartition, WcWords.Definition.Partitions),
            };
            var consumed = new List<string>();
            foreach (var (group, topic, partitions) in stages)
            {
                for (var p = 0; p < partitions; p++)
                {
                    var partition = new TopicPartition(topic, p);
                    var end = check.Runtime.Transport.GetWatermarks(partition).High;
                    var committed = Committed(check, group, partition);
                    consumed.Add($"{topic}[{p}] {committed}/{end}");
                    Assert.True(committed == end, $"Group {group} committed {committed} on {partition}, whose end is {end}.");
                }
            }

            var counts = check.ReadTable(WcCounts.Definition);
            var overCounted = counts.Sum(c => Math.Max(0, c.Value - expected.GetValueOrDefault(c.Key)));
            var underCounted = expected.Sum(e => Math.Max(0, e.Value - counts.GetValueOrDefault(e.Key)));
            var report = $"{guarantee}: {Sentences:N0} sentences, {total:N0} words, {expected.Count} distinct; {kills} kills (after {string.Join(", ", killedAfter)} words counted by the process)\n" +
                $"counted {counts.Values.Sum():N0} words over {counts.Count} keys: over-counted by {overCounted:N0}, under-counted by {underCounted:N0}\n" +
                $"committed/end: {string.Join("; ", consumed)}";
            Assert.True(kills >= 1, $"No worker was killed mid-run: {report}");
            return (expected, counts, report);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>The events an acking agent printed it processed ("ack-event {agent} {value}"), in order.</summary>
    private static List<long> Events(ChildWorker worker, string agent) =>
        [.. worker.LinesStartingWith($"ack-event {agent} ").Select(l => long.Parse(l[$"ack-event {agent} ".Length..], CultureInfo.InvariantCulture))];

    private static long? Committed(AppModel model, string directory, string group, TopicPartition partition)
    {
        using var app = new TestApp(model, directory: directory);
        return Committed(app, group, partition);
    }

    /// <summary>The group's committed next offset of <paramref name="partition"/>, read by a consumer of the group that never fetches.</summary>
    private static long? Committed(TestApp app, string group, TopicPartition partition)
    {
        using var consumer = app.Runtime.Transport.CreateGroupConsumer(group, [partition.Topic], new NoListener());
        return consumer.Committed(partition);
    }

    private sealed class NoListener : IAssignmentListener
    {
        public void OnAssigned(IReadOnlyList<TopicPartition> partitions)
        {
        }

        public void OnRevoked(IReadOnlyList<TopicPartition> partitions)
        {
        }

        public void OnLost(IReadOnlyList<TopicPartition> partitions)
        {
        }
    }
}
