using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using CK = Confluent.Kafka;

namespace Faustish.Transport.Kafka;

/// <summary>
/// Records on a Kafka cluster, through Confluent.Kafka (librdkafka). Producers are idempotent; group consumers use
/// cooperative-sticky rebalancing and commit synchronously when the worker says so (at-least-once), or their positions
/// ride in a worker's transaction (<see cref="KafkaTransactionalProducer"/>, exactly-once); partition readers are
/// assign-only consumers. Every consumer and reader reads committed records only. Offsets are Kafka's: 0, 1, 2, … per partition, with gaps where transaction markers or compaction left them.
/// </summary>
/// <remarks>
/// <para>Settings: <see cref="KafkaSettings"/> (defaults and pass-through of every librdkafka setting).</para>
/// <para>Broker outages: librdkafka retries deliveries, fetches and connections; commits are retried by the group
/// consumer. <see cref="KafkaHealth"/> logs what waits while every broker is down and reports the outage as
/// <see cref="BrokersUnavailable"/>.</para>
/// <para>Nothing here knows about librdkafka's mock cluster: tests run this very code against it.</para>
/// </remarks>
internal sealed class KafkaTransport : ITransport, ITransactionalTransport, ITransportHealth
{
    private readonly IAdminClient _admin;
    private readonly Lazy<IConsumer<Ignore, Ignore>> _offsets;
    private int _disposed;

