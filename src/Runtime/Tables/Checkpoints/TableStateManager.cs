using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using Faustish.Hosting;
using Faustish.Tables.Faster;
using Faustish.Transport;
using Microsoft.Extensions.Logging;

namespace Faustish.Tables;

/// <summary>Where a restored table partition's state came from.</summary>
public enum RestoreSource
{
    /// <summary>A local checkpoint, plus the changelog records after the offset it covers.</summary>
    Checkpoint,

    /// <summary>A full replay of the changelog into an empty store.</summary>
    Changelog,
}

/// <summary>What one table partition's restore did.</summary>
/// <param name="Table">Table name.</param>
/// <param name="Partition">Table partition.</param>
/// <param name="Source">Checkpoint plus tail, or full replay.</param>
/// <param name="CheckpointSequence">The checkpoint loaded, if any.</param>
/// <param name="FromOffset">The changelog offset replay started at (<see cref="Offsets.Beginning"/> for a full replay).</param>
/// <param name="EndOffset">The changelog's high watermark when the restore began.</param>
/// <param name="RecordsReplayed">Changelog records applied to the store.</param>
/// <param name="Elapsed">How long the restore took, checkpoint loading included.</param>
/// <param name="Reason">Why this source: in words, for people.</param>
public sealed record ShardRestore(string Table, int Partition, RestoreSource Source, long? CheckpointSequence, long FromOffset, long EndOffset,
    long RecordsReplayed, TimeSpan Elapsed, string Reason);

/// <summary>
/// Restores a worker's table partitions and checkpoints them. A restore loads the newest valid local checkpoint and
/// replays only the changelog after the offset it covers; a damaged or unusable checkpoint falls back to the previous
/// one, then to a full replay into an empty store, each with a log line saying which and why. Checkpoints are taken
/// after commits (so the store holds exactly the changelog up to the offset recorded), on an interval and when a
/// partition is released in an orderly way. Used on the worker's thread only. Interval checkpoints do not stop the worker:
/// each store's checkpoint is begun (a version change in FASTER, microseconds) and completes in the background; the
/// worker learns the outcome at a later <see cref="CheckpointIfDue"/>.
/// </summary>
public sealed class TableStateManager
{
    private readonly ITransport _transport;
    private readonly FaustishOptions _options;
    private readonly FaustishMetrics _metrics;
    private readonly ILogger _logger;
    private readonly List<Entry> _entries = [];
    private readonly RecordBatch _sourceBatch = new(512, 64 * 1024);
    private readonly List<ShardRestore> _restores = [];
    private long _nextCheckpointTicks;
    private bool _warnedAboutBudget;

    public TableStateManager(ITransport transport, FaustishOptions options, FaustishMetrics metrics, ILogger logger, StoreMemoryBudget? budget = null)
    {
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        Budget = budget ?? new StoreMemoryBudget(options.StoreMemoryBytes);
        _nextCheckpointTicks = Stopwatch.GetTimestamp() + ToTicks(options.CheckpointInterval);
    }

    /// <summary>The memory budget the stores opened through <see cref="StoreOptionsFor"/> share.</summary>
    public StoreMemoryBudget Budget { get; }

    /// <summary>Every restore done so far, oldest first (tests and tools read the records replayed here).</summary>
    public IReadOnlyList<ShardRestore> Restores => _restores;

    /// <summary>Checkpoints taken so far.</summary>
    public long CheckpointsTaken { get; private set; }

    /// <summary>Where and how a table partition's store lives: its own folder, the shared budget, with checkpoints.</summary>
    public StoreOptions StoreOptionsFor(TableDefinition table, int partition)
    {
        ArgumentNullException.ThrowIfNull(table);
        var directory = Path.Combine(TableDirectory(_options, table), partition.ToString(CultureInfo.InvariantCulture));
        return new StoreOptions(directory, _options.StoreMemoryBytes) { Budget = Budget, Checkpoints = true };
    }

