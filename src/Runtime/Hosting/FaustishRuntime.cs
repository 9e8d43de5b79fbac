using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Tables;
using Faustish.Transport;
using Microsoft.Extensions.Logging;

namespace Faustish.Hosting;

/// <summary>
/// The running app: its settings, its checked topology and its transport. Workers, CLI commands and
/// <see cref="IWorkerLifecycle"/> hooks all reach the app through it.
/// </summary>
public sealed class FaustishRuntime : IAsyncDisposable
{
    private readonly Func<FaustishOptions, ILoggerFactory, ITransport> _openTransport;
    private readonly ILoggerFactory _loggers;
    private ITransport? _transport;
    private Tables.Faster.StoreMemoryBudget? _storeMemory;

    public FaustishRuntime(FaustishOptions options, AppModel model, ILoggerFactory loggers,
        Func<FaustishOptions, ILoggerFactory, ITransport>? openTransport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(model);
        Options = options;
        _loggers = loggers ?? throw new ArgumentNullException(nameof(loggers));
        Topology = new AppTopology(model, options.AppId);
        _openTransport = openTransport ?? Transports.Open;
        Metrics.ObserveProgress(MeasureLag, () => _watchdog?.Stalls.Count ?? 0);
    }

    private volatile IReadOnlyList<AgentWorker> _workers = [];
    private StallWatchdog? _watchdog;

    /// <summary>The workers created last (<see cref="CreateWorkers"/>): what the status page, table views and watchdog look at.</summary>
    internal IReadOnlyList<AgentWorker> Workers => _workers;

    /// <summary>The stall watchdog over <see cref="Workers"/> (<see cref="FaustishOptions.StallTimeout"/>, <see cref="Clock"/>).</summary>
    internal StallWatchdog Watchdog => _watchdog ??= new StallWatchdog(Transport, Options.StallTimeout, Clock, _loggers.CreateLogger("Faustish.Watchdog"));

    /// <summary>Warnings and errors logged lately (status page); filled when the host logs through <see cref="RecentProblems.Provider"/>.</summary>
    internal RecentProblems Problems { get; init; } = new();

    /// <summary>The address this process's web server advertises (table reads are forwarded there), once it listens.</summary>
    internal string? WebAddress
    {
        get => _webAddress;
        set
        {
            _webAddress = value;
            _board?.AdvertiseWeb(value);
        }
    }

    private string? _webAddress;

    /// <summary>The assignment board if this process keeps one (standby replicas on Kafka); never creates it.</summary>
    internal Tables.Standby.AssignmentBoard? ExistingBoard => _board;

    /// <summary>
    /// Per input partition this process holds, records not yet processed: the partition's end minus the position
    /// processed (or its start, before the first batch). Reads what workers publish, never their state.
    /// </summary>
    internal IEnumerable<System.Diagnostics.Metrics.Measurement<long>> MeasureLag()
    {
        var measurements = new List<System.Diagnostics.Metrics.Measurement<long>>();
        foreach (var worker in _workers)
        {
            for (var p = 0; p < worker.Progress.Partitions; p++)
            {
                if (worker.Progress.PhaseOf(p) == PartitionPhase.None || LagOf(worker, p) is not { } lag)
                {
                    continue;
                }

                measurements.Add(new(lag,
                    new KeyValuePair<string, object?>("topic", worker.Agent.Topic.Name),
                    new KeyValuePair<string, object?>("partition", p),
                    new KeyValuePair<string, object?>("agent", worker.Agent.Name)));
            }
        }

        return measurements;
    }

    /// <summary>Records of the worker's partition not yet processed, or null when the transport cannot say now.</summary>
    internal long? LagOf(AgentWorker worker, int partition)
    {
        ArgumentNullException.ThrowIfNull(worker);
        try
        {
            var watermarks = Transport.GetWatermarks(new TopicPartition(worker.Agent.Topic.Name, partition));
            var position = worker.Progress.PositionOf(partition);
            return Math.Max(watermarks.High - (position < 0 ? watermarks.Low : position), 0);
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or ObjectDisposedException)
        {
            return null;
        }
    }

    public FaustishOptions Options { get; }

    public AppTopology Topology { get; }

    public FaustishMetrics Metrics { get; } = new();

    /// <summary>The memory budget all table stores of this app's workers share (<see cref="FaustishOptions.StoreMemoryBytes"/>).</summary>
    public Tables.Faster.StoreMemoryBudget StoreMemory => _storeMemory ??= new(Options.StoreMemoryBytes);

    /// <summary>The wall clock of workers and windows; tests put a fake one here to move time without sleeping.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The transport, opened on first use.</summary>
    public ITransport Transport
    {
        get
        {
            if (_transport is null)
            {
                _transport = _openTransport(Options, _loggers);
                Metrics.ObserveTransport(_transport as ITransportHealth);
            }

            return _transport;
        }
    }

    /// <summary>Creates or checks every topic the app needs.</summary>
    public ValueTask EnsureTopicsAsync(CancellationToken cancellationToken) =>
        Transport.EnsureTopicsAsync(RequiredTopics(), cancellationToken);

