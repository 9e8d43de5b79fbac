using System;
using System.Collections.Generic;
using System.IO;
using Faustish.Agents;
using Faustish.Tables;

namespace Faustish.Hosting;

/// <summary>
/// Settings of a Faustish app. Bound from configuration section <c>Faustish</c> (appsettings.json, environment
/// variables <c>Faustish__AppId</c>, …) and from command-line options (<c>--app</c>, <c>--data-dir</c>, …).
/// </summary>
public sealed class FaustishOptions
{
    /// <summary>The app's id: prefix of consumer groups, changelog and dead-letter topics. Defaults to the entry assembly's name.</summary>
    public string AppId { get; set; } = "";

    /// <summary>Where the embedded transport and the table stores keep their files. Defaults to <c>./.faustish/{AppId}</c>.</summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>
    /// Where records live: <c>kafka://host1:9092,host2:9092</c> for a Kafka cluster (tune it under <see cref="Kafka"/>),
    /// <c>embedded://path</c> or nothing for the embedded log (<c>embedded://path</c> sets <see cref="DataDirectory"/>).
    /// Set <c>--broker</c>, <c>Faustish:Broker</c> or <c>Faustish__Broker</c>. Table stores stay in the data directory
    /// on either transport.
    /// </summary>
    public string Broker { get; set; } = "";

    /// <summary>Settings of the Kafka transport: librdkafka settings passed through, replication factor, timeouts.</summary>
    public KafkaOptions Kafka { get; set; } = new();

    /// <summary><see cref="Broker"/> parsed by <see cref="Validate"/>.</summary>
    public BrokerAddress BrokerAddress { get; private set; } = new(BrokerKind.Embedded, null);

    /// <summary>
    /// How often progress is committed: outputs and changelogs flushed, then input positions (at-least-once), or all
    /// three in one transaction (exactly-once; outputs become visible to readers at each commit). Never per message.
    /// </summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most records fetched and processed in one batch.</summary>
    public int MaxBatchSize { get; set; } = 2048;

    /// <summary>
    /// How long a partition with other inputs (a join's right side, a table fed by a topic) waits for an input that has
    /// nothing to give before going on without it (Kafka Streams' <c>max.task.idle.ms</c>). Zero, the default, waits
    /// only while the input is known to hold records not yet fetched; a longer wait keeps time order when one topic's
    /// records reach the broker later than the other's.
    /// </summary>
    public TimeSpan MaxTaskIdle { get; set; }

    /// <summary>How long a worker waits for new records before checking its commit timer and stop signal.</summary>
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>What happens when an agent's method throws. Records that do not decode always go to the dead-letter topic.</summary>
    public ErrorPolicy ErrorPolicy { get; set; } = ErrorPolicy.Stop;

    /// <summary>
    /// What a crash may do to results: <see cref="ProcessingGuarantee.AtLeastOnce"/> (the default: records processed
    /// after the last commit are processed again, so table updates and sends can be applied twice) or
    /// <see cref="ProcessingGuarantee.ExactlyOnce"/> (table changes, sends and input positions commit in one
    /// transaction; after a crash, tables and outputs equal those of a run without it). Set <c>--guarantee</c> or
    /// <c>Faustish:Guarantee</c>.
    /// </summary>
    public ProcessingGuarantee Guarantee { get; set; } = ProcessingGuarantee.AtLeastOnce;

    /// <summary>
    /// How many other processes keep a warm copy (a standby replica) of each table partition, following its changelog,
    /// so that one taking the partition over after a failure replays only the changelog's tail. 0 (the default): none.
    /// Kafka only; placement is described in docs/standby-replicas.md. Set <c>Faustish:StandbyReplicas</c>.
    /// </summary>
    public int StandbyReplicas { get; set; }

    /// <summary>
    /// Most keys a table partition's write cache holds between commits (Kafka Streams' <c>statestore.cache.max.bytes</c>,
    /// counted in keys). Beyond it the partition flushes the cache early: the keys' latest values go to the changelog and
    /// the store, as a commit would, without committing positions. It bounds the work a commit does on the worker
    /// thread (about a microsecond per key), so a commit never stops the worker for long, while a hot key still costs
    /// one changelog record per commit. Set <c>Faustish:WriteCacheKeys</c>.
    /// </summary>
    public int WriteCacheKeys { get; set; } = 2048;

    /// <summary>How table partitions are stored.</summary>
    public StoreKind Store { get; set; } = StoreKind.Faster;

    /// <summary>
    /// In-memory budget of all table stores of the process together, whatever the number of tables and partitions:
    /// each open store gets an equal share, re-divided as partitions come and go; beyond it FASTER spills to disk.
    /// Each store's hash index (about 4 MiB, more with millions of keys) comes on top.
    /// </summary>
    public long StoreMemoryBytes { get; set; } = 256L << 20;

    /// <summary>
    /// How often each table partition's store takes a local checkpoint (at a commit, never more often than commits),
    /// so that a restart loads it and replays only the changelog after it. Stores also checkpoint when a partition is
    /// released in an orderly way (stop, rebalance).
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many checkpoints each store keeps (newest first); an older one stands in when a newer one is damaged.</summary>
    public int CheckpointsKept { get; set; } = 2;

