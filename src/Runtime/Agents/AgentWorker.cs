using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Faustish.Tables;
using Faustish.Transport;
using Microsoft.Extensions.Logging;

namespace Faustish.Agents;

/// <summary>
/// One worker thread of an agent: a group consumer, a producer, and the partitions assigned to it, each with its
/// own agent instance and table partitions. Its loop fetches a batch, runs the generated consumer loop on it,
/// and commits on an interval: changelogs and outputs flushed first, then input positions, so what is committed
/// was processed at least once and nothing committed is lost.
/// </summary>
public sealed class AgentWorker : IAssignmentListener, IAgentPartitionHost, IDisposable
{
    private readonly AgentDefinition _agent;
    private readonly AppTopology _topology;
    private readonly ITransport _transport;
    private readonly FaustishOptions _options;
    private readonly IServiceProvider _services;
    private readonly FaustishMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly IRecordProducer _producer;
    private readonly ITransactionalProducer? _transactional; // set under ProcessingGuarantee.ExactlyOnce
    private readonly RecordSender _sender;
    private readonly RecordFailureHandler _failures;
    private readonly TableStateManager _state;
    private readonly AssignedPartition?[] _partitions;
    private readonly RestoringPartition?[] _restoring;
    private int _restoringCount;
    private readonly List<TopicPartitionOffset> _positions = [];
    private readonly RecordBatch _batch = new();
    private readonly Dictionary<TableDefinition, Tables.Global.GlobalTableReplica> _globals = [];
    private readonly Tables.Standby.AssignmentBoard? _board;
    private readonly Tables.Standby.StandbyTables? _standbys; // the agent's first worker keeps this process's standbys
    private readonly int _index;
    private readonly WorkerMailbox _mailbox = new();
    private readonly PostedWork _posted = new();
    private int _suspended; // partitions whose agent is in the middle of an awaiting event
    private IGroupConsumer? _consumer;
    private bool _hasInputs;
    private long _lastCommitTicks;
    private InFlightCommit? _inFlight; // at-least-once: the commit whose records are still becoming durable
    private CancellationToken _stopping;

    internal AgentWorker(AgentDefinition agent, int index, AppTopology topology, ITransport transport, FaustishOptions options,
        IServiceProvider services, FaustishMetrics metrics, ILogger logger, TimeProvider? clock = null, Tables.Faster.StoreMemoryBudget? storeMemory = null,
        Tables.Standby.AssignmentBoard? board = null)
    {
        _clock = clock ?? TimeProvider.System;
        _agent = agent ?? throw new ArgumentNullException(nameof(agent));
        _topology = topology ?? throw new ArgumentNullException(nameof(topology));
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _services = services ?? throw new ArgumentNullException(nameof(services));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        Name = $"{agent.Name}#{index}";
        foreach (var timer in agent.Timers)
        {
            // A cron expression or time zone this machine cannot read fails the start, naming what to change.
            timer.Validate();
        }

        if (options.Guarantee == ProcessingGuarantee.ExactlyOnce)
        {
            // One transactional producer per worker thread; its id is stable across restarts, so a replacement fences it.
            var transactions = transport as ITransactionalTransport ?? throw new InvalidOperationException(
                $"ProcessingGuarantee.ExactlyOnce needs a transport with transactions; {transport.Description} has none. Use the embedded log or Guarantee=AtLeastOnce.");
            // The process id keeps two processes' workers of the same name from fencing each other.
            _transactional = transactions.CreateTransactionalProducer($"{topology.AppId}.{ProcessIdentity.Of(options.DataDirectory)}.{Name}");
            _producer = _transactional;
        }
        else
        {
            _producer = transport.CreateProducer();
        }
        _sender = new RecordSender(_producer, _clock);
        _failures = new RecordFailureHandler(options.ErrorPolicy, topology.DeadLetterTopic, _producer, metrics, logger, _clock);
        _partitions = new AssignedPartition?[agent.Topic.Partitions];
        _restoring = new RestoringPartition?[agent.Topic.Partitions];
        Progress = new WorkerProgress(agent.Topic.Partitions);
        _state = new TableStateManager(transport, options, metrics, logger, storeMemory);
        _index = index;
        _board = board;
        if (board is not null && options.StandbyReplicas > 0 && index == 0 && agent.Tables.Any(t => !t.IsGlobal))
        {
            if (agent.Concurrency == 1)
            {
                _standbys = new Tables.Standby.StandbyTables(agent, topology, transport, options, _state, metrics, logger, board, Name);
            }
            else
            {
                // Another worker of this process could be assigned a partition while this one follows it.
                logger.LogWarning("Agent {Agent} runs {Workers} workers per process: its tables get no standby replicas (they need Concurrency = 1)", agent.Name, agent.Concurrency);
            }
        }
    }

    public string Name { get; }

    /// <summary>The agent this worker runs.</summary>
    internal AgentDefinition Agent => _agent;

    /// <summary>This worker's progress, readable from any thread (status page, watchdog, metrics).</summary>
    internal WorkerProgress Progress { get; }

    /// <summary>Questions other threads ask about this worker's tables; answered between batches.</summary>
    internal WorkerMailbox Mailbox => _mailbox;

    /// <summary>Records completed by this worker since it started.</summary>
    public long Processed { get; private set; }

    /// <summary>Every table partition restore of this worker: checkpoint or full replay, and the changelog records replayed.</summary>
    public IReadOnlyList<ShardRestore> Restores => _state.Restores;

    /// <summary>Joins the group. Partitions arrive (and their tables are restored) inside the first fetches.</summary>
    public void Start(CancellationToken stopping)
    {
        _stopping = stopping;
        foreach (var table in _agent.Tables)
        {
            if (table.IsGlobal && !_globals.ContainsKey(table))
            {
                var replica = new Tables.Global.GlobalTableReplica(table, _topology.AppId, _topology.PartitionsOf(table), _transport,
                    new StoreOptions(Path.Combine(TableStateManager.TableDirectory(_options, table), "global"), _options.StoreMemoryBytes), stopping);
                _globals.Add(table, replica);
                _logger.LogInformation("{Worker} holds global table '{Table}': restored {Records} changelog records", Name, table.Name, replica.Restored);
            }
        }

        _consumer = _transport.CreateGroupConsumer(_agent.GroupId(_topology.AppId), [_agent.Topic.Name], this);
        _lastCommitTicks = Stopwatch.GetTimestamp();
    }

