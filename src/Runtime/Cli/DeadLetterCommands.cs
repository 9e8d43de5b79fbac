using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Hosting;
using Faustish.Topics;
using Faustish.Transport;

namespace Faustish.Cli;

/// <summary>
/// <c>dead-letters list</c> and <c>dead-letters replay</c>: the records agents moved aside
/// (<see cref="RecordFailureHandler"/>), with the headers that say where they came from and why, and putting them
/// back on their source topic once the cause is fixed.
/// </summary>
/// <remarks>
/// <para><b>Once only.</b> How far replay got is itself a record: one per dead-letter partition on the compacted topic
/// <c>{app}-dead-letters-replayed</c> (key: the partition, value: the next offset to replay). A replay starts at that
/// mark and moves it past what it put back, so running it twice puts nothing back twice. Where the transport has
/// transactions (the embedded log) the replayed records and the new mark commit together, and a replay started
/// concurrently fences the other; elsewhere (Kafka) they are flushed together and a crash between the two can replay a
/// batch again (at least once, like everything else on that path).</para>
/// <para>A replayed record keeps its key, value, timestamp and original headers, goes to the partition it came from,
/// and carries <c>faustish.replayed.from</c> (<c>{dead-letter topic}[{partition}]@{offset}</c>). If it fails again
/// it becomes a new dead letter, after the mark, for a later replay.</para>
/// </remarks>
internal sealed class DeadLetterCommands(FaustishRuntime runtime, TextWriter output)
{
    /// <summary>The header a replayed record carries: the dead letter it was.</summary>
    public const string ReplayedFromHeader = "faustish.replayed.from";

    private const string ErrorHeaderPrefix = "faustish.error.";
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(30);

    private string DeadLetterTopic => runtime.Topology.DeadLetterTopic;

    private string ProgressTopic => DeadLetterTopic + "-replayed";

    private ITransport Transport => runtime.Transport;

    /// <summary>Prints each dead letter: where it is, where it came from (topic, partition, offset), agent, stage, reason, key, value.</summary>
    public int List(long? fromOffset, long? limit, RawBytes raw, CancellationToken cancellationToken)
    {
        var partitions = DeadLetterPartitions();
        var marks = ReadMarks(partitions, cancellationToken);
        var printed = 0L;
        var any = false;
        for (var partition = 0; partition < partitions; partition++)
        {
            foreach (var letter in Read(partition, fromOffset, toOffset: null, cancellationToken))
            {
                any = true;
                var replayed = letter.Offset < marks[partition] ? " replayed" : "";
                var source = runtime.Topology.FindTopic(letter.SourceTopic);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{DeadLetterTopic}[{partition}]@{letter.Offset}{replayed} {RecordText.Time(letter.TimestampMs)} topic={letter.SourceTopic} partition={letter.Header(RecordFailureHandler.Headers.Partition)} offset={letter.Header(RecordFailureHandler.Headers.Offset)} agent={letter.Header(RecordFailureHandler.Headers.Agent)} stage={letter.Header(RecordFailureHandler.Headers.Stage)} reason={OneLine(letter.Header(RecordFailureHandler.Headers.Reason))}"));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"    exception={letter.Header(RecordFailureHandler.Headers.ExceptionType)} key={RecordText.Key(source, letter.Key, letter.KeyIsNull, raw)} value={RecordText.Value(source, letter.Value, letter.ValueIsNull, raw)}"));
                if (++printed >= limit)
                {
                    return 0;
                }
            }
        }

        if (!any)
        {
            output.WriteLine($"No dead letters in {DeadLetterTopic}{(fromOffset is null ? "" : " from that offset")}.");
        }

        return 0;
    }

