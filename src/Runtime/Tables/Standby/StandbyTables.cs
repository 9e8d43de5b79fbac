using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Faustish.Agents;
using Faustish.Hosting;
using Faustish.Transport;
using Microsoft.Extensions.Logging;

namespace Faustish.Tables.Standby;

/// <summary>
/// The standby replicas one agent keeps in this process: warm copies of table partitions owned by other processes,
/// each following its changelog and checkpointed like an active one, so that taking the partition over replays only
/// the changelog after the standby's position. Run by the agent's first worker, on its thread, between polls.
/// </summary>
/// <remarks>
/// A standby's shard is never given to an agent: it only applies changelog records. When the worker is assigned the
/// partition, <see cref="HandOver"/> checkpoints the standby at its position and closes it; the worker's restore then
/// loads that checkpoint (if it is valid, like any other) and replays the tail.
/// </remarks>
internal sealed class StandbyTables : IDisposable
{
    private static readonly TimeSpan Reconcile = TimeSpan.FromMilliseconds(500);

    private readonly AgentDefinition _agent;
    private readonly AppTopology _topology;
    private readonly ITransport _transport;
    private readonly FaustishOptions _options;
    private readonly TableStateManager _state;
    private readonly FaustishMetrics _metrics;
    private readonly ILogger _logger;
    private readonly AssignmentBoard _board;
    private readonly string _worker;
    private readonly SortedDictionary<int, Replica> _replicas = [];
    private readonly RecordBatch _batch = new(4096, 256 * 1024);
    private long _nextReconcile;
    private long _boardVersion = -1;

    public StandbyTables(AgentDefinition agent, AppTopology topology, ITransport transport, FaustishOptions options, TableStateManager state,
        FaustishMetrics metrics, ILogger logger, AssignmentBoard board, string worker)
    {
        _agent = agent;
        _topology = topology;
        _transport = transport;
        _options = options;
        _state = state;
        _metrics = metrics;
        _logger = logger;
        _board = board;
        _worker = worker;
    }

    /// <summary>The partitions this process keeps standbys of now.</summary>
    public IReadOnlyCollection<int> Partitions => _replicas.Keys;

    /// <summary>
    /// Places and follows: every half second (or when the board changes) starts the standbys the placement gives this
    /// process and drops the others; then applies what the changelogs of the kept ones have, for at most
    /// <paramref name="budget"/>. <paramref name="ownedHere"/> are the agent's partitions this process's workers hold:
    /// never standbys.
    /// </summary>
    public void Step(Func<int, bool> ownedHere, TimeSpan budget, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        if (now >= _nextReconcile || _board.Version != _boardVersion)
        {
            _nextReconcile = now + (long)(Reconcile.TotalSeconds * Stopwatch.Frequency);
            _boardVersion = _board.Version;
            Place(ownedHere);
        }

        if (_replicas.Count == 0)
        {
            return;
        }

        var deadline = now + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        foreach (var replica in _replicas.Values)
        {
            replica.Follow(_batch, deadline, _metrics, cancellationToken);
            replica.CheckpointIfDue(_options, _logger);
        }
    }

    /// <summary>
    /// The worker was assigned <paramref name="partition"/>: if this process kept a standby of it, checkpoint it at its
    /// position and close it, so the restore starts from there. Returns the changelog offsets handed over (for logs).
    /// </summary>
    public string? HandOver(int partition)
    {
        if (!_replicas.Remove(partition, out var replica))
        {
            return null;
        }

        var positions = replica.Positions;
        replica.Close(_options, _logger, checkpoint: true);
        _logger.LogInformation("{Worker} hands its standby of {Topic}[{Partition}] over to the active partition at changelog offset(s) {Positions}",
            _worker, _agent.Topic.Name, partition, positions);
        return positions;
    }

    public void Dispose()
    {
        foreach (var (partition, replica) in _replicas)
        {
            Drop(partition, replica, "the worker stops");
        }

        _replicas.Clear();
    }

    private void Place(Func<int, bool> ownedHere)
    {
        var wanted = StandbyPlacement.StandbysOf(_board.View, _agent.Name, _agent.Topic.Partitions, _options.StandbyReplicas, _board.ProcessId);
        foreach (var partition in _replicas.Keys.ToList())
        {
            if (!wanted.Contains(partition) || ownedHere(partition))
            {
                _replicas.Remove(partition, out var replica);
                Drop(partition, replica!, ownedHere(partition) ? "this process owns the partition" : "the placement moved it");
            }
        }

        foreach (var partition in wanted)
        {
            if (!_replicas.ContainsKey(partition) && !ownedHere(partition))
            {
                Start(partition);
            }
        }
    }