    /// <summary>Runs until <paramref name="stopping"/> is cancelled, then commits and leaves the group.</summary>
    public void Run(CancellationToken stopping)
    {
        if (_consumer is null)
        {
            Start(stopping);
        }

        try
        {
            while (!stopping.IsCancellationRequested)
            {
                RunOnce();
            }
        }
        finally
        {
            Stop();
        }
    }

    /// <summary>
    /// One turn of the loop: a slice of restore work if partitions are restoring, then fetch and process at most one
    /// batch of the partitions that are live, then commit if the interval has passed. Returns whether it did any work
    /// (false: idle, nothing arrived and nothing is restoring).
    /// </summary>
    public bool RunOnce()
    {
        var consumer = _consumer ?? throw new InvalidOperationException("Call Start before RunOnce.");
        if (!_mailbox.IsEmpty)
        {
            _mailbox.Answer();
        }

        var resumed = !_posted.IsEmpty && RunPosted();

        var restoring = _restoringCount > 0;
        if (restoring)
        {
            Progress.Enter(WorkerPhase.Restoring);
            RestoreStep();
        }

        _standbys?.Step(OwnsPartition, RestoreSlice, _stopping);

        // While restoring, poll without waiting: the consumer keeps its place in the group and live partitions keep
        // flowing, and the next restore slice follows at once.
        Progress.Enter(WorkerPhase.Fetching);
        var fetched = consumer.Fetch(_batch, _options.MaxBatchSize, restoring ? TimeSpan.Zero : PollWait(), _stopping);
        if (fetched)
        {
            Process(_batch);
            FlushFullWriteCaches();
        }

        Advance();
        if (_agent.Timers.Count > 0)
        {
            RunDueTimers();
        }

        if (_inFlight is { Durable.IsCompleted: true })
        {
            EndCommit();
        }

        // While a commit is still becoming durable, the next one waits for it rather than stopping the worker: on a busy
        // disk (a checkpoint's writes and syncs) the log's sync took 20-85 ms, and BeginCommit's wait for it was the
        // longest stop of a worker during checkpoints. The write caches stay bounded meanwhile (their early flushes).
        if (_inFlight is null && Stopwatch.GetElapsedTime(_lastCommitTicks) >= _options.CommitInterval)
        {
            BeginCommit();
        }

        return fetched || restoring || resumed;
    }

    /// <summary>
    /// Runs the continuations agent code posted back to this thread (awaits that completed): a suspended event of one
    /// partition goes on, and ends, while the others keep flowing.
    /// </summary>
    private bool RunPosted()
    {
        long before = 0;
        foreach (var partition in _partitions)
        {
            before += partition?.Context.Processed ?? 0;
        }

        try
        {
            _posted.Run();
        }
        catch (AgentFailedException)
        {
            // As for a failing record in a batch: keep what was completed before it, so a restart resumes exactly there.
            Commit();
            throw;
        }
        finally
        {
            _sender.EventTimestampMs = null;
            long after = 0;
            foreach (var partition in _partitions)
            {
                if (partition is not null)
                {
                    after += partition.Context.Processed;
                    Progress.SetPosition(partition.Context.Source.Partition, partition.Context.Position);
                }
            }

            var done = Math.Max(after - before, 0);
            Processed += done;
            _metrics.RecordsProcessed.Add(done);
        }

        return true;
    }

    void IAgentPartitionHost.Post(PartitionSynchronizationContext partition, SendOrPostCallback callback, object? state) =>
        _posted.Enqueue(partition, callback, state);

    void IAgentPartitionHost.Suspend(AgentPartitionContext partition, long resumeAt)
    {
        var source = partition.Source;
        _consumer!.Pause([source]);
        _consumer.Seek(new TopicPartitionOffset(source.Topic, source.Partition, resumeAt));
        if (_partitions[source.Partition] is { } assigned && assigned.Context == partition)
        {
            assigned.ResumeAt = resumeAt;
        }

        _suspended++;
    }

    void IAgentPartitionHost.Resume(AgentPartitionContext partition)
    {
        var source = partition.Source;
        _suspended = Math.Max(_suspended - 1, 0);
        if (_partitions[source.Partition] is { } assigned && assigned.Context == partition)
        {
            assigned.ResumeAt = -1;
            _consumer!.Resume([source]);
        }
    }

    /// <summary>
    /// Looks a key of <paramref name="table"/> up in this worker's live state. Call on the worker's thread (through
    /// <see cref="Mailbox"/>): the stores belong to it.
    /// </summary>
    internal TableLookup Lookup(TableDefinition table, int partition, byte[] key)
    {
        if (_globals.TryGetValue(table, out var global))
        {
            return global.Shard.TryFormat(key, out var globalJson) ? TableLookup.Found(globalJson) : TableLookup.Missing;
        }

        if (partition < _partitions.Length && _partitions[partition]?.ShardOf(table) is { } shard)
        {
            return shard.TryFormat(key, out var json) ? TableLookup.Found(json) : TableLookup.Missing;
        }

        if (partition < _restoring.Length && _restoring[partition] is { } pending)
        {
            return TableLookup.InRestore(pending.Applied, pending.Remaining);
        }

        return TableLookup.NotHere;
    }

    /// <summary>Up to <paramref name="limit"/> entries of <paramref name="table"/> this worker holds, per partition. Call on the worker's thread.</summary>
    internal List<TableEntry> Entries(TableDefinition table, int limit)
    {
        var entries = new List<TableEntry>();
        if (_globals.TryGetValue(table, out var global))
        {
            foreach (var (key, value) in global.Shard.FormatAll())
            {
                if (entries.Count >= limit)
                {
                    break;
                }

                entries.Add(new TableEntry(-1, key, value));
            }

            return entries;
        }

        for (var p = 0; p < _partitions.Length && entries.Count < limit; p++)
        {
            if (_partitions[p]?.ShardOf(table) is not { } shard)
            {
                continue;
            }

            foreach (var (key, value) in shard.FormatAll())
            {
                if (entries.Count >= limit)
                {
                    break;
                }

                entries.Add(new TableEntry(p, key, value));
            }
        }

        return entries;
    }

    /// <summary>Whether this worker holds the agent's partition (restoring or processing).</summary>
    private bool OwnsPartition(int partition) => _partitions[partition] is not null || _restoring[partition] is not null;