    private KafkaTransport(KafkaTransportOptions options, ILoggerFactory loggers)
    {
        Options = options;
        Logger = loggers.CreateLogger("Faustish.Transport.Kafka");
        LibrdkafkaLogger = loggers.CreateLogger("Faustish.Transport.Kafka.librdkafka");
        Health = new KafkaHealth(Logger, options.BootstrapServers, Probe);
        _admin = new AdminClientBuilder(KafkaSettings.Build(options, KafkaClientKind.Admin))
            .SetErrorHandler((_, error) => Health.OnClientError("admin client", error))
            .SetLogHandler((_, message) => Log(message))
            .Build();
        _offsets = new Lazy<IConsumer<Ignore, Ignore>>(() => Configure(new ConsumerBuilder<Ignore, Ignore>(ConsumerConfig("faustish-offsets")), "offset queries").Build(),
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public KafkaTransportOptions Options { get; }

    public ILogger Logger { get; }

    public KafkaHealth Health { get; }

    private ILogger LibrdkafkaLogger { get; }

    /// <inheritdoc />
    public string Description => "kafka://" + Options.BootstrapServers;

    public bool BrokersUnavailable => Health.BrokersUnavailable;

    public long Outages => Health.Outages;

    private TimeSpan Timeout => Options.RequestTimeout;

    /// <summary>
    /// Checks the settings (<see cref="KafkaSettings.Validate"/>: a wrong one throws <see cref="InvalidOperationException"/>
    /// naming its key) and prepares the transport. Connects lazily: nothing fails here when brokers are down.
    /// </summary>
    public static KafkaTransport Open(KafkaTransportOptions options, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.BootstrapServers);
        KafkaSettings.Validate(options);
        var transport = new KafkaTransport(options, loggers ?? NullLoggerFactory.Instance);
        transport.Logger.LogInformation("Kafka transport on {Servers}, fetch path {FetchPath}", options.BootstrapServers, options.FetchPath);
        return transport;
    }

    /// <inheritdoc />
    public async ValueTask EnsureTopicsAsync(IReadOnlyList<TopicSpec> topics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ThrowIfDisposed();
        foreach (var spec in topics)
        {
            ArgumentNullException.ThrowIfNull(spec, nameof(topics));
            if (spec.Partitions < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(topics), spec.Partitions,
                    $"Topic '{spec.Name}' declares {spec.Partitions} partitions; declare at least 1.");
            }
        }

        var existing = ExistingTopics(topics.Select(t => t.Name));
        var missing = new List<TopicSpec>();
        foreach (var spec in topics)
        {
            if (!existing.TryGetValue(spec.Name, out var partitions))
            {
                missing.Add(spec);
            }
            else if (partitions != spec.Partitions)
            {
                throw PartitionMismatch(spec, partitions);
            }
        }

        if (missing.Count == 0)
        {
            return;
        }

        await CreateTopicsAsync(missing, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public int? GetPartitionCount(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ThrowIfDisposed();
        return ExistingTopics([topic]).TryGetValue(topic, out var partitions) ? partitions : null;
    }

    /// <inheritdoc />
    public IRecordProducer CreateProducer()
    {
        ThrowIfDisposed();
        return new KafkaProducer(this);
    }

    /// <inheritdoc />
    public ITransactionalProducer CreateTransactionalProducer(string transactionalId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(transactionalId);
        ThrowIfDisposed();
        return new KafkaTransactionalProducer(this, transactionalId);
    }

    /// <inheritdoc />
    public IGroupConsumer CreateGroupConsumer(string groupId, IReadOnlyList<string> topics, IAssignmentListener listener)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(listener);
        ThrowIfDisposed();
        if (topics.Count == 0)
        {
            throw new ArgumentException($"A consumer of group '{groupId}' must subscribe to at least one topic.", nameof(topics));
        }

        return new KafkaGroupConsumer(this, groupId, [.. topics.Distinct(StringComparer.Ordinal)], listener);
    }

    /// <inheritdoc />
    public IPartitionReader OpenReader(TopicPartition partition, long fromOffset)
    {
        ArgumentException.ThrowIfNullOrEmpty(partition.Topic, nameof(partition));
        ThrowIfDisposed();
        if (fromOffset < 0 && fromOffset is not Offsets.Beginning and not Offsets.End)
        {
            throw new ArgumentOutOfRangeException(nameof(fromOffset), fromOffset, "Read from an offset, Offsets.Beginning or Offsets.End.");
        }

        return new KafkaPartitionReader(this, partition, fromOffset);
    }

    /// <inheritdoc />
    public Watermarks GetWatermarks(TopicPartition partition)
    {
        ThrowIfDisposed();
        try
        {
            var watermarks = _offsets.Value.QueryWatermarkOffsets(new CK.TopicPartition(partition.Topic, partition.Partition), Timeout);
            return new Watermarks(watermarks.Low.Value, watermarks.High.Value);
        }
        catch (KafkaException e) when (IsMissing(e.Error.Code))
        {
            throw new InvalidOperationException($"{partition} does not exist on {Description} ({e.Error.Reason}).", e);
        }
        catch (KafkaException e)
        {
            throw new TimeoutException(
                $"Kafka did not tell the watermarks of {partition} within {Timeout.TotalSeconds:F0} s (brokers {Options.BootstrapServers}): {e.Error.Reason}. " +
                "Check that the brokers are reachable, or raise Faustish:Kafka:RequestTimeout.", e);
        }
    }

    /// <summary>Closes the admin and offset-query clients and stops the outage probe. Producers, consumers and readers are closed by their owners.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        Health.Dispose();
        if (_offsets.IsValueCreated)
        {
            _offsets.Value.Dispose();
        }

        _admin.Dispose();
        Logger.LogInformation("Kafka transport on {Servers} closed", Options.BootstrapServers);
        return ValueTask.CompletedTask;
    }

    /// <summary>The configuration of a consumer in <paramref name="groupId"/> (readers get a group id they never join).</summary>
    internal Dictionary<string, string> ConsumerConfig(string groupId)
    {
        var config = KafkaSettings.Build(Options, KafkaClientKind.Consumer);
        config["group.id"] = groupId;
        return config;
    }

