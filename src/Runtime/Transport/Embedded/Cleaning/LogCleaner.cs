using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace Faustish.Transport.Embedded;

/// <summary>
/// Gives the embedded log an end: a background pass (every <see cref="EmbeddedTransportOptions.CleanupInterval"/>)
/// over every open partition that deletes the segments past the topic's retention and compacts changelogs. Off the hot
/// path: producers keep appending to the log's tail and readers keep reading while it works; the only pauses are an
/// offset-index update under the append lock and the commit of the log's new beginning.
/// </summary>
/// <remarks>
/// <para><b>What is never touched:</b> the segment the last durable record is in (Kafka's active segment), and anything
/// at or after the first record of an undecided transaction (the last stable offset), so uncommitted transactional
/// data stays whole until its outcome is known.</para>
/// <para><b>Retention</b> (plain topics) follows Kafka: a segment goes when its newest record is older than the
/// retention (record timestamps against <see cref="EmbeddedTransportOptions.Clock"/>), or while the partition without
/// it is still at least the size retention, whether or not groups have read it; a reader positioned in a deleted segment
/// moves on to the log start with a warning (<see cref="PartitionCursor"/>).</para>
/// <para><b>Compaction</b> (compacted topics: changelogs) keeps the latest record of each key, with its offset, in a
/// <see cref="CompactedSegment"/> beside the log and truncates the log below it. It runs when the sealed part of the log
/// is at least as large as the compacted head (Kafka's <c>min.cleanable.dirty.ratio</c> of 0.5). Records of aborted
/// transactions go; tombstones go once they have been compacted for <see cref="EmbeddedTransportOptions.TombstoneRetention"/>;
/// records without a key are always kept. A compacted topic with a retention (windowed changelogs) also drops records
/// older than it.</para>
/// <para>After either, the transaction journal forgets the aborted ranges now below the log start.</para>
/// </remarks>
internal sealed class LogCleaner
{
    private readonly EmbeddedTransport _transport;
    private readonly ILogger _logger;
    private readonly Dictionary<(TopicPartition, long), long> _segmentNewest = []; // newest timestamp of sealed segments
    private readonly Lock _passLock = new();

    public LogCleaner(EmbeddedTransport transport)
    {
        _transport = transport;
        _logger = transport.Logger;
    }

