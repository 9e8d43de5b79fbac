using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Hosting;
using Faustish.Routing;
using Faustish.Serialization;
using Faustish.Tables.Windows;
using Faustish.Transport;
using Faustish.Transport.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Faustish.Tests.EventTime;

/// <summary>
/// <c>[Topic(Timestamp = ...)]</c> on the embedded log with a real worker: records are sent with record timestamps an
/// hour away from (and in the opposite order of) the times their values carry, and windows, stream time, the event's
/// time and the timestamps of what the agent sends all follow the values' times. Records without a usable time follow
/// the error policy.
/// </summary>
public sealed class EventTimeTests
{
    private const string AppId = "evt";
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Sensor readings in the order of their times; their values count from 0 (odd ones are forwarded twice).</summary>
    private static readonly (string Sensor, int Seconds)[] Readings =
        [("s2", 0), ("s1", 5), ("s1", 30), ("s1", 59), ("s1", 60), ("s1", 61), ("s2", 120), ("s2", 121), ("s1", 179), ("s1", 180)];

    private static readonly AppModel ReadingsModel = new([EvtReadings.Definition, EvtForwarded.Definition], [EvtReadingsPerMinute.Definition], [CountReadings.Definition]);
    private static readonly AppModel ClicksModel = new([EvtClicks.Definition], [EvtClicksPerMinute.Definition], [CountClicks.Definition]);

    [Fact]
    public async Task Windows_follow_the_time_in_the_value_not_the_records_timestamp()
    {
        await using var run = new EventTimeRun(ReadingsModel);
        await run.StartAsync();
        run.SendReadings(Readings.Select(r => (r.Sensor, T0.AddSeconds(r.Seconds))));
        run.RunUntilProcessed(Readings.Length);

        Assert.Equal([(Minute(0), 3L), (Minute(1), 2L), (Minute(2), 1L), (Minute(3), 1L)], run.Windows(EvtReadingsPerMinute.Definition, "s1"));
        Assert.Equal([(Minute(0), 1L), (Minute(2), 2L)], run.Windows(EvtReadingsPerMinute.Definition, "s2"));

        // The agent saw each event at its value's time.
        foreach (var sensor in new[] { "s1", "s2" })
        {
            Assert.Equal(Readings.Where(r => r.Sensor == sensor).Select(r => T0.AddSeconds(r.Seconds).ToUnixTimeMilliseconds()),
                run.Log.Seen.Where(s => s.Sensor == sensor).Select(s => s.EventTimeMs));
        }
    }

    [Fact]
    public async Task Records_the_agent_sends_carry_the_time_in_the_value_before_and_after_an_await()
    {
        await using var run = new EventTimeRun(ReadingsModel);
        await run.StartAsync();
        run.SendReadings(Readings.Select(r => (r.Sensor, T0.AddSeconds(r.Seconds))));
        run.RunUntilProcessed(Readings.Length);

        var forwarded = run.ReadTopic(EvtForwarded.Definition);
        Assert.Equal(Readings.Length + Readings.Length / 2, forwarded.Count);
        Assert.Equal(Readings.Length / 2, forwarded.Count(f => f.Key.EndsWith("-after-await", StringComparison.Ordinal)));
        Assert.All(forwarded, f => Assert.Equal(f.Value.At.ToUnixTimeMilliseconds(), f.TimestampMs));
    }

    [Fact]
    public async Task A_record_without_a_usable_time_is_dead_lettered_under_the_dead_letter_policy_and_the_others_are_counted()
    {
        await using var run = new EventTimeRun(ReadingsModel, ErrorPolicy.DeadLetter);
        await run.StartAsync();
        var (partition, offset) = run.SendReadings(Readings.Select(r => (r.Sensor, T0.AddSeconds(r.Seconds))), badAt: 4);
        run.RunUntilProcessed(Readings.Length + 1);

        Assert.Equal([(Minute(0), 3L), (Minute(1), 2L), (Minute(2), 1L), (Minute(3), 1L)], run.Windows(EvtReadingsPerMinute.Definition, "s1"));
        Assert.Equal([(Minute(0), 1L), (Minute(2), 2L)], run.Windows(EvtReadingsPerMinute.Definition, "s2"));

        var letter = Assert.Single(run.DeadLetters());
        Assert.Equal("timestamp", letter.Header(RecordFailureHandler.Headers.Stage));
        Assert.Equal("evt-readings", letter.Header(RecordFailureHandler.Headers.Topic));
        Assert.Equal(partition.ToString(CultureInfo.InvariantCulture), letter.Header(RecordFailureHandler.Headers.Partition));
        Assert.Equal(offset.ToString(CultureInfo.InvariantCulture), letter.Header(RecordFailureHandler.Headers.Offset));
        Assert.Equal(typeof(RecordDecodeException).FullName, letter.Header(RecordFailureHandler.Headers.ExceptionType));
        var reason = letter.Header(RecordFailureHandler.Headers.Reason);
        Assert.Equal(
            "No usable event time: Reading.At, the Timestamp of topic 'evt-readings', is -62135596800000 ms (0001-01-01T00:00:00.000Z) for this record, " +
            "before 1970-01-01T00:00:00Z (event times are Unix milliseconds from 0). Give such records a time from 1970 on where they are produced, " +
            "or make the topic's Timestamp a static method of the topic class that returns a usable time for them (recordTimestampMs, the record's own timestamp, for one).",
            reason);

        // The record went aside unchanged, and nothing was sent for it.
        var value = EvtReadings.Definition.ValueCodec.Read(letter.Value);
        Assert.Equal(default, value.At);
        Assert.DoesNotContain(run.ReadTopic(EvtForwarded.Definition), f => f.Value.At == default);
    }