    /// <summary>Routes a consumer's errors to <see cref="Health"/> and its logs to the librdkafka logger.</summary>
    internal ConsumerBuilder<TKey, TValue> Configure<TKey, TValue>(ConsumerBuilder<TKey, TValue> builder, string client) =>
        builder.SetErrorHandler((_, error) => Health.OnClientError(client, error)).SetLogHandler((_, message) => Log(message));

    /// <summary>Routes a producer's errors to <see cref="Health"/> and its logs to the librdkafka logger.</summary>
    internal ProducerBuilder<TKey, TValue> Configure<TKey, TValue>(ProducerBuilder<TKey, TValue> builder, string client, Action<Error>? onError = null) =>
        builder.SetErrorHandler((_, error) =>
        {
            onError?.Invoke(error);
            Health.OnClientError(client, error);
        }).SetLogHandler((_, message) => Log(message));

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    internal static CK.Offset ToKafkaOffset(long offset) => offset switch
    {
        Offsets.Beginning => CK.Offset.Beginning,
        Offsets.End => CK.Offset.End,
        _ => new CK.Offset(offset),
    };

    private static bool IsMissing(ErrorCode code) =>
        code is ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic or ErrorCode.Local_UnknownPartition;

    /// <summary>
    /// librdkafka's log lines, at matching levels, except two kinds at debug: connection failures (<c>FAIL</c>, once a
    /// second per broker and client during an outage; the error callbacks report them, rate-limited, through
    /// <see cref="Health"/>) and configuration warnings (<c>CONFWARN</c>: a consumer setting given to a producer, …).
    /// </summary>
    private void Log(LogMessage message)
    {
        var level = message.Facility is "FAIL" or "CONFWARN" ? LogLevel.Debug : message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
            SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        if (LibrdkafkaLogger.IsEnabled(level))
        {
            LibrdkafkaLogger.Log(level, "{Client} {Facility}: {Message}", message.Name, message.Facility, message.Message);
        }
    }