    /// <summary>
    /// The folder of a table's stores: <c>{DataDirectory}/state/{AppId}/{table}</c>. Under the app's id because apps
    /// share a data directory when they share the embedded log, and each app's table has its own changelog: another
    /// app's table of the same name must neither read nor delete this one's checkpoints.
    /// </summary>
    internal static string TableDirectory(FaustishOptions options, TableDefinition table)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(table);
        return Path.Combine(options.DataDirectory, "state", options.AppId, table.Name);
    }

    /// <summary>
    /// Restores <paramref name="shard"/> (just opened, empty) from its newest valid checkpoint and the changelog after
    /// it, or from the whole changelog, blocking until done, and keeps it for checkpoints until <see cref="Release"/>.
    /// Returns the number of changelog records replayed. Workers use <see cref="BeginRestore"/> instead.
    /// </summary>
    public long Restore(ITableShard shard, TopicPartition changelog, CancellationToken cancellationToken)
    {
        using var restore = BeginRestore(shard, changelog);
        while (!restore.Step(TimeSpan.FromSeconds(1), cancellationToken))
        {
        }

        return restore.Applied;
    }

    /// <summary>
    /// Starts restoring <paramref name="shard"/> (just opened, empty): loads its newest valid checkpoint now and
    /// returns the replay of the changelog after it (or of the whole changelog), to be run in steps between polls.
    /// Once complete, the shard is kept for checkpoints until <see cref="Release"/>.
    /// </summary>
    /// <param name="shard">The shard, just opened.</param>
    /// <param name="changelog">Its changelog partition.</param>
    /// <param name="committedEnd">
    /// Where the committed changelog ends when the caller knows better than the high watermark: an exactly-once worker
    /// that aborted a transaction restores up to the end of its last commit (what follows is its aborted work).
    /// </param>
    public TableRestore BeginRestore(ITableShard shard, TopicPartition changelog, long? committedEnd = null)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var started = Stopwatch.GetTimestamp();
        var table = shard.Definition.Name;
        var watermarks = _transport.GetWatermarks(changelog);

        var store = shard.LocalCheckpoints;
        var choice = store is null
            ? new Choice(Offsets.Beginning, null, "its store keeps no local checkpoints")
            : ChooseCheckpoint(table, shard.Partition, store, watermarks);

        var first = choice.From == Offsets.Beginning ? watermarks.Low : choice.From;
        // A partitioned table fed by a topic restores only its checkpoint: the topic's records after it are applied by
        // its agent partition in time order with the agent's own (an event sees the table as of its time; records the
        // worker had applied before are applied again, which a table of latest values takes as it is).
        var end = shard.Definition.Source is not null && !shard.Definition.IsGlobal ? first
            : committedEnd is { } committed ? Math.Clamp(committed, first, watermarks.High) : watermarks.High;
        // Nothing to replay (an empty changelog, or a checkpoint at its end): no reader, so no client to open and close.
        var inner = first >= end ? new NothingToReplay(first) : _transport.OpenReader(changelog, choice.From);
        var reader = new ProgressReader(inner, this, table, shard.Partition, first, end);
        return new TableRestore(this, new ChangelogRestore(shard, reader, end), changelog, choice, started);
    }

    /// <summary>
    /// Loads <paramref name="shard"/>'s (just opened, empty) newest valid checkpoint, as a restore would, and returns the
    /// changelog offset to follow from (<see cref="Offsets.Beginning"/> without one) and why. For standby replicas,
    /// which follow the changelog from there for as long as they are kept.
    /// </summary>
    internal (long From, string Reason) LoadCheckpoint(ITableShard shard, TopicPartition changelog)
    {
        ArgumentNullException.ThrowIfNull(shard);
        if (shard.LocalCheckpoints is not { } store)
        {
            return (Offsets.Beginning, "its store keeps no local checkpoints");
        }

        var choice = ChooseCheckpoint(shard.Definition.Name, shard.Partition, store, _transport.GetWatermarks(changelog));
        return (choice.From, choice.Sequence is { } sequence ? $"checkpoint {sequence}, {choice.Reason}" : choice.Reason);
    }

    private void Completed(TableRestore restore)
    {
        var shard = restore.Shard;
        var table = shard.Definition.Name;
        var choice = restore.Choice;
        var records = restore.Applied;
        var elapsed = Stopwatch.GetElapsedTime(restore.Started);
        var source = choice.Sequence is null ? RestoreSource.Changelog : RestoreSource.Checkpoint;
        _restores.Add(new ShardRestore(table, shard.Partition, source, choice.Sequence, choice.From, restore.EndOffset, records, elapsed, choice.Reason));
        _metrics.Restores.Add(1, new KeyValuePair<string, object?>("source", source == RestoreSource.Checkpoint ? "checkpoint" : "changelog"));
        _metrics.RecordsRestored.Add(records);
        if (source == RestoreSource.Checkpoint)
        {
            // Per table partition: detail (Debug); the agent logs one line per restored partition at Information.
            _logger.LogDebug("{Table}[{Partition}] restored from checkpoint {Sequence} ({Reason}) plus {Records:N0} changelog records after offset {Offset} in {Elapsed:F0} ms",
                table, shard.Partition, choice.Sequence, choice.Reason, records, choice.From, elapsed.TotalMilliseconds);
        }
        else
        {
            _logger.LogDebug("{Table}[{Partition}] restored by a full replay of {Records:N0} changelog records ({Reason}) in {Elapsed:F0} ms",
                table, shard.Partition, records, choice.Reason, elapsed.TotalMilliseconds);
        }

        if (shard.LocalCheckpoints is not null && !_warnedAboutBudget && !Budget.ShareIsComfortable)
        {
            _warnedAboutBudget = true;
            _logger.LogWarning("StoreMemoryBytes ({Budget:N0} bytes) leaves each of the {Stores} open stores only {Share:N0} bytes ({Pages} pages): they evict on nearly every write. Raise Faustish:StoreMemoryBytes.",
                Budget.TotalBytes, Budget.Stores, Budget.ShareBytes, Budget.ShareBytes / Budget.PageSizeBytes);
        }

        // A full replay that applied nothing left the store empty, as a restart's replay would again: that counts as a
        // checkpoint where the replay stopped, so an idle table writes no checkpoint (its index alone is 4 MiB) until its
        // changelog moves.
        var checkpointOffset = choice.Sequence is not null ? choice.From : records == 0 ? restore.Position : long.MinValue;
        var entry = new Entry(shard, restore.Changelog) { CheckpointOffset = checkpointOffset };
        if (shard.Definition.Source is not null)
        {
            // A table fed by a topic goes on following it from where the restore stopped: its agent partition's timed
            // inputs apply the follower's records in time order with the agent's (see FollowerOf).
            entry.Follower = _transport.OpenReader(restore.Changelog, restore.Position);
        }

        LogUndecodable(entry);
        _entries.Add(entry);
    }

    /// <summary>
    /// The reader that follows the source topic of <paramref name="shard"/> (a table fed by a topic, restored), or null.
    /// <paramref name="appliedPosition"/> tells checkpoints how far its records are applied (a reader fetches ahead).
    /// </summary>
    internal IPartitionReader? FollowerOf(ITableShard shard, Func<long> appliedPosition)
    {
        foreach (var entry in _entries)
        {
            if (ReferenceEquals(entry.Shard, shard) && entry.Follower is { } follower)
            {
                entry.AppliedPosition = appliedPosition;
                return follower;
            }
        }

        return null;
    }

    /// <summary>Logs the records of a source topic a table partition left out since the last time (not silently).</summary>
    private void LogUndecodable(Entry entry)
    {
        var count = entry.Shard.UndecodableRecords;
        if (count == entry.UndecodableLogged)
        {
            return;
        }

        _logger.LogError("Table '{Table}'[{Partition}] left out {Count} record(s) of its source topic that do not decode (last: {Last}); their keys keep their previous values. Fix what produces them.",
            entry.Shard.Definition.Name, entry.Shard.Partition, count - entry.UndecodableLogged, entry.Shard.LastUndecodable);
        entry.UndecodableLogged = count;
    }

    /// <summary>
    /// A restore stopped before its end (its partition was revoked): checkpoint what it applied, so that the next restore
    /// of the partition, here, starts from there instead of from the beginning.
    /// </summary>
    private void Interrupted(TableRestore restore)
    {
        var shard = restore.Shard;
        var table = shard.Definition.Name;
        var position = restore.Position;
        var store = shard.LocalCheckpoints;
        if (store is null || restore.Applied == 0)
        {
            _logger.LogInformation("{Table}[{Partition}] restore stopped at changelog offset {Position} of {End}: its partition was taken away",
                table, shard.Partition, position, restore.EndOffset);
            return;
        }

        try
        {
            var manifest = store.Checkpoint(position, _options.CheckpointsKept);
            CheckpointsTaken++;
            _metrics.Checkpoints.Add(1);
            _logger.LogInformation("{Table}[{Partition}] restore stopped at changelog offset {Position} of {End}: its partition was taken away; checkpoint {Sequence} keeps the progress for the next restore",
                table, shard.Partition, position, restore.EndOffset, manifest.Sequence);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogWarning(e, "{Table}[{Partition}] restore stopped at changelog offset {Position}; its progress could not be checkpointed, the next restore starts over",
                table, shard.Partition, position);
        }
    }

    /// <summary>
    /// Checkpoints every store that changed since its last checkpoint, when <see cref="FaustishOptions.CheckpointInterval"/>
    /// has passed. Call right after a commit: the changelogs are flushed and no write is pending.
    /// </summary>
    public void CheckpointIfDue()
    {
        foreach (var entry in _entries)
        {
            Reap(entry, wait: false);
        }

        if (_entries.Count == 0 || Stopwatch.GetTimestamp() < _nextCheckpointTicks)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        _nextCheckpointTicks = started + ToTicks(_options.CheckpointInterval);
        foreach (var entry in _entries)
        {
            if (entry.InFlight is null)
            {
                Checkpoint(entry, wait: false);
            }
        }

        _metrics.CheckpointPause.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>
    /// Checkpoints every store that changed since its last checkpoint now, whatever the interval, and waits until the
    /// checkpoints are on disk. Call right after a commit.
    /// </summary>
    public void CheckpointNow()
    {
        _nextCheckpointTicks = Stopwatch.GetTimestamp() + ToTicks(_options.CheckpointInterval);
        foreach (var entry in _entries)
        {
            Checkpoint(entry, wait: true);
        }
    }

    /// <summary>
    /// Forgets the table partitions of <paramref name="partition"/> before they are disposed; with
    /// <paramref name="checkpoint"/> (an orderly release, after a commit) checkpoints them first.
    /// </summary>
    public void Release(int partition, bool checkpoint)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            var entry = _entries[i];
            if (entry.Shard.Partition != partition)
            {
                continue;
            }

            if (checkpoint)
            {
                Checkpoint(entry, wait: true);
            }
            else
            {
                Reap(entry, wait: true);
            }

            entry.Follower?.Dispose();
            _entries.RemoveAt(i);
        }
    }

    private Choice ChooseCheckpoint(string table, int partition, ICheckpointableStore store, Watermarks watermarks)
    {
        var candidates = store.ListCheckpoints();
        if (candidates.Count == 0)
        {
            store.Reset();
            _logger.LogDebug("{Table}[{Partition}] has no local checkpoint: replaying its whole changelog", table, partition);
            return new Choice(Offsets.Beginning, null, "no local checkpoint");
        }

        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            var problem = candidate.Problem;
            if (problem is null && candidate.Manifest is { } manifest)
            {
                if (manifest.ChangelogOffset > watermarks.High)
                {
                    problem = $"it covers the changelog up to offset {manifest.ChangelogOffset}, beyond the changelog's end ({watermarks.High}): the changelog lost records or was recreated";
                }
                else if (manifest.ChangelogOffset < watermarks.Low)
                {
                    problem = $"it covers the changelog up to offset {manifest.ChangelogOffset}, but the changelog now starts at {watermarks.Low}: the records in between are gone";
                }
                else
                {
                    try
                    {
                        store.RecoverFrom(manifest);
                        // Newer checkpoints are unusable, and their files would be overwritten as the store moves on.
                        for (var newer = 0; newer < i; newer++)
                        {
                            store.DeleteCheckpoint(candidates[newer]);
                        }

                        var reason = i == 0 ? "the newest" : $"the newest usable, after {i} unusable newer one(s)";
                        return new Choice(manifest.ChangelogOffset, manifest.Sequence, reason);
                    }
                    catch (InvalidDataException e)
                    {
                        problem = e.Message;
                    }
                    catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
                    {
                        problem = $"FASTER could not recover it ({e.GetType().Name}: {e.Message})";
                    }
                }
            }

            _logger.LogWarning("Checkpoint {Sequence} of {Table}[{Partition}] is unusable: {Problem}; {Next}", candidate.Sequence, table, partition,
                problem ?? "its manifest is unreadable", i + 1 < candidates.Count ? "trying the previous checkpoint" : "falling back to a full replay of the changelog");
        }

        store.Reset();
        return new Choice(Offsets.Beginning, null, $"all {candidates.Count} local checkpoint(s) unusable");
    }

    /// <summary>Begins a checkpoint of the entry's store; with <paramref name="wait"/>, also waits for it to be on disk.</summary>
    private void Checkpoint(Entry entry, bool wait)
    {
        Reap(entry, wait: true);
        var store = entry.Shard.LocalCheckpoints;
        if (store is null)
        {
            return;
        }

        var table = entry.Shard.Definition.Name;
        if (entry.Shard.PendingWrites > 0)
        {
            // Only a store that equals its changelog up to an offset can be checkpointed; the next commit flushes these.
            _logger.LogDebug("{Table}[{Partition}] has {Pending} unflushed writes: no checkpoint now", table, entry.Shard.Partition, entry.Shard.PendingWrites);
            return;
        }

        try
        {
            // A changelog ends where the store stands after a commit; a source topic goes on growing, and the store
            // stands where its follower is.
            var offset = entry.AppliedPosition?.Invoke() ?? entry.Follower?.Position ?? _transport.GetWatermarks(entry.Changelog).High;
            if (offset == entry.CheckpointOffset)
            {
                return;
            }

            entry.InFlight = store.BeginCheckpoint(offset, _options.CheckpointsKept);
            entry.InFlightOffset = offset;
            entry.InFlightStarted = Stopwatch.GetTimestamp();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The changelog still holds everything: a restart replays more, nothing is lost.
            _logger.LogWarning(e, "{Table}[{Partition}] could not take a checkpoint; a restart will replay more of the changelog", table, entry.Shard.Partition);
            return;
        }

        if (wait)
        {
            Reap(entry, wait: true);
        }
    }

    /// <summary>Records the outcome of the entry's checkpoint in flight once it is complete (with <paramref name="wait"/>, waits for it).</summary>
    private void Reap(Entry entry, bool wait)
    {
        if (entry.InFlight is not { } checkpoint || (!wait && !checkpoint.IsCompleted))
        {
            return;
        }

        entry.InFlight = null;
        var table = entry.Shard.Definition.Name;
        try
        {
            var manifest = entry.Shard.LocalCheckpoints is { } store ? store.EndCheckpoint(checkpoint) : checkpoint.GetAwaiter().GetResult();
            entry.CheckpointOffset = entry.InFlightOffset;
            CheckpointsTaken++;
            _metrics.Checkpoints.Add(1);
            _logger.LogDebug("{Table}[{Partition}] checkpoint {Sequence} covers the changelog up to offset {Offset} ({Elapsed:F0} ms)",
                table, entry.Shard.Partition, manifest.Sequence, entry.InFlightOffset, Stopwatch.GetElapsedTime(entry.InFlightStarted).TotalMilliseconds);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The changelog still holds everything: a restart replays more, nothing is lost.
            _logger.LogWarning(e, "{Table}[{Partition}] could not take a checkpoint; a restart will replay more of the changelog", table, entry.Shard.Partition);
        }
    }

    private static long ToTicks(TimeSpan interval) => (long)Math.Min(interval.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 4);

    internal sealed record Choice(long From, long? Sequence, string Reason);

    /// <summary>
    /// One table partition's restore in progress: a checkpoint already loaded and the changelog replay after it, run in
    /// steps by its worker between polls. Disposing an unfinished restore (its partition was revoked) checkpoints the
    /// progress when <see cref="Stop"/> asked for it.
    /// </summary>
    public sealed class TableRestore : IDisposable
    {
        private readonly TableStateManager _owner;
        private readonly ChangelogRestore _replay;
        private bool _finished;

        internal TableRestore(TableStateManager owner, ChangelogRestore replay, TopicPartition changelog, Choice choice, long started)
        {
            _owner = owner;
            _replay = replay;
            Changelog = changelog;
            Choice = choice;
            Started = started;
        }

        public ITableShard Shard => _replay.Shard;

        public TopicPartition Changelog { get; }

        /// <summary>The changelog offset the replay stops at.</summary>
        public long EndOffset => _replay.EndOffset;

        /// <summary>The changelog offset of the next record to apply.</summary>
        public long Position => _replay.Position;

        /// <summary>Changelog records applied so far.</summary>
        public long Applied => _replay.Applied;

        public bool IsComplete => _replay.IsComplete;

        /// <summary>How long the replay's position has not moved.</summary>
        public TimeSpan SinceProgress => _replay.SinceProgress;

        internal Choice Choice { get; }

        internal long Started { get; }

        /// <summary>Replays for at most <paramref name="budget"/>; returns true once the shard is restored.</summary>
        public bool Step(TimeSpan budget, CancellationToken cancellationToken)
        {
            if (!_replay.Step(budget, cancellationToken))
            {
                return false;
            }

            if (!_finished)
            {
                _finished = true;
                _owner.Completed(this);
            }

            return true;
        }

        /// <summary>
        /// Stops an unfinished restore; with <paramref name="keepProgress"/> (an orderly revoke) checkpoints what it
        /// applied, so that a later restore of the partition on this process resumes from there.
        /// </summary>
        public void Stop(bool keepProgress)
        {
            if (!_finished && keepProgress)
            {
                _owner.Interrupted(this);
            }

            _finished = true;
            _replay.Dispose();
        }

        public void Dispose() => _replay.Dispose();
    }

    private sealed class Entry(ITableShard shard, TopicPartition changelog)
    {
        public ITableShard Shard { get; } = shard;

        public TopicPartition Changelog { get; } = changelog;

        /// <summary>The changelog offset the newest checkpoint covers (<see cref="long.MinValue"/> before any).</summary>
        public long CheckpointOffset { get; set; }

        /// <summary>A checkpoint begun and not yet reaped: it completes in the background.</summary>
        public System.Threading.Tasks.Task<CheckpointManifest>? InFlight { get; set; }

        /// <summary>The changelog offset <see cref="InFlight"/> covers.</summary>
        public long InFlightOffset { get; set; }

        /// <summary>When <see cref="InFlight"/> began (<see cref="Stopwatch"/> ticks).</summary>
        public long InFlightStarted { get; set; }

        /// <summary>The reader that keeps a table fed by a topic up to date, from where its restore stopped; null otherwise.</summary>
        public IPartitionReader? Follower { get; set; }

        /// <summary>How far the follower's records are applied, when something else applies them (the partition's timed inputs).</summary>
        public Func<long>? AppliedPosition { get; set; }

        /// <summary>How many of the shard's undecodable source records were logged already.</summary>
        public long UndecodableLogged { get; set; }
    }

    /// <summary>The reader of a replay that has nothing to read: it stands at the changelog's end already.</summary>
    private sealed class NothingToReplay(long position) : IPartitionReader
    {
        public long Position { get; } = position;

        public bool Fetch(RecordBatch batch, int maxRecords, TimeSpan timeout, CancellationToken cancellationToken) => false;

        public void Dispose()
        {
        }
    }

    /// <summary>Counts a restore's progress, moves the remaining-offsets gauge and logs progress every few seconds.</summary>
    private sealed class ProgressReader : IPartitionReader
    {
        private readonly IPartitionReader _inner;
        private readonly TableStateManager _owner;
        private readonly string _table;
        private readonly int _partition;
        private readonly long _first;
        private readonly long _end;
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _nextReport;
        private long _remaining;
        private long _records;

        public ProgressReader(IPartitionReader inner, TableStateManager owner, string table, int partition, long first, long end)
        {
            _inner = inner;
            _owner = owner;
            _table = table;
            _partition = partition;
            _first = first;
            _end = end;
            _remaining = Math.Max(0, end - first);
            _owner._metrics.AddRestoreRemaining(_remaining);
            _nextReport = _started + ToTicks(owner._options.RestoreProgressInterval);
        }

        public long Position => _inner.Position;

        public bool Fetch(RecordBatch batch, int maxRecords, TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (!_inner.Fetch(batch, maxRecords, timeout, cancellationToken))
            {
                return false;
            }

            _records += batch.Count;
            var remaining = Math.Max(0, _end - _inner.Position);
            _owner._metrics.AddRestoreRemaining(remaining - _remaining);
            _remaining = remaining;
            var now = Stopwatch.GetTimestamp();
            if (now >= _nextReport)
            {
                _nextReport = now + ToTicks(_owner._options.RestoreProgressInterval);
                Report(now);
            }

            return true;
        }

        public void Dispose()
        {
            _owner._metrics.AddRestoreRemaining(-_remaining);
            _remaining = 0;
            _inner.Dispose();
        }

        private void Report(long now)
        {
            var total = Math.Max(1, _end - _first);
            var done = Math.Clamp(_inner.Position - _first, 0, total);
            var seconds = Math.Max(1e-3, Stopwatch.GetElapsedTime(_started, now).TotalSeconds);
            var rate = _records / seconds;
            // Compacted changelogs have gaps between offsets: estimate the records left from the ratio so far.
            var recordsLeft = done == 0 ? 0 : (long)((double)_records / done * (total - done));
            var left = rate > 0 ? TimeSpan.FromSeconds(recordsLeft / rate) : TimeSpan.Zero;
            _owner._logger.LogInformation(
                "Restoring {Table}[{Partition}]: {Percent:F0}% of the changelog ({Done:N0} of {Total:N0} offsets), {Records:N0} records replayed at {Rate:N0} records/s; about {RecordsLeft:N0} records and {Left} left",
                _table, _partition, 100.0 * done / total, done, total, _records, rate, recordsLeft,
                left.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture));
        }
    }
}