    /// <summary>
    /// Puts the dead letters after the replay mark (up to <paramref name="toOffset"/>, inclusive) back on their source
    /// topics and moves the mark past them; with <paramref name="dryRun"/> only says what it would put back.
    /// </summary>
    public async Task<int> ReplayAsync(long? toOffset, bool dryRun, CancellationToken cancellationToken)
    {
        var partitions = DeadLetterPartitions();
        if (!dryRun)
        {
            await Transport.EnsureTopicsAsync([new TopicSpec(ProgressTopic, 1, Compacted: true)], cancellationToken).ConfigureAwait(false);
        }

        var marks = ReadMarks(partitions, cancellationToken);
        var total = 0;
        for (var partition = 0; partition < partitions; partition++)
        {
            var letters = Read(partition, marks[partition], toOffset, cancellationToken).ToList();
            if (letters.Count == 0)
            {
                continue;
            }

            // Check every letter before putting any back: a batch goes back whole or not at all.
            var targets = letters.Select(Target).ToList();
            var next = letters[^1].Offset + 1;
            if (dryRun)
            {
                for (var i = 0; i < letters.Count; i++)
                {
                    output.WriteLine(Describe("would replay", partition, letters[i], targets[i]));
                }

                continue;
            }

            Put(partition, letters, targets, next, cancellationToken);
            for (var i = 0; i < letters.Count; i++)
            {
                output.WriteLine(Describe("replayed", partition, letters[i], targets[i]));
            }

            total += letters.Count;
            marks[partition] = next;
        }

        var where = string.Join(", ", marks.Select((mark, p) => string.Create(CultureInfo.InvariantCulture, $"{DeadLetterTopic}[{p}]@{mark}")));
        output.WriteLine(dryRun
            ? $"Dry run: nothing was replayed. The next replay starts at {where}."
            : $"Replayed {total} dead letter(s). The next replay starts at {where}.");
        return 0;
    }

    private void Put(int partition, List<Letter> letters, List<TopicPartition> targets, long next, CancellationToken cancellationToken)
    {
        var mark = Encoding.UTF8.GetBytes(next.ToString(CultureInfo.InvariantCulture));
        var markKey = Encoding.UTF8.GetBytes(partition.ToString(CultureInfo.InvariantCulture));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (Transport is ITransactionalTransport transactional)
        {
            // One transactional id for every replay of this app: a replay started alongside fences this one, so two never both commit.
            using var producer = transactional.CreateTransactionalProducer(ProgressTopic);
            try
            {
                Produce(producer, letters, targets, partition);
                producer.Produce(new TopicPartition(ProgressTopic, 0), markKey, false, mark, false, now);
                producer.Flush(cancellationToken);
                producer.CommitTransaction([], null, cancellationToken);
            }
            catch
            {
                producer.AbortTransaction();
                throw;
            }

            return;
        }

        using var plain = Transport.CreateProducer();
        Produce(plain, letters, targets, partition);
        plain.Flush(cancellationToken);
        plain.Produce(new TopicPartition(ProgressTopic, 0), markKey, false, mark, false, now);
        plain.Flush(cancellationToken);
    }

    private void Produce(IRecordProducer producer, List<Letter> letters, List<TopicPartition> targets, int partition)
    {
        for (var i = 0; i < letters.Count; i++)
        {
            var letter = letters[i];
            RecordHeader[] headers =
            [
                .. letter.Headers.Where(h => !h.Name.StartsWith(ErrorHeaderPrefix, StringComparison.Ordinal) && h.Name != ReplayedFromHeader),
                RecordHeader.Utf8(ReplayedFromHeader, string.Create(CultureInfo.InvariantCulture, $"{DeadLetterTopic}[{partition}]@{letter.Offset}")),
            ];
            producer.Produce(targets[i], letter.Key, letter.KeyIsNull, letter.Value, letter.ValueIsNull, letter.TimestampMs, headers);
        }
    }

