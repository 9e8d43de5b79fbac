using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Faustish.IO;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faustish.Transport.Embedded;

/// <summary>
/// The default transport: a durable log on local disk, for one process, with no server. It survives
/// <c>kill -9</c>: flushed records and committed positions are never lost, and a crash never leaves a file
/// half written.
/// </summary>
/// <remarks>
/// <para>Layout of the data directory:</para>
/// <list type="bullet">
/// <item><c>faustish.lock</c>: held (FileShare.None) while the transport is open, so that only one transport
/// of one process uses the directory.</item>
/// <item><c>topics/{topic}/topic.meta</c>: the partition count and compaction flag.</item>
/// <item><c>topics/{topic}/{partition}/</c>: the partition's FASTER <c>FasterLog</c> (files <c>log.N</c>
/// and its commit records) and its offset index <c>offsets.index</c> (<see cref="OffsetIndex"/>); in a compacted
/// partition, its compacted head <c>compacted.{offset}</c> (<see cref="CompactedSegment"/>). The log cleaner
/// (<see cref="LogCleaner"/>) deletes segments past the topic's retention and compacts in the background.</item>
/// <item><c>groups/{group}.positions</c>: a consumer group's committed positions (at-least-once commits).</item>
/// <item><c>inbox/</c>: records other processes hand to this one while it holds the directory (<see cref="Inbox"/>).</item>
/// <item><c>transactions.state</c>: the transaction journal (<see cref="TransactionJournal"/>): which transactions
/// are committed or aborted, and the positions of groups that commit transactionally.</item>
/// </list>
/// <para>
/// Offsets are Kafka's record offsets: the records of a partition are numbered 0, 1, 2, … in the order they were
/// appended, and a record's <see cref="BatchRecord.NextOffset"/> is its offset plus one. Records of aborted
/// transactions keep their offsets (readers skip them), so offsets read in a row may jump. Each record carries its
/// offset in the log; a sparse index per partition maps offsets to log positions.
/// </para>
/// <para>
/// Every consumer and reader reads committed records only (Kafka's read_committed): records of an open
/// transaction, and every record after the first of them, wait until it is decided; records of aborted
/// transactions are skipped.
/// </para>
/// <para>
/// Records become durable and visible to consumers and readers when a producer flushes (a FasterLog commit).
/// A flush by any producer of a partition commits everything enqueued to it so far, so records of another
/// producer may become visible before that producer flushes; only its own flush promises they are durable.
/// </para>
/// </remarks>
public sealed class EmbeddedTransport : ITransport, ITransactionalTransport
{
    private const string LockFileName = "faustish.lock";

    /// <summary>What to do with a data directory written by a Faustish whose offsets were log addresses.</summary>
    internal const string OldFormatAdvice =
        "That version used log addresses as offsets; this one numbers the records of each partition 0, 1, 2, … and cannot " +
        "carry records, committed positions, transactions and table checkpoints over safely. Finish processing with the " +
        "older version if needed, then move or delete the data directory (topics/, groups/, transactions.state and " +
        "state/ go together) and start again: the app creates its topics anew.";

    private readonly ConcurrentDictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GroupCoordinator> _groups = new(StringComparer.Ordinal);
    private static readonly TimeSpan InboxInterval = TimeSpan.FromMilliseconds(50);

    private readonly Lock _sync = new();
    private readonly FileStream _lockFile;
    private Timer? _inboxTimer;
    private Timer? _cleanerTimer;
    private readonly CancellationTokenSource _closing = new();
    private int _cleaning;
    private int _draining;
    private readonly string _topicsDirectory;
    private readonly string _groupsDirectory;
    private int _disposed;

    private EmbeddedTransport(string dataDirectory, FileStream lockFile, EmbeddedTransportOptions options, ILogger logger)
    {
        DataDirectory = dataDirectory;
        _lockFile = lockFile;
        Options = options;
        Logger = logger;
        _topicsDirectory = Path.Combine(dataDirectory, "topics");
        _groupsDirectory = Path.Combine(dataDirectory, "groups");
        Gate = new OperationGate(dataDirectory);
        Cleaner = new LogCleaner(this);
    }

    /// <summary>Deletes what retention lets go and compacts changelogs, in the background (<see cref="LogCleaner"/>).</summary>
    internal LogCleaner Cleaner { get; }

    /// <summary>The full path of the data directory.</summary>
    public string DataDirectory { get; }