    /// <summary>Tells the assignment board (standby placement) which partitions this worker holds now.</summary>
    private void ReportOwnership() =>
        _board?.Report(_agent.Name, _index, Enumerable.Range(0, _partitions.Length).Where(OwnsPartition));

    /// <summary>Whether any assigned partition is still restoring its tables.</summary>
    public bool IsRestoring => _restoringCount > 0;

    /// <summary>
    /// Whether the agent's whole input is processed and committed: no partition of this worker is restoring, and for
    /// every partition of the agent's topic (whichever worker or process owns it) the group's committed position has
    /// reached the end. An empty fetch alone proves nothing on Kafka, where a member may not have its partitions yet.
    /// Call on the worker's thread, after a commit.
    /// </summary>
    public bool IsCaughtUp()
    {
        var consumer = _consumer ?? throw new InvalidOperationException("Call Start before IsCaughtUp.");
        EndCommit();
        if (_restoringCount > 0)
        {
            return false;
        }

        foreach (var partition in _partitions)
        {
            // A join's right side or a source table's topic with records still to apply (they are committed with the
            // state they feed, at the next commit after they are applied).
            if (partition?.Inputs is { } inputs && (inputs.HasRecords() || partition.WaitingForInputs || partition.Shards().Any(s => s.PendingWrites > 0)))
            {
                return false;
            }
        }

        for (var p = 0; p < _agent.Topic.Partitions; p++)
        {
            var partition = new TopicPartition(_agent.Topic.Name, p);
            var watermarks = _transport.GetWatermarks(partition);
            var committed = consumer.Committed(partition) ?? watermarks.Low;
            if (committed < watermarks.High)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Runs the restores of newly assigned partitions for a bounded slice of time; resumes those that finish.</summary>
    private void RestoreStep()
    {
        // Each restoring partition gets its share of the slice, so a short restore is never stuck behind a long one.
        var share = RestoreSlice / _restoringCount;
        for (var p = 0; p < _restoring.Length && _restoringCount > 0; p++)
        {
            var pending = _restoring[p];
            if (pending is null)
            {
                continue;
            }

            if (!pending.Step(share, _stopping))
            {
                pending.WarnIfStalled(_logger, Name);
                Progress.SetRestore(p, pending.Applied, pending.Remaining);
            }
            else
            {
                _restoring[p] = null;
                _restoringCount--;
                Activate(pending);
            }
        }
    }

    /// <summary>How long one restore slice may run before the worker polls its consumer again.</summary>
    private TimeSpan RestoreSlice => _options.PollTimeout;

    /// <summary>Commits, then leaves the group (which revokes and closes every partition).</summary>
    public void Stop()
    {
        _mailbox.Close();
        if (_consumer is null)
        {
            return;
        }

        try
        {
            FinishWaitingEvents(null);
            StopAgents(null);
            Commit();
            _consumer.Close();
        }
        finally
        {
            _consumer.Dispose();
            _consumer = null;
            Progress.Enter(WorkerPhase.Stopped);
        }
    }

    /// <summary>
    /// Makes everything processed so far durable and waits for it: table changes to their changelogs, sends and
    /// changelogs flushed, and only then the input positions (at-least-once); or, under exactly-once, all three in one
    /// transaction, which is aborted if the commit fails (the worker then fails: restart it to resume from the last
    /// commit). The loop itself commits with <see cref="BeginCommit"/>, which does not wait for the disk.
    /// </summary>
    public void Commit()
    {
        BeginCommit();
        EndCommit();
    }

    /// <summary>
    /// Starts a commit. The worker's own part is bounded: hand the table changes since the last commit to the producer
    /// (at most <see cref="FaustishOptions.WriteCacheKeys"/> per table partition, as fuller caches flushed early) and
    /// ask it to make them durable. At-least-once, on a transport that flushes in the background (the embedded log),
    /// the worker goes on processing while the disk syncs, as Kafka Streams and librdkafka do; the input positions are
    /// committed once the changelogs and sends are durable (<see cref="EndCommit"/>), so they never get ahead of them.
    /// One commit is in flight at a time. Under exactly-once the transaction commits here, atomically, as before.
    /// </summary>
    private void BeginCommit()
    {
        if (_transactional is not null && _suspended > 0)
        {
            // Exactly-once: a transaction must not hold half of an event (the table writes made before its await) with
            // positions that say it was not processed; a restart would apply them twice. Commit once it has ended.
            return;
        }

        EndCommit();
        _lastCommitTicks = Stopwatch.GetTimestamp();
        var phase = Progress.Phase;
        Progress.Enter(WorkerPhase.Committing);
        using var span = FaustishTracing.StartCommit(Name);
        try
        {
            CommitNow();
        }
        finally
        {
            Progress.Enter(phase == WorkerPhase.Committing ? WorkerPhase.Fetching : phase);
        }
    }

    private void CommitNow()
    {
        _positions.Clear();
        try
        {
            FlushChangelogs();
        }
        catch (Exception produceFailure) when (_transactional is not null && produceFailure is not OutOfMemoryException)
        {
            // A fenced producer refuses records too: abort and recover as for a failed commit.
            if (!AbortAfterFailure(produceFailure) || ++_failedCommits > MaxFailedCommits)
            {
                throw;
            }

            RecoverAfterAbort(produceFailure);
            return;
        }

        // A commit once started runs to its end (no cancellation): stopping mid-flush would only make Stop commit the
        // same work again.
        if (_transactional is not null)
        {
            try
            {
                _transactional.CommitTransaction(_positions, _consumer, CancellationToken.None);
                _failedCommits = 0;
                foreach (var partition in _partitions)
                {
                    partition?.NoteCommittedEnds(_transactional);
                }
            }
            catch (Exception commitFailure) when (commitFailure is not OutOfMemoryException)
            {
                if (!AbortAfterFailure(commitFailure) || ++_failedCommits > MaxFailedCommits)
                {
                    throw;
                }

                RecoverAfterAbort(commitFailure);
                return;
            }

            if (_positions.Count > 0)
            {
                MarkCommitted(_positions);
                _metrics.Commits.Add(1);
                RecordCommitDuration(_lastCommitTicks);
                _state.CheckpointIfDue();
            }

            return;
        }

        var durable = _producer.BeginFlush();
        if (_positions.Count == 0)
        {
            // Nothing to commit but sends to make durable (a failure surfaces at the next EndCommit).
            _inFlight = new InFlightCommit(durable, HasPositions: false);
            return;
        }

        // Every store now equals what its changelog was sent (the caches are empty), and the worker has not processed
        // anything since: the moment to begin a checkpoint. It records the changelog's durable end, which may lag
        // behind what the store holds while the flush is in flight; a restore replays from there, and re-applying a
        // record the store already holds is harmless.
        _state.CheckpointIfDue();
        var positions = _positions.ToArray();
        if (durable.IsCompleted)
        {
            // The producer flushed synchronously (Kafka): commit the positions here, as before.
            durable.GetAwaiter().GetResult();
            _consumer?.Commit(positions);
            MarkCommitted(positions);
            _metrics.Commits.Add(1);
            RecordCommitDuration(_lastCommitTicks);
            return;
        }

        // The positions are committed off the worker thread once the flush is durable (a positions file write, with its
        // own syncs, on the embedded log). The consumer's commit checks ownership under the group's lock; the worker
        // joins this before anything that changes ownership (a revoke, a stop) or reads committed positions.
        var consumer = _consumer;
        var started = _lastCommitTicks;
        var committed = durable.ContinueWith(
            flushed =>
            {
                flushed.GetAwaiter().GetResult();
                consumer?.Commit(positions);
                RecordCommitDuration(started);
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        MarkCommitted(positions);
        _inFlight = new InFlightCommit(committed, HasPositions: true);
    }

    /// <summary>
    /// Waits for the commit in flight (usually long done) and reports its failure: a flush that did not become durable
    /// or positions that could not be committed fail the worker, as a synchronous commit would.
    /// </summary>
    private void EndCommit()
    {
        if (_inFlight is not { } inFlight)
        {
            return;
        }

        _inFlight = null;
        inFlight.Durable.GetAwaiter().GetResult();
        if (inFlight.HasPositions)
        {
            _metrics.Commits.Add(1);
        }
    }

    /// <summary>Commit latency, from the commit's start until its positions are committed (off the worker thread when the flush is asynchronous).</summary>
    private void RecordCommitDuration(long startedTicks)
    {
        var took = Stopwatch.GetElapsedTime(startedTicks);
        _metrics.CommitDuration.Record(took.TotalMilliseconds);
        Progress.SetCommitDuration(took);
    }

    private void MarkCommitted(IReadOnlyList<TopicPartitionOffset> positions)
    {
        foreach (var position in positions)
        {
            if (_partitions[position.Partition] is { } partition)
            {
                partition.CommittedPosition = position.Offset;
            }
        }
    }

    /// <summary>
    /// Flushes early the table partitions whose write caches hold more than <see cref="FaustishOptions.WriteCacheKeys"/>
    /// keys, so no commit has to send and write back more than that many keys on the worker thread.
    /// </summary>
    private void FlushFullWriteCaches()
    {
        var partition = _partitions[_batch.Partition];
        partition?.FlushChangelogsIfFull(_producer, _options.WriteCacheKeys);
    }

    /// <summary>A commit whose changelogs and sends are becoming durable, then its positions committed (<see cref="Durable"/>).</summary>
    private sealed record InFlightCommit(Task Durable, bool HasPositions);

    /// <summary>Hands every table change since the last commit to the producer, and lists the positions to commit.</summary>
    private void FlushChangelogs()
    {
        foreach (var partition in _partitions)
        {
            if (partition is null)
            {
                continue;
            }

            partition.FlushChangelogs(_producer);
            if (partition.Context.Position >= 0 && partition.Context.Position != partition.CommittedPosition)
            {
                _positions.Add(new TopicPartitionOffset(_agent.Topic.Name, partition.Context.Source.Partition, partition.Context.Position));
            }
        }

        foreach (var global in _globals.Values)
        {
            global.FlushChangelog(_producer);
        }
    }

    /// <summary>
    /// Exactly-once: the transaction could not commit. Abort it, so its records are never visible; this worker's
    /// tables and positions are ahead of what is committed, so it must not go on (its caller fails it, and a restart
    /// restores the committed state).
    /// </summary>
    private bool AbortAfterFailure(Exception reason)
    {
        try
        {
            _transactional!.AbortTransaction();
            _logger.LogError(reason, "{Worker} aborted its transaction: {Reason}", Name, reason.Message);
            return true;
        }
        catch (Exception abortFailure) when (abortFailure is not OutOfMemoryException)
        {
            _logger.LogError(abortFailure, "{Worker} could not abort its transaction after a failed commit ({Reason}); the transport aborts it when it next opens", Name, reason.Message);
            return false;
        }
    }

    /// <summary>Commits that may fail in a row (each aborted and recovered from) before the worker gives up and stops.</summary>
    private const int MaxFailedCommits = 3;

    private int _failedCommits;

    /// <summary>
    /// Exactly-once, after an abort: this worker's tables and input positions are ahead of what is committed. Every
    /// partition it holds is closed without a checkpoint and restored as if newly assigned — from its local checkpoint
    /// (taken only after commits) and its changelog up to the end of the last commit — while paused, and its input is
    /// read again from the last committed position. Nothing of the aborted transaction survives, in Kafka or here.
    /// </summary>
    private void RecoverAfterAbort(Exception reason)
    {
        var held = Enumerable.Range(0, _partitions.Length).Where(OwnsPartition).Select(p => new TopicPartition(_agent.Topic.Name, p)).ToList();
        var resume = new Dictionary<int, (long Position, Dictionary<TopicPartition, long> Ends)>();
        foreach (var topicPartition in held)
        {
            if (_partitions[topicPartition.Partition] is { } active)
            {
                // Where input starts again: after this worker's last commit, else where it began reading the partition.
                var position = active.CommittedPosition >= 0 ? active.CommittedPosition : active.FirstOffset;
                resume[topicPartition.Partition] = (position, new Dictionary<TopicPartition, long>(active.CommittedEnds));
            }
        }

        Drop(held, checkpoint: false);
        if (held.Count == 0 || _consumer is not { } consumer)
        {
            return;
        }

        consumer.Pause(held);
        var from = new List<string>();
        foreach (var topicPartition in held)
        {
            // Nothing processed (or still restoring): the consumer stands where it began, with nothing to undo.
            var (position, ends) = resume.GetValueOrDefault(topicPartition.Partition, (-1, []));
            if (position >= 0)
            {
                consumer.Seek(new TopicPartitionOffset(topicPartition.Topic, topicPartition.Partition, position));
                from.Add($"{topicPartition}@{position}");
            }

            BeginRestore(topicPartition, ends);
        }

        ReportOwnership();
        _logger.LogWarning("{Worker} restores {Partitions} from committed state after the aborted transaction ({Reason}); input is read again from {Positions}",
            Name, string.Join(", ", held), reason.Message, from.Count == 0 ? "where it stood (nothing was processed)" : string.Join(", ", from));
    }

    private static readonly TimeSpan SuspendedPollTimeout = TimeSpan.FromMilliseconds(5);

    /// <summary>How long a fetch may wait for records: the poll timeout, or less when a timer is due sooner.</summary>
    private TimeSpan PollWait()
    {
        if (_suspended > 0 && _options.PollTimeout > SuspendedPollTimeout)
        {
            // An await may end on another thread at any moment; its continuation waits for this thread's next turn.
            return SuspendedPollTimeout;
        }

        if (_agent.Timers.Count == 0)
        {
            return _options.PollTimeout;
        }

        var now = _clock.GetUtcNow();
        var wait = _options.PollTimeout;
        foreach (var partition in _partitions)
        {
            if (partition?.Timers.NextDue is { } due && due - now < wait)
            {
                wait = due <= now ? TimeSpan.Zero : due - now;
            }
        }

        return wait;
    }

    /// <summary>
    /// Runs the timers that are due, on this thread between batches: never while the agent processes an event, and
    /// their table writes and sends go into the next commit like an event's.
    /// </summary>
    private void RunDueTimers()
    {
        foreach (var partition in _partitions)
        {
            if (partition is null || partition.Timers.NextDue is not { } due || due > _clock.GetUtcNow())
            {
                continue;
            }

            // Sends from a timer carry the wall clock's time, not the last event's.
            _sender.EventTimestampMs = null;
            partition.Timers.RunDue(partition.Agent, _clock, _logger, Name, _options.ErrorPolicy == ErrorPolicy.Stop, _stopping);
            partition.FlushChangelogsIfFull(_producer, _options.WriteCacheKeys);
        }
    }

    /// <summary>Calls the <c>[OnStop]</c> hooks of <paramref name="partitions"/> (all active ones when null) that have not run them yet.</summary>
    private void StopAgents(IReadOnlyList<TopicPartition>? partitions)
    {
        foreach (var partition in _partitions)
        {
            if (partition is null || partition.Stopped || (partitions is not null && !partitions.Contains(partition.Context.Source)))
            {
                continue;
            }

            partition.Stopped = true;
            _sender.EventTimestampMs = null;
            try
            {
                partition.Agent.OnStop(_stopping.IsCancellationRequested ? CancellationToken.None : _stopping);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // What the hook did before it threw is committed with the rest; the partition stops either way.
                _logger.LogError(exception, "{Worker}: the [OnStop] hook of {Agent} threw on {Partition}", Name, _agent.TypeName, partition.Context.Source);
            }
        }
    }

    /// <summary>Tells every table partition how far stream time and the wall clock have moved (windows close here).</summary>
    private void Advance()
    {
        if (_hasInputs)
        {
            RunInputs();
        }

        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var partition in _partitions)
        {
            partition?.Advance(now);
        }

        foreach (var global in _globals.Values)
        {
            global.CatchUp(_stopping);
        }
    }

    private void Process(RecordBatch batch)
    {
        var partition = _partitions[batch.Partition];
        if (partition is null)
        {
            if (_restoring[batch.Partition] is not null && batch.Count > 0)
            {
                // Records of a partition still restoring (a transport that delivered before the pause took hold): put
                // them back, so they are processed once its tables are complete.
                var source = new TopicPartition(batch.Topic, batch.Partition);
                _consumer!.Pause([source]);
                _consumer.Seek(new TopicPartitionOffset(batch.Topic, batch.Partition, batch[0].Offset));
                return;
            }

            throw new InvalidOperationException($"{Name} fetched records of {batch.Topic}[{batch.Partition}], which is not assigned to it.");
        }

        if (partition.Context.IsSuspended)
        {
            // Records fetched before the pause took hold: they come again from where the waiting event ends.
            _consumer!.Pause([partition.Context.Source]);
            _consumer.Seek(new TopicPartitionOffset(batch.Topic, batch.Partition, partition.ResumeAt));
            return;
        }

        var before = partition.Context.Processed;
        if (partition.FirstOffset < 0 && batch.Count > 0)
        {
            partition.FirstOffset = batch[0].Offset;
        }

        if (partition.Inputs is { } inputs && !inputs.Ready())
        {
            // An input with nothing at hand may still hold records older than these (time order across inputs): wait for
            // it, at most MaxTaskIdle (or while it is known to hold more), with the partition paused.
            _consumer!.Pause([partition.Context.Source]);
            _consumer.Seek(new TopicPartitionOffset(batch.Topic, batch.Partition, batch[0].Offset));
            partition.WaitingForInputs = true;
            return;
        }

        partition.LastBatchTicks = Stopwatch.GetTimestamp();
        partition.Context.Batch = batch;
        Progress.Enter(WorkerPhase.Processing, batch.Partition, batch.Count > 0 ? batch[0].Offset : -1);
        using var span = FaustishTracing.StartBatch(_agent.Name, Name, batch);
        try
        {
            using var scope = partition.Context.Synchronization!.Enter();
            partition.Agent.ProcessBatch(batch);
        }
        catch (AgentFailedException)
        {
            // Keep what was completed before the failing record, so a restart resumes exactly there.
            Commit();
            throw;
        }
        finally
        {
            _sender.EventTimestampMs = null;
            var done = partition.Context.Processed - before;
            Processed += done;
            _metrics.RecordsProcessed.Add(done);
            Progress.SetPosition(batch.Partition, partition.Context.Position);
            Progress.Enter(WorkerPhase.Fetching);
        }
    }

    void IAssignmentListener.OnAssigned(IReadOnlyList<TopicPartition> partitions)
    {
        // Never restore here: this runs inside the consumer's poll, and a long restore would stall the whole group
        // (Kafka evicts a member that does not poll within max.poll.interval.ms). Pause, restore between polls, resume.
        _consumer!.Pause(partitions);
        foreach (var topicPartition in partitions)
        {
            // A standby of the partition here becomes its checkpoint, which the restore then starts from.
            _standbys?.HandOver(topicPartition.Partition);
            BeginRestore(topicPartition);
        }

        ReportOwnership();

        _logger.LogInformation("{Worker} took {Topic}[{Partitions}]; restoring {Tables} table(s) while its other partitions flow",
            Name, _agent.Topic.Name, string.Join(",", partitions.Select(p => p.Partition)), _agent.Tables.Count(t => !t.IsGlobal));
    }

    /// <summary>Opens the partition's table shards and starts their restores (checkpoints loaded now, changelog tails later).</summary>
    private void BeginRestore(TopicPartition topicPartition, Dictionary<TopicPartition, long>? committedEnds = null)
    {
        var pending = new RestoringPartition(topicPartition);
        try
        {
            foreach (var table in _agent.Tables)
            {
                if (_globals.TryGetValue(table, out var global))
                {
                    pending.Shards.Add(table, global.Shard);
                    continue;
                }

                var shard = table.OpenShard(topicPartition.Partition, _options.Store, _state.StoreOptionsFor(table, topicPartition.Partition));
                pending.Shards.Add(table, shard);
                var changelog = new TopicPartition(table.ChangelogTopic(_topology.AppId), topicPartition.Partition);
                pending.Restores.Add(_state.BeginRestore(shard, changelog, committedEnds?.TryGetValue(changelog, out var end) == true ? end : null));
            }
        }
        catch
        {
            pending.Stop(keepProgress: false);
            _state.Release(topicPartition.Partition, checkpoint: false);
            throw;
        }

        _restoring[topicPartition.Partition] = pending;
        _restoringCount++;
        Progress.SetPartition(topicPartition.Partition, PartitionPhase.Restoring);
    }

    /// <summary>The partition's tables are complete: build its agent and let its records flow.</summary>
    private void Activate(RestoringPartition restored)
    {
        var topicPartition = restored.Partition;
        restored.DisposeRestores();
        var context = new AgentPartitionContext(_agent, topicPartition, _sender, _services, restored.Shards, _failures) { Host = this, AppId = _topology.AppId };
        var instance = _agent.CreatePartition(context);
        var inputs = OpenInputs(context, restored.Shards);
        context.Inputs = inputs;
        _hasInputs |= inputs is not null;
        _partitions[topicPartition.Partition] = new AssignedPartition(context, instance, restored.Shards, _topology.AppId)
        {
            CommittedPosition = -1,
            Timers = new PartitionTimers(_agent, topicPartition.Partition, _clock.GetUtcNow()),
            Inputs = inputs,
        };
        _sender.EventTimestampMs = null;
        try
        {
            instance.OnStart(_stopping);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            throw new AgentFailedException($"The [OnStart] hook of {_agent.TypeName} threw on {topicPartition}: {exception.Message}", exception);
        }

        _consumer!.Resume([topicPartition]);
        Progress.SetPartition(topicPartition.Partition, PartitionPhase.Active);
        PublishCommittedPosition(topicPartition);
        _logger.LogInformation("{Worker} restored {Partition}: {Records:N0} changelog records in {Elapsed:F0} ms; processing it",
            Name, topicPartition, restored.Applied, Stopwatch.GetElapsedTime(restored.Started).TotalMilliseconds);
    }

    /// <summary>
    /// The partition's inputs besides its topic, to be applied in time order with its records: the right side of its
    /// join, and the source topics of the tables fed by topics it reads (global ones excepted: every worker follows those
    /// whole). Null when it has none.
    /// </summary>
    private Joins.TimedInputs? OpenInputs(AgentPartitionContext context, Dictionary<TableDefinition, ITableShard> shards)
    {
        var inputs = new List<Joins.TimedInput>();
        if (context.JoinTask is { } join)
        {
            inputs.Add(join.OpenRightInput(_transport, context.Source.Partition));
        }

        foreach (var (table, shard) in shards)
        {
            if (table.Source is { } source && !table.IsGlobal)
            {
                Joins.SourceTableInput? input = null;
                var follower = _state.FollowerOf(shard, () => input!.Position)
                    ?? throw new InvalidOperationException($"Table '{table.Name}'[{shard.Partition}] is fed by topic '{source.Name}' but was not restored from it.");
                input = new Joins.SourceTableInput(shard, new TopicPartition(source.Name, shard.Partition), follower, _transport, _logger);
                inputs.Add(input);
            }
        }

        return inputs.Count == 0 ? null : new Joins.TimedInputs(inputs, _options.MaxTaskIdle, _stopping);
    }

    /// <summary>
    /// Partitions with other inputs: those waiting for an input resume once it is ready; those whose own topic is read
    /// to its end (and idle for MaxTaskIdle) apply their inputs' records alone, as nothing older can come first.
    /// </summary>
    private void RunInputs()
    {
        foreach (var partition in _partitions)
        {
            if (partition?.Inputs is not { } inputs || partition.Context.IsSuspended)
            {
                continue;
            }

            if (partition.WaitingForInputs)
            {
                if (inputs.Ready())
                {
                    partition.WaitingForInputs = false;
                    _consumer!.Resume([partition.Context.Source]);
                }

                continue;
            }

            if (Stopwatch.GetElapsedTime(partition.LastBatchTicks) < inputs.MaxIdle || !OwnTopicReadToEnd(partition) || !inputs.HasRecords())
            {
                continue;
            }

            Progress.Enter(WorkerPhase.Processing, partition.Context.Source.Partition, -1);
            try
            {
                using var scope = partition.Context.Synchronization!.Enter();
                inputs.Drain(partition.Context, _options.MaxBatchSize);
            }
            catch (AgentFailedException)
            {
                Commit();
                throw;
            }
            finally
            {
                _sender.EventTimestampMs = null;
                Progress.Enter(WorkerPhase.Fetching);
            }
        }
    }

    /// <summary>Whether the partition has processed its topic up to the high watermark (asked at most every 50 ms).</summary>
    private bool OwnTopicReadToEnd(AssignedPartition partition)
    {
        // Nothing processed since the partition was assigned: it stands where the group committed (or at its start).
        var position = partition.Context.Position >= 0 ? partition.Context.Position
            : partition.StartPosition ??= _consumer!.Committed(partition.Context.Source) ?? _transport.GetWatermarks(partition.Context.Source).Low;
        if (partition.HighWatermark > position)
        {
            return false;
        }

        var now = Stopwatch.GetTimestamp();
        if (now - partition.HighCheckedTicks >= Stopwatch.Frequency / 20)
        {
            partition.HighCheckedTicks = now;
            partition.HighWatermark = _transport.GetWatermarks(partition.Context.Source).High;
        }

        return position >= partition.HighWatermark;
    }

    /// <summary>
    /// Before its first batch a partition stands at the group's committed position: lag and the stall watchdog measure
    /// from there (nothing committed: from the partition's start). Once per assignment, not per batch.
    /// </summary>
    private void PublishCommittedPosition(TopicPartition topicPartition)
    {
        try
        {
            if (_consumer!.Committed(topicPartition) is { } committed)
            {
                Progress.SetPosition(topicPartition.Partition, committed);
            }
        }
        catch (TimeoutException exception)
        {
            // Only the figures wait for the first batch; processing does not depend on them.
            _logger.LogDebug(exception, "{Worker} could not read the committed position of {Partition}; its lag shows once it processes", Name, topicPartition);
        }
    }

    void IAssignmentListener.OnRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        FinishWaitingEvents(partitions);
        StopAgents(partitions);
        Commit();
        Drop(partitions, checkpoint: true);
    }

    void IAssignmentListener.OnLost(IReadOnlyList<TopicPartition> partitions)
    {
        try
        {
            EndCommit();
        }
        catch (InvalidOperationException refused) when (refused is not ObjectDisposedException)
        {
            // The commit in flight held positions of the lost partitions, which the group no longer lets this worker
            // commit: their records since the previous commit are processed again by the new owner (at-least-once).
            _logger.LogWarning("{Worker} could not commit its last positions: {Reason}", Name, refused.Message);
        }

        _logger.LogWarning("{Worker} lost {Partitions} without committing; their records since the last commit will be processed again", Name, partitions);
        Drop(partitions, checkpoint: false);
        if (_transactional is not null)
        {
            // The open transaction holds work of the lost partitions, which their new owner redoes: it can never
            // commit. Abort it; the kept partitions' tables and positions are now ahead of what is committed, so stop.
            var lost = new InvalidOperationException(
                $"{Name} lost {string.Join(", ", partitions)} (exactly-once): its open transaction was aborted and the worker stops; restart it to resume from the last commit.");
            AbortAfterFailure(lost);
            throw lost;
        }
    }

    /// <summary>
    /// Before partitions leave (a revoke, a stop): lets events their agents are waiting in end, for at most
    /// <see cref="WaitingEventGrace"/>, so their work is committed rather than done again by the next owner.
    /// </summary>
    private void FinishWaitingEvents(IReadOnlyList<TopicPartition>? partitions)
    {
        var started = Stopwatch.GetTimestamp();
        while (Waiting(partitions) is { } waiting)
        {
            if (Stopwatch.GetElapsedTime(started) >= WaitingEventGrace)
            {
                _logger.LogWarning("{Worker}: agent {Agent} still waits in the event at {Partition}@{Offset} after {Grace}; the partition leaves without it, and the event is processed again by its next owner",
                    Name, _agent.TypeName, waiting.Context.Source, waiting.Context.Position, WaitingEventGrace);
                return;
            }

            if (_posted.IsEmpty)
            {
                Thread.Sleep(1);
            }
            else
            {
                RunPosted();
            }
        }

        AssignedPartition? Waiting(IReadOnlyList<TopicPartition>? leaving)
        {
            foreach (var partition in _partitions)
            {
                if (partition is { Context.IsSuspended: true } && (leaving is null || leaving.Contains(partition.Context.Source)))
                {
                    return partition;
                }
            }

            return null;
        }
    }

    /// <summary>How long a leaving partition's waiting event may take to end.</summary>
    private static readonly TimeSpan WaitingEventGrace = TimeSpan.FromSeconds(10);

    private void Drop(IReadOnlyList<TopicPartition> partitions, bool checkpoint)
    {
        foreach (var topicPartition in partitions)
        {
            if (_partitions[topicPartition.Partition] is { } leaving)
            {
                // Continuations of its agent posted from now on are dropped: its tables close below.
                leaving.Context.Synchronization?.Abandon();
                if (leaving.Context.IsSuspended)
                {
                    _suspended = Math.Max(_suspended - 1, 0);
                }
            }

            // Tables whose restore completed are checkpointed here; a partition taken away mid-restore then keeps the
            // progress of its unfinished ones (orderly revoke) and closes its shards.
            _state.Release(topicPartition.Partition, checkpoint);
            if (_restoring[topicPartition.Partition] is { } pending)
            {
                _restoring[topicPartition.Partition] = null;
                _restoringCount--;
                pending.Stop(keepProgress: checkpoint);
            }

            _partitions[topicPartition.Partition]?.Dispose();
            _partitions[topicPartition.Partition] = null;
            Progress.SetPartition(topicPartition.Partition, PartitionPhase.None);
        }

        _logger.LogInformation("{Worker} released {Topic}[{Partitions}]", Name, _agent.Topic.Name, string.Join(",", partitions.Select(p => p.Partition)));
        ReportOwnership();
    }

    public void Dispose()
    {
        if (_inFlight is { } inFlight)
        {
            // Stop was not called (the worker failed): let the commit in flight end before its consumer and producer go.
            _inFlight = null;
            try
            {
                inFlight.Durable.GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogWarning(e, "{Worker}'s last commit failed while it was disposed; records since the previous commit will be processed again", Name);
            }
        }

        _standbys?.Dispose();
        foreach (var partition in _partitions)
        {
            partition?.Context.Synchronization?.Abandon();
            partition?.Dispose();
        }

        foreach (var pending in _restoring)
        {
            pending?.Stop(keepProgress: false);
        }

        Array.Clear(_partitions);
        Array.Clear(_restoring);
        _restoringCount = 0;
        foreach (var global in _globals.Values)
        {
            global.Dispose();
        }

        _globals.Clear();
        _consumer?.Dispose();
        _producer.Dispose();
    }

    /// <summary>A partition assigned to this worker whose tables are still restoring; its records wait, paused.</summary>
    private sealed class RestoringPartition(TopicPartition partition)
    {
        public TopicPartition Partition { get; } = partition;

        public Dictionary<TableDefinition, ITableShard> Shards { get; } = [];

        public List<TableStateManager.TableRestore> Restores { get; } = [];

        public long Started { get; } = Stopwatch.GetTimestamp();

        public long Applied => Restores.Sum(r => r.Applied);

        /// <summary>Changelog offsets the unfinished restores have left to replay.</summary>
        public long Remaining => Restores.Sum(r => r.IsComplete ? 0 : Math.Max(r.EndOffset - r.Position, 0));

        /// <summary>Advances every table's restore within <paramref name="budget"/>; true when all are complete.</summary>
        public bool Step(TimeSpan budget, CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
            foreach (var restore in Restores)
            {
                if (restore.IsComplete)
                {
                    continue;
                }

                var left = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
                if (left <= TimeSpan.Zero || !restore.Step(left, cancellationToken))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Logs, every <see cref="StallWarningInterval"/>, a restore whose changelog position has stopped moving.</summary>
        public void WarnIfStalled(ILogger logger, string worker)
        {
            foreach (var restore in Restores)
            {
                if (restore.IsComplete || restore.SinceProgress < StallWarningInterval || Stopwatch.GetElapsedTime(_lastWarning) < StallWarningInterval)
                {
                    continue;
                }

                _lastWarning = Stopwatch.GetTimestamp();
                logger.LogWarning("{Worker} is restoring {Changelog} and has read nothing for {Seconds:F0} s: at offset {Position} of {End}. Its partition {Partition} waits; the transport may be unable to reach the changelog",
                    worker, restore.Changelog, restore.SinceProgress.TotalSeconds, restore.Position, restore.EndOffset, Partition);
            }
        }

        private static TimeSpan StallWarningInterval => TimeSpan.FromSeconds(30);

        private long _lastWarning;

        /// <summary>Closes the replays (their readers); the shards live on in the active partition.</summary>
        public void DisposeRestores()
        {
            foreach (var restore in Restores)
            {
                restore.Dispose();
            }
        }

        /// <summary>Stops unfinished restores (checkpointing their progress if asked) and closes the partition's own shards.</summary>
        public void Stop(bool keepProgress)
        {
            foreach (var restore in Restores)
            {
                restore.Stop(keepProgress);
            }

            foreach (var (table, shard) in Shards)
            {
                if (!table.IsGlobal)
                {
                    shard.Dispose();
                }
            }
        }
    }

    /// <summary>A partition this worker owns: the agent instance, its context and its table shards.</summary>
    private sealed class AssignedPartition(AgentPartitionContext context, AgentPartition agent, Dictionary<TableDefinition, ITableShard> shards, string appId) : IDisposable
    {
        private readonly (ITableShard Shard, TopicPartition Changelog)[] _changelogs = BuildChangelogs(shards, context.Source.Partition, appId);

        public AgentPartitionContext Context { get; } = context;

        public AgentPartition Agent { get; } = agent;

        public long CommittedPosition { get; set; }

        /// <summary>While its agent waits in an event: the offset its records are delivered from again afterwards (else -1).</summary>
        public long ResumeAt { get; set; } = -1;

        /// <summary>When the agent's timers are due on this partition.</summary>
        public required PartitionTimers Timers { get; init; }

        /// <summary>Its <c>[OnStop]</c> hooks have run.</summary>
        public bool Stopped { get; set; }

        /// <summary>Its inputs besides its topic (a join's right side, tables fed by topics), or null.</summary>
        public Joins.TimedInputs? Inputs { get; init; }

        /// <summary>Paused until its other inputs have records (or have been idle long enough): see <see cref="Joins.TimedInputs.Ready"/>.</summary>
        public bool WaitingForInputs { get; set; }

        /// <summary>When a batch of its own topic was last processed (Stopwatch ticks).</summary>
        public long LastBatchTicks { get; set; } = Stopwatch.GetTimestamp();

        /// <summary>The high watermark of its own topic partition last asked, and when (its inputs run alone once it is read to the end).</summary>
        public long HighWatermark { get; set; } = -1;

        public long HighCheckedTicks { get; set; }

        /// <summary>Where the partition stood when assigned (the group's committed offset), once asked.</summary>
        public long? StartPosition { get; set; }

        /// <summary>The partition's own table shards (not global tables).</summary>
        public IEnumerable<ITableShard> Shards() => _changelogs.Select(c => c.Shard);

        /// <summary>The partition's shard of <paramref name="table"/>, or null when its agent does not hold that table.</summary>
        public ITableShard? ShardOf(TableDefinition table) => shards.GetValueOrDefault(table);

        /// <summary>The offset of the first record processed since the partition was assigned (-1 before any).</summary>
        public long FirstOffset { get; set; } = -1;

        /// <summary>Exactly-once: per changelog, the end of what this worker's transactions committed there while it held the partition.</summary>
        public Dictionary<TopicPartition, long> CommittedEnds { get; } = [];

        public void NoteCommittedEnds(ITransactionalProducer producer)
        {
            foreach (var (_, changelog) in _changelogs)
            {
                if (producer.CommittedEnd(changelog) is { } end)
                {
                    CommittedEnds[changelog] = end;
                }
            }
        }

        public void Advance(long wallClockMs)
        {
            foreach (var (shard, _) in _changelogs)
            {
                shard.Advance(Context.StreamTimeMs, wallClockMs);
            }
        }

        public void FlushChangelogsIfFull(IRecordProducer producer, int maxPendingKeys)
        {
            foreach (var (shard, changelog) in _changelogs)
            {
                shard.FlushChangelogIfFull(producer, changelog, maxPendingKeys);
            }
        }

        public void FlushChangelogs(IRecordProducer producer)
        {
            foreach (var (shard, changelog) in _changelogs)
            {
                shard.FlushChangelog(producer, changelog);
            }
        }

        public void Dispose()
        {
            Inputs?.Dispose();

            // Global tables belong to the worker, not to the partition.
            foreach (var (table, shard) in shards)
            {
                if (!table.IsGlobal)
                {
                    shard.Dispose();
                }
            }
        }

        private static (ITableShard, TopicPartition)[] BuildChangelogs(Dictionary<TableDefinition, ITableShard> shards, int partition, string appId)
        {
            var changelogs = new List<(ITableShard, TopicPartition)>();
            foreach (var (table, shard) in shards)
            {
                if (!table.IsGlobal)
                {
                    changelogs.Add((shard, new TopicPartition(table.ChangelogTopic(appId), partition)));
                }
            }

            return [.. changelogs];
        }
    }
}