    private void Start(int partition)
    {
        var replica = new Replica(partition);
        try
        {
            foreach (var table in _agent.Tables)
            {
                if (table.IsGlobal)
                {
                    continue; // every worker holds global tables whole
                }

                var shard = table.OpenShard(partition, _options.Store, _state.StoreOptionsFor(table, partition));
                var changelog = new TopicPartition(table.ChangelogTopic(_topology.AppId), partition);
                try
                {
                    var (from, reason) = _state.LoadCheckpoint(shard, changelog);
                    replica.Tables.Add(new FollowedTable(shard, changelog, _transport.OpenReader(changelog, from), reason));
                }
                catch
                {
                    shard.Dispose();
                    throw;
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            replica.Close(_options, _logger, checkpoint: false);
            _logger.LogWarning(e, "{Worker} could not start a standby of {Topic}[{Partition}]: {Reason}; trying again later", _worker, _agent.Topic.Name, partition, e.Message);
            return;
        }

        _replicas.Add(partition, replica);
        _logger.LogInformation("{Worker} keeps a standby of {Topic}[{Partition}]: {Tables}",
            _worker, _agent.Topic.Name, partition, string.Join("; ", replica.Tables.Select(t => $"{t.Shard.Definition.Name} from changelog offset {t.Reader.Position} ({t.Reason})")));
    }

    private void Drop(int partition, Replica replica, string why)
    {
        var positions = replica.Positions;
        replica.Close(_options, _logger, checkpoint: true);
        _logger.LogInformation("{Worker} drops its standby of {Topic}[{Partition}] at changelog offset(s) {Positions}: {Why}",
            _worker, _agent.Topic.Name, partition, positions, why);
    }

    private sealed record FollowedTable(ITableShard Shard, TopicPartition Changelog, IPartitionReader Reader, string Reason)
    {
        public long CheckpointedAt { get; set; } = long.MinValue;
    }

    /// <summary>One partition's standby: each of the agent's tables, following its changelog.</summary>
    private sealed class Replica(int partition)
    {
        private long _nextCheckpoint = Stopwatch.GetTimestamp();

        public int Partition { get; } = partition;

        public List<FollowedTable> Tables { get; } = [];

        public string Positions => string.Join(", ", Tables.Select(t => $"{t.Changelog}@{t.Reader.Position}"));

        /// <summary>Applies what each changelog has now, until <paramref name="deadline"/>.</summary>
        public void Follow(RecordBatch batch, long deadline, FaustishMetrics metrics, CancellationToken cancellationToken)
        {
            foreach (var table in Tables)
            {
                while (Stopwatch.GetTimestamp() < deadline && table.Reader.Fetch(batch, 4096, TimeSpan.Zero, cancellationToken))
                {
                    metrics.StandbyRecords.Add(table.Shard.Apply(batch));
                }
            }
        }

        /// <summary>Checkpoints, at each table's position, every <see cref="FaustishOptions.CheckpointInterval"/>.</summary>
        public void CheckpointIfDue(FaustishOptions options, ILogger logger)
        {
            if (Stopwatch.GetTimestamp() < _nextCheckpoint)
            {
                return;
            }

            _nextCheckpoint = Stopwatch.GetTimestamp() + (long)(options.CheckpointInterval.TotalSeconds * Stopwatch.Frequency);
            foreach (var table in Tables)
            {
                Checkpoint(table, options, logger);
            }
        }

        public void Close(FaustishOptions options, ILogger logger, bool checkpoint)
        {
            foreach (var table in Tables)
            {
                if (checkpoint)
                {
                    Checkpoint(table, options, logger);
                }

                table.Reader.Dispose();
                table.Shard.Dispose();
            }

            Tables.Clear();
        }

        /// <summary>
        /// The store holds the changelog up to (not including) the reader's position: every record fetched was applied.
        /// On Kafka the reader reads committed records only, so that position is never inside an open transaction.
        /// </summary>
        private static void Checkpoint(FollowedTable table, FaustishOptions options, ILogger logger)
        {
            var store = table.Shard.LocalCheckpoints;
            var position = table.Reader.Position;
            if (store is null || position == table.CheckpointedAt || position < 0)
            {
                return;
            }

            try
            {
                store.Checkpoint(position, options.CheckpointsKept);
                table.CheckpointedAt = position;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogWarning(e, "The standby of {Table}[{Partition}] could not take a checkpoint at changelog offset {Position}; a takeover replays more",
                    table.Shard.Definition.Name, table.Shard.Partition, position);
            }
        }
    }
}
