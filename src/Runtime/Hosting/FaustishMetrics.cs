using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;

namespace Faustish.Hosting;

/// <summary>
/// The app's metrics, on meter <c>Faustish</c> (OpenTelemetry and Prometheus exporters subscribe by that name).
/// Counters are added per batch, not per record, to stay off the hot path.
/// </summary>
public sealed class FaustishMetrics : System.IDisposable
{
    public const string MeterName = "Faustish";

    private readonly Meter _meter = new(MeterName, "0.1.0");

    /// <summary>This instance's meter (tests listen to one app's instruments among the process's others).</summary>
    internal Meter Meter => _meter;
    private long _restoreRemaining;
    private Transport.ITransportHealth? _transport;
    private Func<IEnumerable<Measurement<long>>>? _lag;
    private Func<int>? _stalled;
    private long _lateEvents;
    private long _deadLettered;

    public FaustishMetrics()
    {
        RecordsProcessed = _meter.CreateCounter<long>("faustish.records.processed", "{record}", "Records agents completed.");
        RecordsDeadLettered = _meter.CreateCounter<long>("faustish.records.dead_lettered", "{record}", "Records sent to the dead-letter topic.");
        Commits = _meter.CreateCounter<long>("faustish.commits", "{commit}", "Commits of outputs, changelogs and positions.");
        RecordsRestored = _meter.CreateCounter<long>("faustish.table.records_restored", "{record}", "Changelog records replayed into tables.");
        WindowLateEvents = _meter.CreateCounter<long>("faustish.window.late_events", "{event}",
            "Events that came after a window of a windowed table closed (tag: table); dropped or dead-lettered.");
        JoinSkippedRecords = _meter.CreateCounter<long>("faustish.join.skipped_records", "{record}",
            "Records a stream–stream join could not join (no value), logged with their coordinates (tag: agent).");
        Restores = _meter.CreateCounter<long>("faustish.table.restores", "{restore}",
            "Table partition restores, tagged source=checkpoint (a local checkpoint plus the changelog after it) or source=changelog (a full replay).");
        Checkpoints = _meter.CreateCounter<long>("faustish.table.checkpoints", "{checkpoint}", "Local checkpoints taken by table stores.");
        CheckpointPause = _meter.CreateHistogram<double>("faustish.table.checkpoint_pause", "ms",
            "Time a worker spent beginning its stores' interval checkpoints (they complete in the background), per interval.");
        StandbyRecords = _meter.CreateCounter<long>("faustish.table.standby_records", "{record}",
            "Changelog records applied by standby replicas (warm copies of partitions other processes own; they never process input).");
        CommitDuration = _meter.CreateHistogram<double>("faustish.commit.duration", "ms",
            "Time a commit took: outputs and changelogs flushed, then positions committed (or the transaction committed).");
        _meter.CreateObservableGauge("faustish.partition.lag", () => Volatile.Read(ref _lag)?.Invoke() ?? [], "{record}",
            "Records of an input partition not yet processed by this process (tags: topic, partition, agent): the partition's end minus the position processed.");
        _meter.CreateObservableGauge("faustish.partition.stalled", () => Volatile.Read(ref _stalled)?.Invoke() ?? 0, "{partition}",
            "Partitions with records waiting and no progress for longer than Faustish:StallTimeout (the stall watchdog's reports).");
        _meter.CreateObservableGauge("faustish.table.restore_remaining", () => Volatile.Read(ref _restoreRemaining), "{offset}",
            "Changelog offsets left to replay by the restores under way (record offsets, one per record, on every transport).");
        _meter.CreateObservableGauge("faustish.transport.brokers_unavailable", () => Volatile.Read(ref _transport)?.BrokersUnavailable == true ? 1 : 0, "{state}",
            "1 while the transport can reach no broker (Kafka: every broker down or unreachable; it keeps retrying), else 0.");
        _meter.CreateObservableCounter("faustish.transport.outages", () => Volatile.Read(ref _transport)?.Outages ?? 0, "{outage}",
            "Times the transport lost every broker since the app started.");
    }

    public Counter<long> RecordsProcessed { get; }

    public Counter<long> RecordsDeadLettered { get; }

    public Counter<long> Commits { get; }

    public Counter<long> RecordsRestored { get; }

    public Counter<long> WindowLateEvents { get; }

    public Counter<long> JoinSkippedRecords { get; }

    public Counter<long> Restores { get; }

    public Counter<long> Checkpoints { get; }

    public Histogram<double> CheckpointPause { get; }

    public Counter<long> StandbyRecords { get; }

    public Histogram<double> CommitDuration { get; }

    /// <summary>Late window events since the app started (the <c>faustish.window.late_events</c> counter's total).</summary>
    internal long LateEvents => Interlocked.Read(ref _lateEvents);

    /// <summary>Records dead-lettered since the app started (the <c>faustish.records.dead_lettered</c> counter's total).</summary>
    internal long DeadLettered => Interlocked.Read(ref _deadLettered);

    internal void CountJoinSkipped(string agent) => JoinSkippedRecords.Add(1, new KeyValuePair<string, object?>("agent", agent));

    internal void CountLateEvent(string table)
    {
        Interlocked.Increment(ref _lateEvents);
        WindowLateEvents.Add(1, new KeyValuePair<string, object?>("table", table));
    }

    internal void CountDeadLettered()
    {
        Interlocked.Increment(ref _deadLettered);
        RecordsDeadLettered.Add(1);
    }

    /// <summary>Makes the lag and stall gauges read the running workers (set by the runtime).</summary>
    internal void ObserveProgress(Func<IEnumerable<Measurement<long>>> lag, Func<int> stalled)
    {
        Volatile.Write(ref _lag, lag);
        Volatile.Write(ref _stalled, stalled);
    }

    /// <summary>Changelog offsets left to replay by the restores under way (the <c>faustish.table.restore_remaining</c> gauge).</summary>
    public long RestoreRemaining => Volatile.Read(ref _restoreRemaining);

    /// <summary>Whether the transport can reach no broker right now (the <c>faustish.transport.brokers_unavailable</c> gauge).</summary>
    public bool BrokersUnavailable => Volatile.Read(ref _transport)?.BrokersUnavailable == true;

    /// <summary>Times the transport lost every broker (the <c>faustish.transport.outages</c> counter).</summary>
    public long TransportOutages => Volatile.Read(ref _transport)?.Outages ?? 0;

    /// <summary>Makes the transport gauges read <paramref name="transport"/> (null for a transport without brokers).</summary>
    internal void ObserveTransport(Transport.ITransportHealth? transport) => Volatile.Write(ref _transport, transport);

    /// <summary>Moves the <c>faustish.table.restore_remaining</c> gauge.</summary>
    internal void AddRestoreRemaining(long delta) => Interlocked.Add(ref _restoreRemaining, delta);

    public void Dispose() => _meter.Dispose();
}
