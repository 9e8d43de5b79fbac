using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Faustish.Kafka.Tests.Support;
using Xunit.Abstractions;
using static Faustish.Kafka.Tests.Support.GroupScenario;

namespace Faustish.Kafka.Tests;

/// <summary>
/// Exactly-once on Kafka: three processes count 500,000 clicks with <c>--guarantee ExactlyOnce</c> while the test makes
/// one transaction commit fail and fences one worker's producer. Each aborts, restores its partitions from committed
/// state and goes on; the transport's own lines count the transactions begun, committed and aborted; the table equals
/// the input exactly.
/// </summary>
/// <remarks>
/// What librdkafka's mock cluster cannot show, and why the same code holds on a real broker:
/// <list type="bullet">
/// <item>It does not filter records of aborted transactions for read_committed readers, so the aborted changelog records
/// stay visible here. The workers never restore them: after an abort a worker restores up to the end of its last
/// committed transaction (<c>ITransactionalProducer.CommittedEnd</c>), and the table read at the end is right because the
/// aborted records' keys are written again, with their committed values, by the reprocessing that follows. On a real
/// broker read_committed hides them outright.</item>
/// <item>It does not fence a producer when another initializes the same transactional id (it gives the newcomer a new
/// producer id instead of bumping the epoch), so fencing is injected as the broker's answer to a commit
/// (<c>PRODUCER_FENCED</c>). On a real broker the newcomer's <c>InitTransactions</c> bumps the epoch and the old producer
/// gets the same error at its next request.</item>
/// <item>It discards offsets sent with <c>SendOffsetsToTransaction</c>, so a partition that changed owner would be read
/// again from the beginning. The group is therefore kept fixed here (three processes start together, none joins or
/// leaves until the end), and a worker that aborted seeks to the positions of its own last commit, which it knows.
/// On a real broker the group coordinator stores those offsets with the commit, and a new owner starts from them.</item>
/// </list>
/// </remarks>
[Collection(KafkaSystemTests.Name)]
public sealed partial class KafkaExactlyOnceTests(ITestOutputHelper output)
{
    private const long Events = 500_000;

    /// <summary>Kafka's ApiKey of TxnOffsetCommit and the error a member of a stale generation gets.</summary>
    private const short TxnOffsetCommit = 28;
    private const int IllegalGeneration = 22;

    /// <summary>Kafka's ApiKey of EndTxn (a transaction's commit or abort) and the error of a fenced producer.</summary>
    private const short EndTxn = 26;
    private const int ProducerFenced = 90;

