using System;
using System.Diagnostics;
using System.Threading;
using Faustish.Transport;

namespace Faustish.Tables;

/// <summary>
/// Replays one changelog partition into a table shard, from an offset up to the end the changelog had when the
/// restore began, in steps that a worker interleaves with polling its consumer (so a long restore never keeps it
/// from its group). The end is the watermark, not an empty fetch: on Kafka an empty fetch only means nothing
/// arrived yet.
/// </summary>
internal sealed class ChangelogRestore : IDisposable
{
    private const int BatchRecords = 4096;
    private static readonly TimeSpan s_fetchWait = TimeSpan.FromMilliseconds(50);
    private readonly IPartitionReader _reader;
    private readonly RecordBatch _batch;
    private readonly bool _ownsReader;
    private bool _disposed;
    private long _lastPosition = long.MinValue;
    private long _lastProgressTicks = Stopwatch.GetTimestamp();

    /// <param name="shard">The shard to fill (empty, or recovered from a checkpoint covering the reader's start).</param>
    /// <param name="reader">A reader positioned where the replay starts.</param>
    /// <param name="endOffset">The changelog's high watermark when the restore began: the replay stops there.</param>
    /// <param name="batch">A batch to reuse, or null for a new one.</param>
    /// <param name="ownsReader">Whether disposing the restore disposes the reader (false for readers that go on following).</param>
    public ChangelogRestore(ITableShard shard, IPartitionReader reader, long endOffset, RecordBatch? batch = null, bool ownsReader = true)
    {
        _ownsReader = ownsReader;
        Shard = shard ?? throw new ArgumentNullException(nameof(shard));
        _reader = reader ?? throw new ArgumentNullException(nameof(reader));
        EndOffset = endOffset;
        _batch = batch ?? new RecordBatch(BatchRecords, 256 * 1024);
    }

    public ITableShard Shard { get; }

    /// <summary>The offset the replay stops at.</summary>
    public long EndOffset { get; }

    /// <summary>The changelog offset of the next record to apply: everything below it is in the shard.</summary>
    public long Position => Math.Min(_reader.Position, EndOffset);

    /// <summary>Changelog records applied so far.</summary>
    public long Applied { get; private set; }

    /// <summary>Whether the shard holds the changelog up to <see cref="EndOffset"/> (and the restore was completed).</summary>
    public bool IsComplete { get; private set; }

    /// <summary>How long the position has not moved (a broker away, or an end that is not reachable).</summary>
    public TimeSpan SinceProgress
    {
        get
        {
            var position = _reader.Position;
            if (position != _lastPosition)
            {
                _lastPosition = position;
                _lastProgressTicks = Stopwatch.GetTimestamp();
            }

            return Stopwatch.GetElapsedTime(_lastProgressTicks);
        }
    }

    /// <summary>
    /// Applies records until the end or until <paramref name="budget"/> has passed, whichever comes first. Returns
    /// true once the restore is complete.
    /// </summary>
    public bool Step(TimeSpan budget, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsComplete)
        {
            return true;
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        while (_reader.Position < EndOffset)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var left = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            if (_reader.Fetch(_batch, BatchRecords, left < s_fetchWait ? left : s_fetchWait, cancellationToken))
            {
                // A fetch may run past the end. Never apply what lies there: after an aborted transaction the end is
                // the last committed record, and the aborted records after it are not state (a broker that does not
                // filter them for read_committed readers, like librdkafka's mock cluster, still returns them).
                _batch.DropFrom(EndOffset);
                Applied += Shard.Apply(_batch);
            }
        }

        Shard.CompleteRestore();
        IsComplete = true;
        return true;
    }

    /// <summary>
    /// Runs the restore to its end, blocking (tools, global tables at start, tests). Throws <see cref="TimeoutException"/>
    /// when the position does not move for <paramref name="stallTimeout"/> (default: two minutes).
    /// </summary>
    public long RunToEnd(CancellationToken cancellationToken, TimeSpan? stallTimeout = null)
    {
        var limit = stallTimeout ?? TimeSpan.FromMinutes(2);
        while (!Step(TimeSpan.FromSeconds(1), cancellationToken))
        {
            if (SinceProgress > limit)
            {
                throw new TimeoutException(
                    $"Reading the changelog of table '{Shard.Definition.Name}' partition {Shard.Partition} stalled at offset {Position} of {EndOffset} for {limit.TotalSeconds:F0} s: " +
                    "the transport returns no more records (brokers away, or records below the end that cannot be read).");
            }
        }

        return Applied;
    }

    /// <summary>Replays the whole of <paramref name="changelog"/> into <paramref name="shard"/>, up to its end now.</summary>
    public static long ReadAll(ITableShard shard, ITransport transport, TopicPartition changelog, CancellationToken cancellationToken, TimeSpan? stallTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var end = transport.GetWatermarks(changelog).High;
        using var restore = new ChangelogRestore(shard, transport.OpenReader(changelog, Offsets.Beginning), end);
        return restore.RunToEnd(cancellationToken, stallTimeout);
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (_ownsReader)
            {
                _reader.Dispose();
            }
        }
    }
}