    /// <summary>
    /// Every topic the app needs: the topology's, plus the assignment board's (<c>{app}-assignments</c>, compacted, one
    /// partition) when this process keeps one (<see cref="KeepsBoard"/>).
    /// </summary>
    public IReadOnlyList<TopicSpec> RequiredTopics() => KeepsBoard
        ? [.. Topology.RequiredTopics(Options.Topics), new TopicSpec(Tables.Standby.AssignmentBoard.TopicOf(Options.AppId), 1, Compacted: true)]
        : Topology.RequiredTopics(Options.Topics);

    /// <summary>This process's id, kept in the data directory (<see cref="ProcessIdentity"/>).</summary>
    public string ProcessId => ProcessIdentity.Of(Options.DataDirectory);

    /// <summary>
    /// Whether this process publishes what it owns on the assignment board: on Kafka with standby replicas (they are
    /// placed from it) or with the web server on (it forwards table reads for keys another process owns to that process's
    /// advertised address, <see cref="Web.KeyForwarding"/>). The embedded log has one process per data directory, so
    /// there is nobody to tell.
    /// </summary>
    internal bool KeepsBoard => Options.StandbyReplicas > 0 || (Options.BrokerAddress.Kind == BrokerKind.Kafka && Options.Web.Enabled);

    /// <summary>The assignment board standbys are placed from and table reads forwarded by; null unless <see cref="KeepsBoard"/>. Started on first use.</summary>
    internal Tables.Standby.AssignmentBoard? Board =>
        KeepsBoard ? _board ??= OpenBoard() : null;

    private Tables.Standby.AssignmentBoard OpenBoard()
    {
        var board = new Tables.Standby.AssignmentBoard(Transport, Options.AppId, ProcessId, _loggers.CreateLogger("Faustish.Standby"));
        board.AdvertiseWeb(_webAddress);
        return board;
    }

    private Tables.Standby.AssignmentBoard? _board;

    /// <summary>
    /// A sender for code outside agents (seeding, CLI). It is not thread-safe; call
    /// <c>sender.Producer.Flush</c> to make what it sent durable, and dispose the producer when done.
    /// </summary>
    public RecordSender CreateSender() => new(Transport.CreateProducer());

    /// <summary>
    /// Sends events to agents and asks the agents that reply (<c>await Agent.AskAsync(runtime.Asker, key, value, timeout)</c>).
    /// Created on first use; call after <see cref="EnsureTopicsAsync"/>, which creates the app's replies topic.
    /// </summary>
    public AgentAsker Asker
    {
        get
        {
            lock (_askerGate)
            {
                return _asker ??= new AgentAsker(Transport, Topology.RepliesTopic);
            }
        }
    }

    private readonly System.Threading.Lock _askerGate = new();
    private AgentAsker? _asker;

    /// <summary>
    /// Rebuilds every partition of a table from its changelog, into memory, and returns the shards
    /// (dispose them). This is how tools read state without a running worker. Each partition is read up to its high
    /// watermark as it was when reading began (on Kafka an empty fetch does not mean the end).
    /// </summary>
    public IReadOnlyList<ITableShard> ReadTable(TableDefinition table, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        var shards = new List<ITableShard>();
        var changelog = table.ChangelogTopic(Options.AppId);
        var partitions = Transport.GetPartitionCount(changelog) ?? 0;
        for (var partition = 0; partition < partitions; partition++)
        {
            var shard = table.OpenShard(partition, StoreKind.Memory, new StoreOptions(Path.Combine(Options.DataDirectory, "tmp"), Options.StoreMemoryBytes));
            try
            {
                ChangelogRestore.ReadAll(shard, Transport, new TopicPartition(changelog, partition), cancellationToken, Options.Kafka.RequestTimeout);
            }
            catch
            {
                shard.Dispose();
                foreach (var opened in shards)
                {
                    opened.Dispose();
                }

                throw;
            }

            shards.Add(shard);
        }

        return shards;
    }

    /// <summary>Creates the workers of every agent (one per unit of concurrency).</summary>
    public IReadOnlyList<AgentWorker> CreateWorkers(IServiceProvider services)
    {
        IReadOnlyList<AgentWorker> workers = [.. Topology.Model.Agents.SelectMany(agent => Enumerable.Range(0, agent.Concurrency).Select(index =>
            new AgentWorker(agent, index, Topology, Transport, Options, services, Metrics, _loggers.CreateLogger($"Faustish.Agents.{agent.Name}"), Clock, StoreMemory, Board)))];
        _workers = workers;
        return workers;
    }

    public async ValueTask DisposeAsync()
    {
        if (_asker is not null)
        {
            await _asker.DisposeAsync().ConfigureAwait(false);
            _asker = null;
        }

        // Before the transport: the board publishes this process's departure through it.
        _board?.Dispose();
        _board = null;
        if (_transport is not null)
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
            _transport = null;
        }

        Metrics.Dispose();
    }
}

/// <summary>Hooks around a worker's run: seed data before agents start, report after they stop.</summary>
public interface IWorkerLifecycle
{
    /// <summary>Runs after topics exist and before agents start.</summary>
    Task OnStartingAsync(FaustishRuntime runtime, CancellationToken cancellationToken);

    /// <summary>Runs after every agent committed and stopped, before the transport closes.</summary>
    Task OnStoppedAsync(FaustishRuntime runtime, CancellationToken cancellationToken);
}