    /// <inheritdoc />
    public string Description => "embedded:" + DataDirectory;

    internal EmbeddedTransportOptions Options { get; }

    internal ILogger Logger { get; }

    internal OperationGate Gate { get; }

    /// <summary>The transaction journal (<c>transactions.state</c>): decides transactions, holds transactional group positions.</summary>
    internal TransactionJournal Journal { get; private set; } = null!;

    /// <summary>
    /// Opens (creating it if needed) the data directory <paramref name="dataDirectory"/> and holds it until
    /// <see cref="DisposeAsync"/>. Throws <see cref="InvalidOperationException"/> at once if another transport,
    /// in this process or another, holds it.
    /// </summary>
    public static EmbeddedTransport Open(string dataDirectory, EmbeddedTransportOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        options = options?.Clone() ?? new EmbeddedTransportOptions();
        options.Validate();
        logger ??= NullLogger.Instance;
        ThreadPoolHeadroom.Ensure();

        var directory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(directory);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        }
        catch (IOException e) when (IsLockConflict(e))
        {
            throw new DataDirectoryInUseException(
                $"Another Faustish worker is using {directory}; stop it or use another --data-dir.", e);
        }

        try
        {
            lockFile.SetLength(0);
            lockFile.Write(Encoding.UTF8.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
            lockFile.Flush();

            var transport = new EmbeddedTransport(directory, lockFile, options, logger);
            RefuseOldFormats(directory, transport._topicsDirectory, transport._groupsDirectory);
            Directory.CreateDirectory(transport._topicsDirectory);
            Directory.CreateDirectory(transport._groupsDirectory);
            try
            {
                transport.Journal = TransactionJournal.Open(transport, directory);
            }
            catch
            {
                transport.CloseLogs();
                throw;
            }

            // Records other processes handed over while no one owned the directory go in first.
            Inbox.Drain(transport, CancellationToken.None);
            transport._inboxTimer = new Timer(static state => ((EmbeddedTransport)state!).DrainInbox(), transport, InboxInterval, InboxInterval);
            if (options.CleanupInterval != Timeout.InfiniteTimeSpan)
            {
                transport._cleanerTimer = new Timer(static state => ((EmbeddedTransport)state!).CleanInBackground(), transport, options.CleanupInterval, options.CleanupInterval);
            }

            logger.LogInformation("Embedded transport opened on {Directory}.", directory);
            return transport;
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask EnsureTopicsAsync(IReadOnlyList<TopicSpec> topics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topics);
        Gate.ThrowIfClosed();
        for (var i = 0; i < topics.Count; i++)
        {
            var spec = topics[i];
            ArgumentNullException.ThrowIfNull(spec, nameof(topics));
            EmbeddedNames.ValidateTopic(spec.Name);
            if (spec.Partitions < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(topics), spec.Partitions,
                    $"Topic '{spec.Name}' declares {spec.Partitions} partitions; declare at least 1.");
            }

            if (spec.RetentionMs is <= 0 || spec.RetentionBytes is <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(topics), spec,
                    $"Topic '{spec.Name}' declares a retention of {spec.RetentionMs?.ToString(CultureInfo.InvariantCulture) ?? "-"} ms and {spec.RetentionBytes?.ToString(CultureInfo.InvariantCulture) ?? "-"} bytes; a retention must be positive (leave it unset to keep records).");
            }
        }