    /// <summary>How often a long table restore logs its progress.</summary>
    public TimeSpan RestoreProgressInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Per topic name, a retention that overrides the one its <c>[Topic]</c> declares
    /// (<c>Faustish:Topics:page-views:Retention = 2h</c>, <c>:RetentionBytes</c>).
    /// </summary>
    public Dictionary<string, Topics.TopicRetention> Topics { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The web server: table views, status page, health probes and <c>/metrics</c> (on by default, loopback only).</summary>
    public Web.WebOptions Web { get; set; } = new();

    /// <summary>
    /// How long a partition may have records waiting without any progress before the stall watchdog reports it (log,
    /// status page, <c>faustish.partition.stalled</c> metric) with its coordinates and what its task waits for.
    /// </summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The dead-letter topic: <c>{AppId}-dead-letters</c>.</summary>
    public string DeadLetterTopic => $"{AppId}-dead-letters";

    /// <summary>Fills defaults and rejects settings that cannot work, saying what to change.</summary>
    public FaustishOptions Validate(string defaultAppId)
    {
        if (string.IsNullOrWhiteSpace(AppId))
        {
            AppId = Kebab(defaultAppId);
        }

        if (!IsValidName(AppId))
        {
            throw new InvalidOperationException(
                $"App id '{AppId}' is not valid: use letters, digits, '.', '_' and '-' only (it prefixes topic names). Set --app or Faustish:AppId.");
        }

        BrokerAddress = BrokerAddress.Parse(Broker);
        if (BrokerAddress is { Kind: BrokerKind.Embedded, Target: { } embeddedDirectory })
        {
            if (!string.IsNullOrWhiteSpace(DataDirectory) && Path.GetFullPath(DataDirectory) != Path.GetFullPath(embeddedDirectory))
            {
                throw new InvalidOperationException(
                    $"The data directory is given twice: '{DataDirectory}' (--data-dir, Faustish:DataDirectory) and '{embeddedDirectory}' (--broker {Broker}). Give one of them.");
            }

            DataDirectory = embeddedDirectory;
        }

        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            DataDirectory = Path.Combine(".faustish", AppId);
        }

        DataDirectory = Path.GetFullPath(DataDirectory);
        Require(CommitInterval > TimeSpan.Zero, $"CommitInterval must be positive (was {CommitInterval}). Set Faustish:CommitInterval, e.g. 00:00:01.");
        Require(MaxTaskIdle >= TimeSpan.Zero, $"MaxTaskIdle must not be negative (was {MaxTaskIdle}). Set Faustish:MaxTaskIdle to 0 or a duration.");
        Require(MaxBatchSize > 0, $"MaxBatchSize must be at least 1 (was {MaxBatchSize}). Set Faustish:MaxBatchSize.");
        Require(PollTimeout > TimeSpan.Zero, $"PollTimeout must be positive (was {PollTimeout}). Set Faustish:PollTimeout.");
        Require(Enum.IsDefined(Guarantee), $"Guarantee must be AtLeastOnce or ExactlyOnce (was {Guarantee}). Set --guarantee or Faustish:Guarantee.");
        Require(WriteCacheKeys >= 1, $"WriteCacheKeys must be at least 1 (was {WriteCacheKeys}). Set Faustish:WriteCacheKeys, e.g. 2048.");
        Require(StoreMemoryBytes >= 1 << 16, $"StoreMemoryBytes must be at least 65536 (was {StoreMemoryBytes}). Set Faustish:StoreMemoryBytes.");
        Require(CheckpointInterval > TimeSpan.Zero, $"CheckpointInterval must be positive (was {CheckpointInterval}). Set Faustish:CheckpointInterval, e.g. 00:00:30.");
        Require(CheckpointsKept >= 1, $"CheckpointsKept must be at least 1 (was {CheckpointsKept}). Set Faustish:CheckpointsKept, e.g. 2.");
        Require(RestoreProgressInterval > TimeSpan.Zero, $"RestoreProgressInterval must be positive (was {RestoreProgressInterval}). Set Faustish:RestoreProgressInterval.");
        Require(StandbyReplicas >= 0, $"StandbyReplicas must be 0 or more (was {StandbyReplicas}). Set Faustish:StandbyReplicas.");
        Require(StandbyReplicas == 0 || BrokerAddress.Kind == BrokerKind.Kafka,
            $"StandbyReplicas = {StandbyReplicas} needs Kafka (--broker kafka://host:9092): on the embedded log one process holds every partition. Set Faustish:StandbyReplicas to 0.");
        Require(StallTimeout > TimeSpan.Zero, $"StallTimeout must be positive (was {StallTimeout}). Set Faustish:StallTimeout, e.g. 00:02:00.");
        Web ??= new Web.WebOptions();
        Web.Validate();
        Kafka ??= new KafkaOptions();
        Require(Kafka.ReplicationFactor is -1 or >= 1 and <= short.MaxValue,
            $"Kafka.ReplicationFactor must be -1 (the brokers' default) or at least 1 (was {Kafka.ReplicationFactor}). Set Faustish:Kafka:ReplicationFactor.");
        Require(Kafka.RequestTimeout > TimeSpan.Zero && Kafka.RequestTimeout.TotalMilliseconds <= int.MaxValue,
            $"Kafka.RequestTimeout must be positive (was {Kafka.RequestTimeout}). Set Faustish:Kafka:RequestTimeout, e.g. 00:00:30.");
        Require(Enum.IsDefined(Kafka.FetchPath), $"Kafka.FetchPath must be Client or InPlace (was {Kafka.FetchPath}). Set Faustish:Kafka:FetchPath.");
        return this;
    }

    internal static bool IsValidName(string name)
    {
        if (name.Length is 0 or > 200)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Kebab(string name) => name.Replace(' ', '-').ToLowerInvariant();

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