    [Fact]
    public void KafkaExactlyOnce_a_failed_commit_and_a_fenced_producer_abort_and_recover_and_the_table_equals_the_input()
    {
        using var scenario = new GroupScenario(output, nameof(KafkaExactlyOnceTests));
        var settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["Faustish__Guarantee"] = "ExactlyOnce" };
        try
        {
            scenario.Cluster.SetBrokerRtt(1, 50);
            var workers = Enumerable.Range(1, 3).Select(n => scenario.StartWorker(n, settings)).ToList();
            scenario.WaitUntil("three processes own the four partitions", workers, null,
                () => workers.All(w => Held(w).Count > 0) && workers.SelectMany(Held).Distinct().Count() == 4);
            scenario.Cluster.SetBrokerRtt(1, 0);

            using var sender = scenario.Sender(Events, 40_000);
            sender.OpenUpTo(150_000);
            scenario.WaitUntil("150,000 events are sent", workers, sender, () => sender.Sent >= 150_000);

            // A commit that fails: the next transactional offset commit is refused as from a stale generation.
            scenario.Cluster.PushRequestErrors(TxnOffsetCommit, IllegalGeneration);
            scenario.WaitUntil("a worker aborts after its commit failed", workers, sender, () => workers.Any(w => w.CountLines("restores clicks[") > 0));
            scenario.Log("commit failure: " + string.Join(" | ", workers.SelectMany(w => w.Lines.Where(l => l.Text.Contains("aborted its transaction", StringComparison.Ordinal)).Select(l => $"{w.Name}: {l.Text}"))));

            // A fenced producer: the broker answers the next transaction commit (EndTxn) with PRODUCER_FENCED, as it does
            // when another producer took the transactional id over or the transaction outlived transaction.timeout.ms.
            sender.OpenUpTo(300_000);
            scenario.WaitUntil("300,000 events are sent", workers, sender, () => sender.Sent >= 300_000);
            var before = workers.Sum(w => w.CountLines("from committed state after the aborted transaction"));
            scenario.Cluster.PushRequestErrors(EndTxn, ProducerFenced);
            scenario.WaitUntil("a fenced worker replaces its producer and restores its partitions", workers, sender,
                () => workers.Any(w => w.CountLines("replacing it") > 0) && workers.Sum(w => w.CountLines("from committed state after the aborted transaction")) > before);
            scenario.Log("fenced: " + string.Join(" | ", workers.SelectMany(w => w.Lines.Where(l => l.Text.Contains("replacing it", StringComparison.Ordinal)).Select(l => $"{w.Name}: {l.Text}"))));

            sender.OpenUpTo(Events);
            var counted = new Dictionary<long, long>();
            scenario.WaitUntil("all events are delivered and the table counts them", workers, sender,
                () => sender.Done && (counted = scenario.ReadCounts()).Values.Sum() == Events, poll: TimeSpan.FromSeconds(1),
                state: () => $"The table counts {counted.Values.Sum():N0} ({counted.Count(c => c.Value > Events / GroupScenario.Users)} users over, {GroupScenario.Users - counted.Count(c => c.Value >= Events / GroupScenario.Users)} under).");
            scenario.StopAll(workers);

            // The transport's own account of each worker's transactions.
            var totals = new long[4];
            foreach (var worker in workers)
            {
                var summaries = worker.Lines.Select(l => Closed().Match(l.Text)).Where(m => m.Success).ToList();
                Assert.True(summaries.Count > 0, $"{worker.Name} logged no transaction summary:\n{worker.Tail()}");
                foreach (var closed in summaries)
                {
                    if (!closed.Value.StartsWith("closed: 0 ", StringComparison.Ordinal))
                    {
                        scenario.Log($"{worker.Name}: {closed.Value}");
                    }

                    for (var i = 0; i < 4; i++)
                    {
                        totals[i] += long.Parse(closed.Groups[i + 1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
            }

            Assert.True(totals[0] > 10 && totals[1] > 10, $"transactions begun {totals[0]}, committed {totals[1]}");
            Assert.True(totals[2] >= 2, $"{totals[2]} transactions aborted; expected the failed commit's and the fenced producer's");
            Assert.True(totals[3] >= 1, "no fenced producer was replaced");
            Assert.All(workers, w => Assert.Equal(0, w.CountLines(" without committing")));

            // Exactly once: every key's count equals the input, nothing lost, nothing counted twice.
            var counts = scenario.ReadCounts();
            var wrong = Expected(Events).Where(e => counts.GetValueOrDefault(e.Key) != e.Value)
                .Select(e => $"user {e.Key}: {counts.GetValueOrDefault(e.Key)} (expected {e.Value})").ToList();
            Assert.True(wrong.Count == 0, $"{wrong.Count} counts differ (total {counts.Values.Sum():N0} of {Events:N0}): {string.Join("; ", wrong.Take(10))}");
        }
        catch
        {
            scenario.Log(scenario.Diagnostics());
            throw;
        }
    }

    [GeneratedRegex(@"closed: ([\d,]+) transaction\(s\) begun, ([\d,]+) committed, ([\d,]+) aborted, ([\d,]+) producer\(s\) replaced", RegexOptions.CultureInvariant)]
    private static partial Regex Closed();
}