        lock (_sync)
        {
            // Check everything before creating anything.
            for (var i = 0; i < topics.Count; i++)
            {
                var spec = topics[i];
                var existing = FindTopicLocked(spec.Name);
                if (existing is not null && existing.Partitions != spec.Partitions)
                {
                    throw new InvalidOperationException(
                        $"Topic '{spec.Name}' has {existing.Partitions} partitions on disk but the app declares {spec.Partitions}. " +
                        $"Declare Partitions = {existing.Partitions}, or delete {existing.Directory} to start over (losing its records).");
                }
            }

            for (var i = 0; i < topics.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var spec = topics[i];
                var existing = FindTopicLocked(spec.Name);
                if (existing is null)
                {
                    CreateTopicLocked(spec);
                }
                else if (existing.Compacted != spec.Compacted || existing.RetentionMs != spec.RetentionMs || existing.RetentionBytes != spec.RetentionBytes)
                {
                    existing.Compacted = spec.Compacted;
                    existing.RetentionMs = spec.RetentionMs;
                    existing.RetentionBytes = spec.RetentionBytes;
                    existing.Save();
                    Logger.LogInformation("Topic '{Topic}' is now {Kind}, retention {RetentionMs} ms and {RetentionBytes} bytes.",
                        spec.Name, spec.Compacted ? "compacted" : "not compacted", spec.RetentionMs, spec.RetentionBytes);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public int? GetPartitionCount(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return FindTopic(topic)?.Partitions;
    }

    /// <summary>Whether the topic is compacted, or null if it does not exist.</summary>
    public bool? IsCompacted(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return FindTopic(topic)?.Compacted;
    }

    /// <inheritdoc />
    public IRecordProducer CreateProducer()
    {
        Gate.ThrowIfClosed();
        return new EmbeddedProducer(this);
    }

    /// <inheritdoc />
    public ITransactionalProducer CreateTransactionalProducer(string transactionalId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(transactionalId);
        Gate.ThrowIfClosed();
        var producer = new EmbeddedProducer(this, transactionalId);
        Journal.RegisterProducer(transactionalId, producer);
        return producer;
    }

    /// <inheritdoc />
    public IGroupConsumer CreateGroupConsumer(string groupId, IReadOnlyList<string> topics, IAssignmentListener listener)
    {
        EmbeddedNames.ValidateGroup(groupId);
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(listener);
        Gate.ThrowIfClosed();
        if (topics.Count == 0)
        {
            throw new ArgumentException($"A consumer of group '{groupId}' must subscribe to at least one topic.", nameof(topics));
        }

        var subscribed = new List<string>(topics.Count);
        for (var i = 0; i < topics.Count; i++)
        {
            var topic = topics[i];
            if (FindTopic(topic) is null)
            {
                throw MissingTopic(topic);
            }

            if (!subscribed.Contains(topic))
            {
                subscribed.Add(topic);
            }
        }

        GroupCoordinator coordinator;
        lock (_sync)
        {
            if (!_groups.TryGetValue(groupId, out coordinator!))
            {
                coordinator = new GroupCoordinator(this, groupId, Path.Combine(_groupsDirectory, groupId + ".positions"),
                    Options.HandoverTimeout, Logger);
                _groups.Add(groupId, coordinator);
            }
        }

        return new EmbeddedGroupConsumer(this, coordinator, [.. subscribed], listener);
    }

    /// <inheritdoc />
    /// <remarks>
    /// <paramref name="fromOffset"/> is a record offset up to the next offset to be written (the first stored record if it is
    /// lower), <see cref="Offsets.Beginning"/>, or <see cref="Offsets.End"/> (the high watermark: the last stable offset).
    /// </remarks>
    public IPartitionReader OpenReader(TopicPartition partition, long fromOffset)
    {
        Gate.Enter();
        try
        {
            var log = GetLog(partition);
            return new EmbeddedPartitionReader(this, log, ResolveStart(log, fromOffset, nameof(fromOffset)));
        }
        finally
        {
            Gate.Exit();
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// <c>Low</c> is the offset of the first record stored. <c>High</c> is what a reader (always read committed) can reach:
    /// the offset after the last durable record or, while a transaction is open in the partition, the first offset it
    /// may use, whichever is lower (Kafka's last stable offset, what <c>ListOffsets</c> answers a read_committed
    /// consumer). So after a producer's flush, with no transaction open, <c>High</c> is the offset after its last record;
    /// records of an open transaction, and every record after its first, lie at or above <c>High</c> until it is decided.
    /// <c>High - Low</c> counts records, including those of aborted transactions.
    /// </remarks>
    public Watermarks GetWatermarks(TopicPartition partition)
    {
        Gate.Enter();
        try
        {
            var log = GetLog(partition);
            var high = log.VisibleUntil;
            return new Watermarks(Math.Min(log.FirstOffset, high), high);
        }
        finally
        {
            Gate.Exit();
        }
    }

    /// <summary>
    /// The record offset a read of <paramref name="log"/> from <paramref name="offset"/> starts at: <see cref="Offsets.Beginning"/>
    /// is the first stored record, <see cref="Offsets.End"/> the last stable offset; an offset past the next one to be
    /// written is refused.
    /// </summary>
    internal static long ResolveStart(PartitionLog log, long offset, string parameter)
    {
        var start = offset switch
        {
            Offsets.Beginning => log.FirstOffset,
            Offsets.End => log.VisibleUntil,
            < 0 => throw new ArgumentOutOfRangeException(parameter, offset,
                "Read from an offset (0 or more), Offsets.Beginning or Offsets.End."),
            _ => offset,
        };
        if (start > log.NextOffset)
        {
            throw new ArgumentOutOfRangeException(parameter, offset,
                $"Offset {offset} is beyond the end of {log.Partition} (its high watermark is {log.VisibleUntil}; the next record written gets offset {log.NextOffset}).");
        }

        return start;
    }

    /// <summary>
    /// Waits for operations in flight, commits records enqueued but not flushed, closes every reader, consumer
    /// cursor and log, and releases the data directory. Producers, consumers and readers fail with
    /// <see cref="ObjectDisposedException"/> afterwards (closing a consumer then runs no callbacks).
    /// </summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        // The last records other processes handed over go in before the logs close.
        using (var stopped = new ManualResetEvent(false))
        {
            if (_inboxTimer is not null && _inboxTimer.Dispose(stopped))
            {
                stopped.WaitOne();
            }
        }

        // A cleaning pass in progress stops at its next record batch; its files take effect only once whole.
        _closing.Cancel();
        using (var stopped = new ManualResetEvent(false))
        {
            if (_cleanerTimer is not null && _cleanerTimer.Dispose(stopped))
            {
                stopped.WaitOne();
            }
        }

        DrainInbox();
        Gate.CloseAndDrain();
        GroupCoordinator[] groups;
        lock (_sync)
        {
            groups = [.. _groups.Values];
        }

        foreach (var group in groups)
        {
            group.WakeAll();
        }

        var errors = CloseLogs();
        _lockFile.Dispose();
        Logger.LogInformation("Embedded transport on {Directory} closed.", DataDirectory);
        if (errors is not null)
        {
            throw new AggregateException($"Closing the embedded transport on {DataDirectory} failed for {errors.Count} partition(s).", errors);
        }

        return ValueTask.CompletedTask;
    }

    private List<Exception>? CloseLogs()
    {
        List<Exception>? errors = null;
        foreach (var topic in _topics.Values)
        {
            foreach (var log in topic.OpenLogs())
            {
                try
                {
                    log.Close();
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Logger.LogError(e, "Closing the embedded log of {Partition} failed.", log.Partition);
                    (errors ??= []).Add(e);
                }
            }
        }

        return errors;
    }

    /// <summary>The log of a partition of an existing topic (opened on first use).</summary>
    internal PartitionLog GetLog(TopicPartition partition)
    {
        var topic = FindTopic(partition.Topic) ?? throw MissingTopic(partition.Topic);
        return topic.GetLog(partition.Partition, Options, Logger);
    }

    /// <summary>The coordinator of group <paramref name="groupId"/>, or null if no consumer of it was ever created here.</summary>
    internal GroupCoordinator? FindGroup(string groupId)
    {
        lock (_sync)
        {
            return _groups.GetValueOrDefault(groupId);
        }
    }

    /// <summary>
    /// Runs one pass of the log cleaner over every partition opened so far, now (the background pass does the same every
    /// <see cref="EmbeddedTransportOptions.CleanupInterval"/>); returns how many partitions it shortened.
    /// </summary>
    internal int CleanLogs(CancellationToken cancellationToken = default)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        return Cleaner.Run(OpenPartitions(), both.Token);
    }

    private IEnumerable<(TopicState, PartitionLog)> OpenPartitions()
    {
        foreach (var topic in _topics.Values)
        {
            foreach (var log in topic.OpenLogs())
            {
                yield return (topic, log);
            }
        }
    }

    private void CleanInBackground()
    {
        if (Interlocked.Exchange(ref _cleaning, 1) != 0)
        {
            return;
        }

        try
        {
            CleanLogs();
        }
        catch (OperationCanceledException)
        {
            // Closing.
        }
        catch (ObjectDisposedException)
        {
            // Closing.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A timer callback must not throw (it would end the process); the next pass tries again.
            Logger.LogError(e, "The embedded log cleaner failed: {Message}. Nothing was deleted that is still needed; it tries again in {Interval}.",
                e.Message, Options.CleanupInterval);
        }
        finally
        {
            Volatile.Write(ref _cleaning, 0);
        }
    }

    /// <summary>Appends what other processes left in the inbox (<see cref="Inbox"/>); one drain at a time.</summary>
    private void DrainInbox()
    {
        if (Interlocked.Exchange(ref _draining, 1) != 0)
        {
            return;
        }

        try
        {
            Inbox.Drain(this, CancellationToken.None);
        }
        catch (ObjectDisposedException)
        {
            // Closing: the drain in DisposeAsync ran before the logs closed.
        }
        catch (Exception e) when (e is IOException or DeliveryFailedException or UnauthorizedAccessException)
        {
            Logger.LogError(e, "Appending records other processes handed over through {Inbox} failed; they stay there and are tried again.", Inbox.PathOf(DataDirectory));
        }
        finally
        {
            Volatile.Write(ref _draining, 0);
        }
    }

    /// <summary>
    /// Refuses, before anything is opened or written, a data directory holding files of a format whose offsets were
    /// log addresses (see <see cref="OldFormatAdvice"/>).
    /// </summary>
    private static void RefuseOldFormats(string directory, string topicsDirectory, string groupsDirectory)
    {
        var old = new List<string>();
        if (Directory.Exists(topicsDirectory))
        {
            foreach (var topic in Directory.EnumerateDirectories(topicsDirectory))
            {
                if (TopicState.IsOldFormat(topic))
                {
                    old.Add(Path.GetRelativePath(directory, Path.Combine(topic, TopicState.MetadataFileName)));
                }
            }
        }

        if (Directory.Exists(groupsDirectory))
        {
            foreach (var positions in Directory.EnumerateFiles(groupsDirectory, "*.positions"))
            {
                if (GroupPositionsFile.IsOldFormat(positions))
                {
                    old.Add(Path.GetRelativePath(directory, positions));
                }
            }
        }

        var journal = Path.Combine(directory, TransactionJournal.FileName);
        if (File.Exists(journal) && TransactionJournal.IsOldFormat(journal))
        {
            old.Add(TransactionJournal.FileName);
        }

        if (old.Count > 0)
        {
            old.Sort(StringComparer.Ordinal);
            var shown = string.Join(", ", old.Count > 5 ? [.. old.GetRange(0, 5), $"and {old.Count - 5} more"] : old);
            throw new InvalidOperationException(
                $"The data directory {directory} was written by an older Faustish ({shown}). {OldFormatAdvice}");
        }
    }

    private TopicState? FindTopic(string name)
    {
        if (_topics.TryGetValue(name, out var topic))
        {
            return topic;
        }

        lock (_sync)
        {
            return FindTopicLocked(name);
        }
    }

    private TopicState? FindTopicLocked(string name)
    {
        if (_topics.TryGetValue(name, out var topic))
        {
            return topic;
        }

        if (!EmbeddedNames.IsValid(name))
        {
            return null;
        }

        topic = TopicState.Load(name, Path.Combine(_topicsDirectory, name));
        if (topic is not null)
        {
            _topics[name] = topic;
        }

        return topic;
    }

    private void CreateTopicLocked(TopicSpec spec)
    {
        var directory = Path.Combine(_topicsDirectory, spec.Name);
        Directory.CreateDirectory(directory);
        for (var p = 0; p < spec.Partitions; p++)
        {
            Directory.CreateDirectory(Path.Combine(directory, p.ToString(CultureInfo.InvariantCulture)));
        }

        var topic = new TopicState(spec.Name, directory, spec.Partitions, spec.Compacted) { RetentionMs = spec.RetentionMs, RetentionBytes = spec.RetentionBytes };
        topic.Save(); // The topic exists once its metadata file is in place.
        DurableFile.SyncDirectory(_topicsDirectory);
        _topics[spec.Name] = topic;
        Logger.LogInformation("Created topic '{Topic}' with {Partitions} partitions in {Directory}.", spec.Name, spec.Partitions, directory);
    }

    /// <summary>
    /// Whether opening the lock file failed because someone holds it: EWOULDBLOCK from flock on Linux (11) and
    /// macOS (35), a sharing or lock violation on Windows.
    /// </summary>
    private static bool IsLockConflict(IOException e) =>
        e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);

    private InvalidOperationException MissingTopic(string topic) =>
        new($"Topic '{topic}' does not exist in {DataDirectory}. Declare it so that EnsureTopicsAsync creates it before it is used.");
}

/// <summary>Another process (or transport) holds the data directory. Tools then read and send next to it (<see cref="EmbeddedGuestTransport"/>).</summary>
internal sealed class DataDirectoryInUseException(string message, Exception innerException) : InvalidOperationException(message, innerException);
