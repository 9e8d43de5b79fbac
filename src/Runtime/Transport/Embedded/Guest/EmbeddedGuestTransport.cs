using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Faustish.Transport.Embedded;

/// <summary>
/// The embedded log as a second process sees it while a worker owns the data directory (<c>send</c>, <c>table</c>,
/// <c>topic read</c>, <c>dead-letters list</c> next to a running worker). It coordinates instead of taking the
/// directory: it reads what the owner committed (<see cref="ReadOnlyPartitionLog"/>, <see cref="GuestPartitionReader"/>)
/// and hands what it writes to the owner, the one writer of every partition (<see cref="Inbox"/>). It joins no group
/// and holds no transaction: those belong to the owner.
/// </summary>
internal sealed class EmbeddedGuestTransport : ITransport
{
    private readonly EmbeddedTransportOptions _options;
    private readonly string _topicsDirectory;

    private EmbeddedGuestTransport(string dataDirectory, EmbeddedTransportOptions options, ILogger logger)
    {
        DataDirectory = dataDirectory;
        _options = options;
        Logger = logger;
        _topicsDirectory = Path.Combine(dataDirectory, "topics");
    }

    public string DataDirectory { get; }

    internal ILogger Logger { get; }

    /// <summary>How long <see cref="IRecordProducer.Flush"/> waits for the owner to take the records.</summary>
    internal TimeSpan HandOverTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string Description => $"embedded:{DataDirectory} (owned by another process)";

    public static EmbeddedGuestTransport Open(string dataDirectory, EmbeddedTransportOptions? options, ILogger logger)
    {
        options = options?.Clone() ?? new EmbeddedTransportOptions();
        options.Validate();
        logger.LogDebug("{Directory} is owned by another process: reading what it commits and handing records to it.", dataDirectory);
        return new EmbeddedGuestTransport(Path.GetFullPath(dataDirectory), options, logger);
    }

    /// <summary>Checks the topics: the owner created them; a second process creates nothing.</summary>
    public ValueTask EnsureTopicsAsync(IReadOnlyList<TopicSpec> topics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topics);
        foreach (var spec in topics)
        {
            var partitions = GetPartitionCount(spec.Name) ?? throw new InvalidOperationException(
                $"Topic '{spec.Name}' does not exist in {DataDirectory}, and the process that owns the directory did not create it. " +
                "Restart that worker with this version of the app (it creates the topics the app declares), or stop it and run this command alone.");
            if (partitions != spec.Partitions)
            {
                throw new InvalidOperationException(
                    $"Topic '{spec.Name}' has {partitions} partitions on disk but the app declares {spec.Partitions}. Declare Partitions = {partitions}.");
            }
        }

        return ValueTask.CompletedTask;
    }

    public int? GetPartitionCount(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return EmbeddedNames.IsValid(topic) ? TopicState.Load(topic, Path.Combine(_topicsDirectory, topic))?.Partitions : null;
    }

    public IRecordProducer CreateProducer() => new InboxProducer(this);

    public IGroupConsumer CreateGroupConsumer(string groupId, IReadOnlyList<string> topics, IAssignmentListener listener) =>
        throw new InvalidOperationException(
            $"Another Faustish worker is using {DataDirectory}; consumer groups run in the process that owns the directory. Stop it, or use another --data-dir.");

    public IPartitionReader OpenReader(TopicPartition partition, long fromOffset)
    {
        var start = fromOffset switch
        {
            Offsets.Beginning => 0,
            Offsets.End => GetWatermarks(partition).High,
            < 0 => throw new ArgumentOutOfRangeException(nameof(fromOffset), fromOffset, "Read from an offset (0 or more), Offsets.Beginning or Offsets.End."),
            _ => fromOffset,
        };
        // From the beginning, the first record found is the log start, wherever it is: nothing to report.
        return new GuestPartitionReader(OpenLog(partition), DataDirectory, start, fromOffset == Offsets.Beginning ? null : Logger);
    }

    /// <summary>Low: the first record stored; high: after the last committed record, or the first of an undecided transaction.</summary>
    public Watermarks GetWatermarks(TopicPartition partition)
    {
        using var reader = new GuestPartitionReader(OpenLog(partition), DataDirectory, 0);
        var batch = new RecordBatch();
        long? low = null;
        while (reader.Fetch(batch, 4096, TimeSpan.Zero, CancellationToken.None))
        {
            low ??= batch[0].Offset;
        }

        // Records of aborted transactions count, as on the owner's side: the high watermark is where reading stopped.
        return new Watermarks(Math.Min(low ?? reader.Position, reader.Position), reader.Position);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private ReadOnlyPartitionLog OpenLog(TopicPartition partition)
    {
        var count = GetPartitionCount(partition.Topic)
            ?? throw new InvalidOperationException($"Topic '{partition.Topic}' does not exist in {DataDirectory}.");
        if (partition.Partition < 0 || partition.Partition >= count)
        {
            throw new ArgumentOutOfRangeException(nameof(partition), partition, $"Topic '{partition.Topic}' has {count} partition(s).");
        }

        return ReadOnlyPartitionLog.Open(partition, Path.Combine(_topicsDirectory, partition.Topic, partition.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture)), _options);
    }

    /// <summary>
    /// Buffers records; <see cref="Flush"/> hands them to the owner in one inbox file and waits until it appended them. If
    /// the owner stops meanwhile, this process opens the directory itself, which appends them.
    /// </summary>
    private sealed class InboxProducer(EmbeddedGuestTransport transport) : IRecordProducer
    {
        private readonly List<InboxRecord> _pending = [];

        public void Produce(TopicPartition partition, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull,
            long timestampMs, IReadOnlyList<RecordHeader>? headers = null) =>
            _pending.Add(new InboxRecord(partition, keyIsNull ? null : key.ToArray(), valueIsNull ? null : value.ToArray(), timestampMs, headers ?? []));

        public void Flush(CancellationToken cancellationToken)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            var path = Inbox.Write(transport.DataDirectory, _pending);
            _pending.Clear();
            var waited = Stopwatch.StartNew();
            var lookForOwnerAt = TimeSpan.FromMilliseconds(500);
            while (File.Exists(path))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (waited.Elapsed > transport.HandOverTimeout)
                {
                    throw new TimeoutException(
                        $"The process that owns {transport.DataDirectory} did not take the records within {transport.HandOverTimeout.TotalSeconds:F0} s. " +
                        $"They wait in {path} and are appended when it, or the next process to open the directory, gets to them; do not send them again.");
                }

                if (waited.Elapsed > lookForOwnerAt)
                {
                    lookForOwnerAt = waited.Elapsed + TimeSpan.FromMilliseconds(250);
                    if (TryTakeOver(cancellationToken))
                    {
                        continue;
                    }
                }

                Thread.Sleep(10);
            }

            var error = Path.ChangeExtension(path, Inbox.ErrorSuffix);
            if (File.Exists(error))
            {
                var reason = File.ReadAllText(error);
                File.Delete(error);
                throw new InvalidOperationException($"The process that owns {transport.DataDirectory} refused the records: {reason}");
            }
        }

        /// <summary>If the owner has gone, opens the directory (which appends the inbox) and closes it again.</summary>
        private bool TryTakeOver(CancellationToken cancellationToken)
        {
            try
            {
                var owner = EmbeddedTransport.Open(transport.DataDirectory, transport._options, transport.Logger);
                owner.DisposeAsync().AsTask().WaitAsync(cancellationToken).GetAwaiter().GetResult();
                return true;
            }
            catch (DataDirectoryInUseException)
            {
                return false;
            }
        }

        public void Dispose()
        {
        }
    }
}