    [Fact]
    public async Task A_record_without_a_usable_time_stops_the_agent_under_the_stop_policy_naming_the_record()
    {
        await using var run = new EventTimeRun(ReadingsModel, ErrorPolicy.Stop);
        await run.StartAsync();
        var (partition, offset) = run.SendReadings(Readings.Select(r => (r.Sensor, T0.AddSeconds(r.Seconds))), badAt: 4);

        var failure = Assert.Throws<AgentFailedException>(() => run.RunUntilProcessed(Readings.Length + 1));
        Assert.StartsWith($"Record evt-readings[{partition}]@{offset} of agent Faustish.Tests.EventTime.CountReadings has no usable event time: No usable event time: Reading.At",
            failure.Message, StringComparison.Ordinal);
        Assert.Contains("-62135596800000 ms (0001-01-01T00:00:00.000Z)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("ErrorPolicy=DeadLetter", failure.Message, StringComparison.Ordinal);
        Assert.IsType<RecordDecodeException>(failure.InnerException);

        // Positions before the record are committed (a restart resumes at it), and nothing went to the dead letters.
        Assert.Equal(offset, run.Committed(CountReadings.Definition, new TopicPartition("evt-readings", partition)));
        Assert.Empty(run.DeadLetters());
    }

    [Fact]
    public async Task A_topic_method_gives_the_time_falls_back_to_the_records_and_a_method_that_throws_or_gives_no_time_follows_the_policy()
    {
        await using var run = new EventTimeRun(ClicksModel, ErrorPolicy.DeadLetter);
        await run.StartAsync();
        var clicks = new (string Page, long? AtMs, DateTimeOffset Record)[]
        {
            ("home", T0.AddSeconds(10).ToUnixTimeMilliseconds(), T0.AddHours(5)),
            ("home", null, T0.AddSeconds(20)), // no browser time: the record's
            ("boom", T0.AddSeconds(25).ToUnixTimeMilliseconds(), T0.AddSeconds(25)), // the method throws
            ("home", -5, T0.AddSeconds(26)), // the method gives a time before 1970
            ("home", T0.AddSeconds(70).ToUnixTimeMilliseconds(), T0),
            ("home", null, T0.AddSeconds(130)),
        };
        var sender = run.Runtime.CreateSender();
        using (var producer = sender.Producer)
        {
            foreach (var (page, at, record) in clicks)
            {
                sender.Send(EvtClicks.Definition, page, new Click(page, at), record);
            }

            producer.Flush(CancellationToken.None);
        }

        run.RunUntilProcessed(clicks.Length);

        Assert.Equal([(Minute(0), 2L), (Minute(1), 1L), (Minute(2), 1L)], run.Windows(EvtClicksPerMinute.Definition, "home"));
        Assert.Empty(run.Windows(EvtClicksPerMinute.Definition, "boom"));
        var letters = run.DeadLetters();
        Assert.Equal(2, letters.Count);
        Assert.All(letters, l => Assert.Equal("timestamp", l.Header(RecordFailureHandler.Headers.Stage)));
        Assert.Equal(
            "No usable event time: EvtClicks.EventTime(key, value, recordTimestampMs), the Timestamp of topic 'evt-clicks', threw InvalidOperationException " +
            "for this record: a click on boom has no time Make it return a time from 1970 on for such records (recordTimestampMs, the record's own timestamp, for one).",
            letters[0].Header(RecordFailureHandler.Headers.Reason));
        Assert.Equal("2", letters[0].Header(RecordFailureHandler.Headers.Offset));
        Assert.StartsWith(
            "No usable event time: EvtClicks.EventTime(key, value, recordTimestampMs), the Timestamp of topic 'evt-clicks', is -5 ms (1969-12-31T23:59:59.995Z) for this record",
            letters[1].Header(RecordFailureHandler.Headers.Reason), StringComparison.Ordinal);
        Assert.Equal("3", letters[1].Header(RecordFailureHandler.Headers.Offset));
    }

    [Fact]
    public async Task The_test_context_runs_the_generated_loop_at_the_time_in_the_value()
    {
        var log = new EventTimeLog();
        await using var test = CountReadings.TestContext(options => options.Services.AddSingleton(log));
        for (var i = 0; i < Readings.Length; i++)
        {
            var (sensor, seconds) = Readings[i];
            await test.PutAsync(sensor, new Reading(sensor, T0.AddSeconds(seconds), i), T0.AddHours(1).AddSeconds(-7 * i));
        }

        var perMinute = test.Table<EvtReadingsPerMinute>();
        Assert.Equal([(Minute(0), 3L), (Minute(1), 2L), (Minute(2), 1L), (Minute(3), 1L)], perMinute.Windows("s1").Select(w => (w.Window, w.Value)));
        Assert.Equal([(Minute(0), 1L), (Minute(2), 2L)], perMinute.Windows("s2").Select(w => (w.Window, w.Value)));
        Assert.All(test.Sent<EvtForwarded>(), sent => Assert.Equal(((Reading)sent.Value!).At, sent.Timestamp));

        // An event without a usable time stops the agent, as a worker under ErrorPolicy.Stop does.
        var failure = await Assert.ThrowsAsync<AgentFailedException>(() => test.PutAsync("s1", new Reading("s1", default, 1), T0).AsTask());
        Assert.Contains("has no usable event time: No usable event time: Reading.At", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_agent_reads_events_at_the_time_in_the_value_and_sends_at_it()
    {
        var log = new EventTimeLog();
        await using var test = ForwardReadingEvents.TestContext(options => options.Services.AddSingleton(log));
        for (var i = 0; i < Readings.Length; i++)
        {
            var (sensor, seconds) = Readings[i];
            await test.PutAsync(sensor, new Reading(sensor, T0.AddSeconds(seconds), i), T0.AddHours(1).AddSeconds(-7 * i));
        }

        Assert.Equal(Readings.Select(r => (r.Sensor, T0.AddSeconds(r.Seconds).ToUnixTimeMilliseconds())), log.Seen);
        var sent = test.Sent<EvtForwarded>();
        Assert.Equal(Readings.Length, sent.Count);
        Assert.All(sent, s => Assert.Equal(((Reading)s.Value!).At, s.Timestamp));

        var failure = await Assert.ThrowsAsync<AgentFailedException>(() => test.PutAsync("s1", new Reading("s1", default, 1), T0).AsTask());
        Assert.Contains("has no usable event time: No usable event time: Reading.At", failure.Message, StringComparison.Ordinal);
    }

    private static Window Minute(int index) => new(T0.AddMinutes(index).ToUnixTimeMilliseconds(), T0.AddMinutes(index + 1).ToUnixTimeMilliseconds());

    /// <summary>One app on the embedded log in a temporary folder, its agent's worker run on the test's thread.</summary>
    private sealed class EventTimeRun : IAsyncDisposable
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-evt-" + Guid.NewGuid().ToString("N"));
        private readonly ServiceProvider _services;
        private AgentWorker? _worker;

        public EventTimeRun(AppModel model, ErrorPolicy policy = ErrorPolicy.Stop)
        {
            var options = new FaustishOptions
            {
                AppId = AppId,
                DataDirectory = _directory,
                ErrorPolicy = policy,
                PollTimeout = TimeSpan.FromMilliseconds(20),
                CommitInterval = TimeSpan.FromMilliseconds(50),
            };
            options.Validate(AppId);
            Runtime = new FaustishRuntime(options, model, NullLoggerFactory.Instance);
            _services = new ServiceCollection().AddSingleton(Log).BuildServiceProvider();
        }

        public FaustishRuntime Runtime { get; }

        public EventTimeLog Log { get; } = new();

        public async Task StartAsync()
        {
            await Runtime.EnsureTopicsAsync(CancellationToken.None);
            _worker = Runtime.CreateWorkers(_services).Single();
            _worker.Start(CancellationToken.None);
        }

        /// <summary>
        /// Sends readings at the given times, each with a record timestamp an hour later and going back 7 s per record (so
        /// the records' timestamps disagree with the values' in hour and in order); value i for the i-th. With
        /// <paramref name="badAt"/>, a reading of sensor s1 with no time (default) goes before that index; returns its
        /// partition and offset.
        /// </summary>
        public (int Partition, long Offset) SendReadings(IEnumerable<(string Sensor, DateTimeOffset At)> readings, int? badAt = null)
        {
            var bad = (Partition: -1, Offset: -1L);
            var perPartition = new int[EvtReadings.Definition.Partitions];
            var sender = Runtime.CreateSender();
            using var producer = sender.Producer;
            var i = 0;
            foreach (var (sensor, at) in readings)
            {
                if (i == badAt)
                {
                    var partition = KafkaPartitioner.Partition(Encoding.UTF8.GetBytes("s1"), perPartition.Length);
                    bad = (partition, perPartition[partition]++);
                    sender.Send(EvtReadings.Definition, "s1", new Reading("s1", default, -1), T0.AddHours(1));
                }

                perPartition[KafkaPartitioner.Partition(Encoding.UTF8.GetBytes(sensor), perPartition.Length)]++;
                sender.Send(EvtReadings.Definition, sensor, new Reading(sensor, at, i), T0.AddHours(1).AddSeconds(-7 * i));
                i++;
            }

            producer.Flush(CancellationToken.None);
            return bad;
        }

        /// <summary>
        /// Runs the worker until it has completed <paramref name="records"/> records (60 s at most), then stops it (a last
        /// commit) — also when it failed, as the host does (<c>FaustishWorkerService</c>: Stop, then Dispose).
        /// </summary>
        public void RunUntilProcessed(long records)
        {
            var worker = _worker ?? throw new InvalidOperationException("Start first.");
            _worker = null;
            var deadline = Stopwatch.StartNew();
            try
            {
                while (worker.Processed < records)
                {
                    Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"the worker processed {worker.Processed} of {records} records in 60 s");
                    worker.RunOnce();
                }
            }
            finally
            {
                try
                {
                    worker.Stop();
                }
                finally
                {
                    worker.Dispose();
                }
            }
        }

        public List<(Window Window, long Value)> Windows(WindowedTableDefinition<string, long> table, string key)
        {
            var shards = Runtime.ReadTable(table, CancellationToken.None);
            try
            {
                return [.. shards.Cast<WindowedTableShard<string, long>>().SelectMany(s => s.Windows(key)).Select(w => (w.Window, w.Value)).OrderBy(w => w.Window.StartMs)];
            }
            finally
            {
                foreach (var shard in shards)
                {
                    shard.Dispose();
                }
            }
        }

        public List<(string Key, Reading Value, long TimestampMs)> ReadTopic(Faustish.Topics.TopicDefinition<string, Reading> topic)
        {
            var records = new List<(string, Reading, long)>();
            foreach (var (batch, i) in ReadAll(topic.Name, topic.Partitions))
            {
                ref readonly var record = ref batch[i];
                records.Add((topic.KeyCodec.Read(batch.KeyOf(in record)), topic.ValueCodec.Read(batch.ValueOf(in record)), record.TimestampMs));
            }

            return records;
        }

        public List<Letter> DeadLetters() =>
            [.. ReadAll(Runtime.Options.DeadLetterTopic, 1).Select(r => new Letter(r.Batch.ValueOf(r.Batch[r.Index]).ToArray(), r.Batch.HeadersOf(r.Batch[r.Index])))];

        public long? Committed(AgentDefinition agent, TopicPartition partition) =>
            ((EmbeddedTransport)Runtime.Transport).FindGroup(agent.GroupId(AppId))?.Committed(partition);

        /// <summary>Every record of a topic, partition by partition (each batch copied, so the records stay readable).</summary>
        private IEnumerable<(RecordBatch Batch, int Index)> ReadAll(string topic, int partitions)
        {
            if (Runtime.Transport.GetPartitionCount(topic) is null)
            {
                yield break;
            }

            for (var partition = 0; partition < partitions; partition++)
            {
                using var reader = Runtime.Transport.OpenReader(new TopicPartition(topic, partition), Offsets.Beginning);
                while (true)
                {
                    var batch = new RecordBatch();
                    if (!reader.Fetch(batch, 1000, TimeSpan.FromMilliseconds(50), CancellationToken.None))
                    {
                        break;
                    }

                    for (var i = 0; i < batch.Count; i++)
                    {
                        yield return (batch, i);
                    }
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_worker is { } worker)
            {
                worker.Stop();
                worker.Dispose();
            }

            await _services.DisposeAsync();
            await Runtime.DisposeAsync();
            if (Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
    }

    private sealed record Letter(byte[] Value, IReadOnlyList<RecordHeader> Headers)
    {
        public string Header(string name) => Headers.Last(h => h.Name == name).ValueAsString();
    }
}