    /// <summary>Where a dead letter goes back to: its source partition, which must still exist.</summary>
    private TopicPartition Target(Letter letter)
    {
        var at = $"{DeadLetterTopic}@{letter.Offset.ToString(CultureInfo.InvariantCulture)}";
        if (letter.SourceTopic == "-"
            || !int.TryParse(letter.Header(RecordFailureHandler.Headers.Partition), NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
        {
            throw new InvalidOperationException(
                $"The record at {at} has no {RecordFailureHandler.Headers.Topic}/{RecordFailureHandler.Headers.Partition} headers, so it was not written by a Faustish agent and has no source to go back to. Nothing was replayed; replay up to the offset before it with --to-offset.");
        }

        var count = Transport.GetPartitionCount(letter.SourceTopic);
        if (count is null || partition >= count)
        {
            throw new InvalidOperationException(
                $"The dead letter at {at} came from {letter.SourceTopic}[{partition}], which does not exist any more. Nothing was replayed; replay up to the offset before it with --to-offset.");
        }

        return new TopicPartition(letter.SourceTopic, partition);
    }

    private static string Describe(string what, int partition, Letter letter, TopicPartition target) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{what} [{partition}]@{letter.Offset} -> {target} (was {letter.Header(RecordFailureHandler.Headers.Topic)}[{letter.Header(RecordFailureHandler.Headers.Partition)}]@{letter.Header(RecordFailureHandler.Headers.Offset)}, {letter.Header(RecordFailureHandler.Headers.Stage)} in {letter.Header(RecordFailureHandler.Headers.Agent)})");

    private int DeadLetterPartitions() =>
        Transport.GetPartitionCount(DeadLetterTopic) ?? throw new InvalidOperationException(
            $"There is no dead-letter topic '{DeadLetterTopic}' on {Transport.Description}: no worker of app '{runtime.Options.AppId}' ran there yet (check --app and --data-dir or --broker).");

    /// <summary>The replay mark of each dead-letter partition: the offset the next replay starts at (0 when none was made).</summary>
    private long[] ReadMarks(int partitions, CancellationToken cancellationToken)
    {
        var marks = new long[partitions];
        if (Transport.GetPartitionCount(ProgressTopic) is not { } progressPartitions)
        {
            return marks;
        }

        for (var p = 0; p < progressPartitions; p++)
        {
            var progress = new TopicPartition(ProgressTopic, p);
            var end = Transport.GetWatermarks(progress).High;
            using var reader = PartitionReading.UpTo(Transport.OpenReader(progress, Offsets.Beginning), progress, end, StallTimeout);
            var batch = new RecordBatch();
            while (reader.Fetch(batch, 1000, TimeSpan.FromMilliseconds(200), cancellationToken))
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    ref readonly var record = ref batch[i];
                    if (int.TryParse(batch.KeyOf(in record), NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
                        && partition < partitions
                        && long.TryParse(batch.ValueOf(in record), NumberStyles.None, CultureInfo.InvariantCulture, out var mark))
                    {
                        marks[partition] = Math.Max(marks[partition], mark);
                    }
                }
            }
        }

        return marks;
    }

    /// <summary>The dead letters of one partition from <paramref name="fromOffset"/> to <paramref name="toOffset"/> (inclusive), up to the end as it is now.</summary>
    private IEnumerable<Letter> Read(int partition, long? fromOffset, long? toOffset, CancellationToken cancellationToken)
    {
        var topicPartition = new TopicPartition(DeadLetterTopic, partition);
        var marks = Transport.GetWatermarks(topicPartition);
        var end = toOffset is { } to ? Math.Min(to + 1, marks.High) : marks.High;
        var start = Math.Max(fromOffset ?? marks.Low, marks.Low);
        if (start >= end)
        {
            yield break;
        }

        using var reader = PartitionReading.UpTo(Transport.OpenReader(topicPartition, start), topicPartition, end, StallTimeout);
        var batch = new RecordBatch();
        while (reader.Fetch(batch, 500, TimeSpan.FromMilliseconds(200), cancellationToken))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                ref readonly var record = ref batch[i];
                if (record.Offset >= end)
                {
                    yield break;
                }

                yield return new Letter(record.Offset, record.TimestampMs, batch.KeyOf(in record).ToArray(), record.KeyIsNull,
                    batch.ValueOf(in record).ToArray(), record.ValueIsNull, batch.HeadersOf(in record));
            }
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private sealed record Letter(long Offset, long TimestampMs, byte[] Key, bool KeyIsNull, byte[] Value, bool ValueIsNull, IReadOnlyList<RecordHeader> Headers)
    {
        public string SourceTopic => Header(RecordFailureHandler.Headers.Topic);

        /// <summary>The last header of that name (a record dead-lettered twice carries both sets), or "-".</summary>
        public string Header(string name) => Headers.LastOrDefault(h => h.Name == name)?.ValueAsString() ?? "-";
    }
}
