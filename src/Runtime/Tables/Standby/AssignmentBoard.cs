using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using Faustish.Transport;
using Microsoft.Extensions.Logging;

namespace Faustish.Tables.Standby;

/// <summary>
/// Who owns what, as each process of an app tells it: a compacted topic <c>{app}-assignments</c> (one partition) where
/// every process publishes, under its process id, the partitions its workers own per agent, whenever they change and
/// as a heartbeat every second; a graceful stop publishes a tombstone. Every process reads the topic and keeps the
/// view that <see cref="StandbyPlacement"/> places standbys from.
/// </summary>
/// <remarks>
/// <para>Why a topic: Confluent.Kafka has no pluggable assignor (Kafka Streams and Faust place standbys in theirs), and
/// the admin API's view of a group does not say which process holds which data directory. The board needs nothing but
/// the transport.</para>
/// <para>Liveness: a process is live while its heartbeats arrive; one not heard from for <see cref="Liveness"/> (killed,
/// cut off) drops out of the view and its standbys are placed elsewhere. The times are this reader's own clock, so
/// clocks of different machines need not agree.</para>
/// <para>The view is advisory: a standby is never served as active. What a process's own workers own always wins over
/// what the view says, and a partition assigned to a worker takes over its standby (checkpointed) first.</para>
/// </remarks>
internal sealed class AssignmentBoard : IDisposable
{
    /// <summary>How often a process repeats its entry.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    /// <summary>How long a process stays in the view without a heartbeat.</summary>
    public static readonly TimeSpan Liveness = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);

    private readonly ITransport _transport;
    private readonly TopicPartition _topic;
    private readonly ILogger _logger;
    private readonly Lock _sync = new();
    private readonly Dictionary<(string Agent, int Worker), int[]> _owned = [];
    private readonly Dictionary<string, (ProcessAssignment Assignment, long HeardTicks)> _others = new(StringComparer.Ordinal);
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly AutoResetEvent _changed = new(false);
    private IReadOnlyDictionary<string, ProcessAssignment> _view;
    private long _version;
    private string? _web;
    private bool _dirty = true;

    /// <param name="transport">Where the board's topic lives.</param>
    /// <param name="appId">The app: the topic is <c>{appId}-assignments</c>.</param>
    /// <param name="processId">This process (<see cref="Hosting.ProcessIdentity"/>).</param>
    /// <param name="logger">Where joins and departures of processes are logged.</param>
    public AssignmentBoard(ITransport transport, string appId, string processId, ILogger logger)
    {
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        ProcessId = processId;
        _topic = new TopicPartition(TopicOf(appId), 0);
        _view = new Dictionary<string, ProcessAssignment>(StringComparer.Ordinal) { [processId] = ProcessAssignment.Empty };
        _thread = new Thread(Run) { IsBackground = true, Name = "faustish-assignment-board" };
        _thread.Start();
    }

    /// <summary>The board's topic of an app.</summary>
    public static string TopicOf(string appId) => $"{appId}-assignments";

    public string ProcessId { get; }

    /// <summary>Live processes (this one included) and what each owns; replaced as a whole when anything changes.</summary>
    public IReadOnlyDictionary<string, ProcessAssignment> View => Volatile.Read(ref _view);

    /// <summary>Grows by one at every change of <see cref="View"/>.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>A worker's partitions of its agent, after every assignment and release. Thread-safe.</summary>
    public void Report(string agent, int worker, IEnumerable<int> partitions)
    {
        var owned = partitions.Order().ToArray();
        lock (_sync)
        {
            if (_owned.TryGetValue((agent, worker), out var before) && before.AsSpan().SequenceEqual(owned))
            {
                return;
            }

            _owned[(agent, worker)] = owned;
            _dirty = true;
            RebuildView();
        }

        _changed.Set();
    }

    /// <summary>This process's web address, published with its partitions so the others' status pages can link to it.</summary>
    public void AdvertiseWeb(string? address)
    {
        lock (_sync)
        {
            if (_web == address)
            {
                return;
            }

            _web = address;
            _dirty = true;
            RebuildView();
        }

        _changed.Set();
    }

    /// <summary>Publishes a tombstone (the process leaves the view of the others at once) and stops.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        _changed.Set();
        _thread.Join(TimeSpan.FromSeconds(30));
        _stop.Dispose();
        _changed.Dispose();
    }

    private void Run()
    {
        IRecordProducer? producer = null;
        IPartitionReader? reader = null;
        var batch = new RecordBatch(256, 64 * 1024);
        var nextHeartbeat = 0L;
        try
        {
            producer = _transport.CreateProducer();
            // From now on only: live processes repeat their entries every heartbeat, and older entries may be of
            // processes long gone (a crashed process leaves no tombstone).
            reader = _transport.OpenReader(_topic, Offsets.End);
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var now = Stopwatch.GetTimestamp();
                    bool publish;
                    lock (_sync)
                    {
                        publish = _dirty || now >= nextHeartbeat;
                        _dirty = false;
                    }

                    if (publish)
                    {
                        Publish(producer, Encode());
                        nextHeartbeat = now + (long)(Heartbeat.TotalSeconds * Stopwatch.Frequency);
                    }

                    while (reader.Fetch(batch, 256, TimeSpan.Zero, _stop.Token))
                    {
                        Read(batch);
                    }

                    Expire();
                }
                catch (Exception e) when (e is not OutOfMemoryException && !_stop.IsCancellationRequested)
                {
                    // The board is advisory: standbys wait (or stay where they are) until it works again. A publish that
                    // timed out (brokers down longer than its bound) is one of these too.
                    _logger.LogWarning(e, "The assignment board ({Topic}) failed: {Reason}; retrying", _topic.Topic, e.Message);
                    _stop.Token.WaitHandle.WaitOne(Heartbeat);
                }

                WaitHandle.WaitAny([_changed, _stop.Token.WaitHandle], Tick);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "The assignment board ({Topic}) stopped: {Reason}; this process places no standbys and forwards no table reads", _topic.Topic, e.Message);
        }
        finally
        {
            if (producer is not null)
            {
                try
                {
                    Publish(producer, null);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    _logger.LogDebug(e, "The assignment board could not publish this process's departure; the others notice within {Liveness}", Liveness);
                }

                producer.Dispose();
            }

            reader?.Dispose();
        }
    }

    private void Publish(IRecordProducer producer, byte[]? value)
    {
        var key = Encoding.UTF8.GetBytes(ProcessId);
        producer.Produce(_topic, key, false, value ?? [], value is null, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        producer.Flush(bounded.Token);
    }

    /// <summary><c>{"agents":{"count-clicks":[0,2]}}</c></summary>
    private byte[] Encode()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("agents");
            lock (_sync)
            {
                foreach (var group in _owned.GroupBy(o => o.Key.Agent, StringComparer.Ordinal))
                {
                    json.WriteStartArray(group.Key);
                    foreach (var partition in group.SelectMany(g => g.Value).Distinct().Order())
                    {
                        json.WriteNumberValue(partition);
                    }

                    json.WriteEndArray();
                }
            }

            json.WriteEndObject();
            lock (_sync)
            {
                if (_web is not null)
                {
                    json.WriteString("web", _web);
                }
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private void Read(RecordBatch batch)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var record = ref batch[i];
            if (record.KeyIsNull)
            {
                continue;
            }

            var process = Encoding.UTF8.GetString(batch.KeyOf(in record));
            if (string.Equals(process, ProcessId, StringComparison.Ordinal))
            {
                continue; // this process's own entry comes from its workers, not from the topic
            }

            lock (_sync)
            {
                if (record.ValueIsNull)
                {
                    if (_others.Remove(process))
                    {
                        _logger.LogInformation("Assignment board: process {Process} left", process);
                        RebuildView();
                    }

                    continue;
                }

                ProcessAssignment assignment;
                try
                {
                    assignment = Decode(batch.ValueOf(in record));
                }
                catch (JsonException e)
                {
                    _logger.LogWarning("Assignment board: the entry of process {Process} at offset {Offset} does not read ({Reason}); ignored", process, record.Offset, e.Message);
                    continue;
                }

                var known = _others.TryGetValue(process, out var before);
                _others[process] = (assignment, Stopwatch.GetTimestamp());
                if (!known)
                {
                    _logger.LogInformation("Assignment board: process {Process} is live ({Owned})", process, Describe(assignment));
                    RebuildView();
                }
                else if (!SameAs(before.Assignment, assignment))
                {
                    RebuildView();
                }
            }
        }
    }

    private void Expire()
    {
        lock (_sync)
        {
            var now = Stopwatch.GetTimestamp();
            List<string>? gone = null;
            foreach (var (process, entry) in _others)
            {
                if (Stopwatch.GetElapsedTime(entry.HeardTicks, now) > Liveness)
                {
                    (gone ??= []).Add(process);
                }
            }

            if (gone is null)
            {
                return;
            }

            foreach (var process in gone)
            {
                _others.Remove(process);
                _logger.LogInformation("Assignment board: process {Process} is not heard from for {Liveness}; it leaves the view", process, Liveness);
            }

            RebuildView();
        }
    }

    /// <summary>Under <see cref="_sync"/>.</summary>
    private void RebuildView()
    {
        var view = new Dictionary<string, ProcessAssignment>(StringComparer.Ordinal);
        foreach (var (process, entry) in _others)
        {
            view[process] = entry.Assignment;
        }

        var own = new Dictionary<string, IReadOnlySet<int>>(StringComparer.Ordinal);
        foreach (var group in _owned.GroupBy(o => o.Key.Agent, StringComparer.Ordinal))
        {
            own[group.Key] = group.SelectMany(g => g.Value).ToHashSet();
        }

        view[ProcessId] = new ProcessAssignment(own, _web);
        Volatile.Write(ref _view, view);
        Interlocked.Increment(ref _version);
    }

    private static ProcessAssignment Decode(ReadOnlySpan<byte> value)
    {
        var reader = new Utf8JsonReader(value);
        using var document = JsonDocument.ParseValue(ref reader);
        var agents = new Dictionary<string, IReadOnlySet<int>>(StringComparer.Ordinal);
        if (document.RootElement.TryGetProperty("agents", out var element) && element.ValueKind == JsonValueKind.Object)
        {
            foreach (var agent in element.EnumerateObject())
            {
                agents[agent.Name] = agent.Value.EnumerateArray().Select(p => p.GetInt32()).ToHashSet();
            }
        }

        var web = document.RootElement.TryGetProperty("web", out var address) && address.ValueKind == JsonValueKind.String ? address.GetString() : null;
        return new ProcessAssignment(agents, web);
    }

    private static bool SameAs(ProcessAssignment a, ProcessAssignment b) =>
        a.Web == b.Web && a.Agents.Count == b.Agents.Count && a.Agents.All(e => b.Agents.TryGetValue(e.Key, out var other) && other.SetEquals(e.Value));

    private static string Describe(ProcessAssignment assignment) =>
        string.Join("; ", assignment.Agents.Select(a => $"{a.Key}: [{string.Join(",", a.Value.Order())}]"));
}