    /// <summary>Whether the cluster answers a metadata request in time (the outage probe).</summary>
    private bool Probe(TimeSpan timeout)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        var metadata = _admin.GetMetadata(timeout);
        return metadata.Brokers.Count > 0;
    }

    /// <summary>Partition counts of those of <paramref name="names"/> that exist.</summary>
    private Dictionary<string, int> ExistingTopics(IEnumerable<string> names)
    {
        var wanted = new HashSet<string>(names, StringComparer.Ordinal);
        Metadata metadata;
        try
        {
            // One topic: ask for it alone (allow.auto.create.topics=false keeps the request from creating it). Several:
            // one request for all topics.
            metadata = wanted.Count == 1 ? _admin.GetMetadata(wanted.First(), Timeout) : _admin.GetMetadata(Timeout);
        }
        catch (KafkaException e)
        {
            throw new TimeoutException(
                $"Kafka did not answer a metadata request for topic(s) {string.Join(", ", wanted.Order(StringComparer.Ordinal))} within {Timeout.TotalSeconds:F0} s " +
                $"(brokers {Options.BootstrapServers}): {e.Error.Reason}. Check that the brokers are reachable, or raise Faustish:Kafka:RequestTimeout.", e);
        }

        var found = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var topic in metadata.Topics)
        {
            if (!wanted.Contains(topic.Topic) || IsMissing(topic.Error.Code))
            {
                continue;
            }

            if (topic.Error.Code is ErrorCode.TopicAuthorizationFailed)
            {
                throw new InvalidOperationException(
                    $"Kafka refuses to describe topic '{topic.Topic}' to this client ({topic.Error.Reason}); grant it access (Describe, Read, Write) or check Faustish:Kafka:Common:sasl.*.");
            }

            if (topic.Partitions.Count > 0)
            {
                found[topic.Topic] = topic.Partitions.Count;
            }
        }

        return found;
    }

    private async Task CreateTopicsAsync(List<TopicSpec> missing, CancellationToken cancellationToken)
    {
        var specifications = missing.Select(spec => new TopicSpecification
        {
            Name = spec.Name,
            NumPartitions = spec.Partitions,
            ReplicationFactor = (short)Options.ReplicationFactor,
            Configs = TopicConfigs(spec),
        }).ToList();
        var described = string.Join(", ", missing.Select(Describe));
        Logger.LogInformation("Creating Kafka topic(s) {Topics}", described);
        try
        {
            var creation = _admin.CreateTopicsAsync(specifications, new CreateTopicsOptions { RequestTimeout = Timeout, OperationTimeout = Timeout });
            // Bounded here too: a client that never gets an answer must not hang start-up.
            await creation.WaitAsync(Timeout + TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        }
        catch (CreateTopicsException e)
        {
            var failures = new List<string>();
            foreach (var result in e.Results)
            {
                if (result.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists)
                {
                    continue; // Another instance may have created it meanwhile: checked below.
                }

                failures.Add($"'{result.Topic}': {result.Error.Reason}");
            }

            if (failures.Count > 0)
            {
                throw new InvalidOperationException(
                    $"Kafka ({Options.BootstrapServers}) refused to create topic(s): {string.Join("; ", failures)}. " +
                    $"Create them yourself ({described}) or give this client the right to (CREATE on the cluster).", e);
            }
        }
        catch (Exception e) when (e is TimeoutException || (e is KafkaException k && k.Error.Code is ErrorCode.Local_TimedOut or ErrorCode.RequestTimedOut))
        {
            throw new InvalidOperationException(
                $"Creating the Kafka topic(s) {string.Join(", ", missing.Select(t => t.Name))} on {Options.BootstrapServers} did not finish within {Timeout.TotalSeconds:F0} s. " +
                $"Check that the brokers are reachable and accept CreateTopics from this client, or create the topics yourself: {described}.", e);
        }

        // Topic creation is asynchronous in Kafka: wait until metadata shows every topic with its partitions.
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var existing = ExistingTopics(missing.Select(t => t.Name));
            var pending = missing.Where(t => !existing.ContainsKey(t.Name)).ToList();
            foreach (var spec in missing)
            {
                if (existing.TryGetValue(spec.Name, out var partitions) && partitions != spec.Partitions)
                {
                    throw PartitionMismatch(spec, partitions);
                }
            }

            if (pending.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new InvalidOperationException(
                    $"Kafka ({Options.BootstrapServers}) accepted the topic(s) {string.Join(", ", pending.Select(t => t.Name))} but its metadata did not show them within {Timeout.TotalSeconds:F0} s; start again, or check the brokers.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Topic configuration: compacted changelogs, with time-based deletion too when their windows expire.</summary>
    internal static Dictionary<string, string> TopicConfigs(TopicSpec spec)
    {
        var configs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (spec.Compacted)
        {
            configs["cleanup.policy"] = spec.RetentionMs is null ? "compact" : "compact,delete";
        }

        if (spec.RetentionMs is { } retention)
        {
            configs["retention.ms"] = retention.ToString(CultureInfo.InvariantCulture);
        }

        if (spec.RetentionBytes is { } bytes)
        {
            configs["retention.bytes"] = bytes.ToString(CultureInfo.InvariantCulture);
        }

        return configs;
    }

    private static string Describe(TopicSpec spec)
    {
        var configs = TopicConfigs(spec);
        return configs.Count == 0
            ? $"{spec.Name} ({spec.Partitions} partitions)"
            : $"{spec.Name} ({spec.Partitions} partitions, {string.Join(", ", configs.Select(c => c.Key + "=" + c.Value))})";
    }

    private InvalidOperationException PartitionMismatch(TopicSpec spec, int actual) =>
        new($"Topic '{spec.Name}' has {actual} partitions on Kafka ({Options.BootstrapServers}) but the app declares {spec.Partitions}. " +
            $"Declare Partitions = {actual}, or recreate the topic with {spec.Partitions} partitions (changing the count moves keys between partitions, which breaks tables and their changelogs).");
}