    /// <summary>One pass over every open partition; returns how many partitions it shortened. One pass at a time.</summary>
    public int Run(IEnumerable<(TopicState Topic, PartitionLog Log)> partitions, CancellationToken cancellationToken)
    {
        lock (_passLock)
        {
            var cleaned = 0;
            foreach (var (topic, log) in partitions)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var gate = _transport.Gate;
                if (gate.IsClosed)
                {
                    break;
                }

                gate.Enter();
                try
                {
                    if (Clean(topic, log, cancellationToken))
                    {
                        cleaned++;
                    }
                }
                catch (Exception e) when (e is IOException or InvalidDataException or TimeoutException or UnauthorizedAccessException or FASTER.core.FasterException)
                {
                    // The log stays as it was (a compacted file takes effect only once whole): it is tried again next pass.
                    _logger.LogError(e, "Cleaning the embedded log of {Partition} failed: {Message}. It is left as it was and tried again.", log.Partition, e.Message);
                }
                finally
                {
                    gate.Exit();
                }
            }

            return cleaned;
        }
    }

    private bool Clean(TopicState topic, PartitionLog log, CancellationToken cancellationToken)
    {
        var options = _transport.Options;
        var segmentSize = 1L << options.SegmentSizeBits;
        var begin = log.Log.BeginAddress;
        var committed = log.CommittedUntil;
        if (committed <= begin)
        {
            return false;
        }

        // Whole segments only, below the active one and below the last stable offset.
        var limit = Floor(committed - 1, segmentSize);
        limit = Math.Min(limit, Floor(log.AddressAtOrBefore(log.VisibleUntil), segmentSize));
        if (limit <= begin)
        {
            return false;
        }

        var now = options.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        return topic.Compacted
            ? Compact(topic, log, begin, limit, now, cancellationToken)
            : DeleteExpired(topic, log, begin, limit, segmentSize, now, cancellationToken);
    }

    private bool DeleteExpired(TopicState topic, PartitionLog log, long begin, long limit, long segmentSize, long now, CancellationToken cancellationToken)
    {
        var retentionMs = topic.RetentionMs ?? (long?)_transport.Options.DefaultRetention?.TotalMilliseconds;
        var retentionBytes = topic.RetentionBytes;
        if (retentionMs is null && retentionBytes is null)
        {
            return false;
        }

        var size = log.CommittedUntil - begin;
        var until = begin;
        for (var start = Floor(begin, segmentSize); start < limit; start += segmentSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var end = start + segmentSize;
            var bytes = end - Math.Max(start, begin);
            var bySize = retentionBytes is { } maxBytes && size - bytes >= maxBytes;
            var byTime = !bySize && retentionMs is { } ms && NewestTimestamp(log, Math.Max(start, begin), end) < now - ms;
            if (!bySize && !byTime)
            {
                break;
            }

            size -= bytes;
            until = end;
        }

        if (until <= begin)
        {
            return false;
        }

        var (firstOffset, firstAddress) = log.ReadFirst(until);
        if (firstOffset < 0)
        {
            return false; // Nothing committed past the segments: never empty the log (it holds the next offset).
        }

        var before = log.LogFirstOffset;
        log.TruncateBefore(firstAddress, firstOffset, compacted: null, TruncateTimeout);
        ForgetSegments(log.Partition, firstAddress);
        _transport.Journal.Prune(log, firstOffset);
        _logger.LogInformation("Retention of {Partition}: deleted offsets {From}..{To} ({Bytes:N0} bytes of log).",
            log.Partition, before, firstOffset - 1, firstAddress - begin);
        return true;
    }

    private bool Compact(TopicState topic, PartitionLog log, long begin, long limit, long now, CancellationToken cancellationToken)
    {
        var previous = log.Compacted;
        if (previous is not null && limit - begin < previous.Length)
        {
            return false; // Less new data than compacted data: wait, as Kafka's dirty ratio does.
        }

        var (coverEnd, cleanAddress) = log.ReadFirst(limit);
        if (coverEnd < 0)
        {
            return false;
        }

        var partition = log.Partition;
        var aborted = log.Aborted;
        var cutoff = topic.RetentionMs is { } ms ? now - ms : long.MinValue;
        var tombstoneHorizon = now + (long)_transport.Options.TombstoneRetention.TotalMilliseconds;

        // Pass 1: the latest offset of every key.
        var latest = new Dictionary<byte[], long>(KeyComparer.Instance);
        var lookup = latest.GetAlternateLookup<ReadOnlySpan<byte>>();
        var read = 0L;
        ForEach(log, previous, begin, cleanAddress, aborted, (entry, offset, _) =>
        {
            read++;
            if (RecordCodec.TryGetKey(entry, partition, offset, out var key, out var _))
            {
                CollectionsMarshal.GetValueRefOrAddDefault(lookup, key, out var _) = offset;
            }
        }, cancellationToken);

        // Pass 2: write those records (and every keyless one) to a new compacted file.
        CompactedSegment segment;
        var kept = 0L;
        using (var writer = new CompactedSegment.Writer(log.Directory, coverEnd, cleanAddress))
        {
            var copy = new byte[256];
            ForEach(log, previous, begin, cleanAddress, aborted, (entry, offset, horizon) =>
            {
                var hasKey = RecordCodec.TryGetKey(entry, partition, offset, out var key, out var tombstone);
                if (hasKey && lookup[key] != offset)
                {
                    return; // A newer record of the key follows.
                }

                if (RecordCodec.TimestampOf(entry) < cutoff)
                {
                    return; // Past the retention of a compact+delete topic.
                }

                if (tombstone && hasKey)
                {
                    if (horizon != 0 && horizon <= now)
                    {
                        return; // Compacted long enough ago: readers behind have had their delete.TombstoneRetention.
                    }

                    horizon = horizon == 0 ? tombstoneHorizon : horizon;
                }
                else
                {
                    horizon = 0;
                }

                if (copy.Length < entry.Length)
                {
                    copy = new byte[Math.Max(entry.Length, copy.Length * 2)];
                }

                var record = copy.AsSpan(0, entry.Length);
                entry.CopyTo(record);
                RecordCodec.ClearTransactionId(record); // Decided and committed: plain from now on.
                writer.Add(record, horizon);
                kept++;
            }, cancellationToken);
            segment = writer.Commit();
        }

        _transport.Options.AfterCompactedHeadWritten?.Invoke(partition);
        log.TruncateBefore(cleanAddress, coverEnd, segment, TruncateTimeout);
        if (previous is not null && previous.Path != segment.Path)
        {
            File.Delete(previous.Path); // Readers still in it hold it open and read on.
        }

        _transport.Journal.Prune(log, coverEnd);
        _logger.LogInformation("Compacted {Partition} below offset {CoverEnd}: {Read:N0} records read, {Kept:N0} kept ({Bytes:N0} bytes).",
            partition, coverEnd, read, kept, segment.Length);
        return true;
    }

    private delegate void RecordAction(ReadOnlySpan<byte> entry, long offset, long deleteHorizonMs);

    /// <summary>The decided, not aborted records of the compacted head, then of the log from <paramref name="begin"/> to <paramref name="until"/>.</summary>
    private static unsafe void ForEach(PartitionLog log, CompactedSegment? compacted, long begin, long until, HashSet<long> aborted,
        RecordAction action, CancellationToken cancellationToken)
    {
        if (compacted is not null)
        {
            using var reader = compacted.OpenReader(0);
            while (reader.TryRead(out var entry, out var offset, out var horizon))
            {
                action(entry, offset, horizon);
            }
        }

        using var iterator = log.Log.Scan(begin, until, name: null, recover: false, scanUncommitted: false);
        var count = 0;
        while (iterator.UnsafeGetNext(out var pointer, out var length, out var address, out _))
        {
            try
            {
                if ((++count & 0xFFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var entry = new ReadOnlySpan<byte>(pointer, length);
                var offset = RecordCodec.OffsetOf(entry, log.Partition, address);
                var transaction = RecordCodec.TransactionIdOf(entry);
                if (transaction == 0 || !aborted.Contains(transaction))
                {
                    action(entry, offset, 0);
                }
            }
            finally
            {
                iterator.UnsafeRelease();
            }
        }
    }

    /// <summary>The newest record timestamp of the log between two addresses (a sealed segment: remembered).</summary>
    private unsafe long NewestTimestamp(PartitionLog log, long from, long until)
    {
        if (_segmentNewest.TryGetValue((log.Partition, until), out var known))
        {
            return known;
        }

        var newest = long.MinValue;
        using (var iterator = log.Log.Scan(from, until, name: null, recover: false, scanUncommitted: false))
        {
            while (iterator.UnsafeGetNext(out var pointer, out var length, out var address, out _))
            {
                try
                {
                    var entry = new ReadOnlySpan<byte>(pointer, length);
                    _ = RecordCodec.OffsetOf(entry, log.Partition, address); // Checks the entry's size.
                    newest = Math.Max(newest, RecordCodec.TimestampOf(entry));
                }
                finally
                {
                    iterator.UnsafeRelease();
                }
            }
        }

        _segmentNewest[(log.Partition, until)] = newest;
        return newest;
    }

    private void ForgetSegments(TopicPartition partition, long below)
    {
        List<(TopicPartition, long)>? gone = null;
        foreach (var key in _segmentNewest.Keys)
        {
            if (key.Item1 == partition && key.Item2 <= below)
            {
                (gone ??= []).Add(key);
            }
        }

        gone?.ForEach(key => _segmentNewest.Remove(key));
    }

    private static long Floor(long address, long segmentSize) => address & ~(segmentSize - 1);

    private static readonly TimeSpan TruncateTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Compares keys by content, and looks them up by span without copying.</summary>
    private sealed class KeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
