using System;

namespace Faustish.Transport.Embedded;

/// <summary>
/// Settings of the embedded transport. Every topic partition is one FASTER <c>FasterLog</c>, so the memory
/// settings apply per partition: an app with 48 partitions and the defaults keeps at most
/// 48 × 2^<see cref="MemorySizeBits"/> bytes of log pages in memory (pages are allocated as a log grows,
/// so small or idle partitions use less).
/// </summary>
public sealed class EmbeddedTransportOptions
{
    /// <summary>
    /// Log page size, as a power of two (default 20 = 1 MiB; 12..30). One record must fit in a page with its
    /// 40 bytes of framing (48 with RecordChecksums): raise this for records of more than about a megabyte.
    /// </summary>
    public int PageSizeBits { get; set; } = 20;

    /// <summary>
    /// In-memory part of each partition's log, as a power of two (default 23 = 8 MiB); at least
    /// <see cref="PageSizeBits"/> + 1. Readers of the tail read from memory; older records are read from disk.
    /// </summary>
    public int MemorySizeBits { get; set; } = 23;

    /// <summary>Size of each log file on disk, as a power of two (default 28 = 256 MiB); at least <see cref="PageSizeBits"/>.</summary>
    public int SegmentSizeBits { get; set; } = 28;

    /// <summary>Adds an 8-byte checksum to every record, verified when records are read back from disk (default off).</summary>
    public bool RecordChecksums { get; set; }

    /// <summary>
    /// How long a group member waits for the previous owner of a partition to give it up in a rebalance (by
    /// running its <see cref="IAssignmentListener.OnRevoked"/> inside its next fetch). After that the partition
    /// is taken away, the previous owner gets <see cref="IAssignmentListener.OnLost"/> and can no longer commit
    /// it. Default 30 seconds. Set it above the longest time a worker spends between two fetches.
    /// </summary>
    public TimeSpan HandoverTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the log cleaner looks at every open partition (<see cref="LogCleaner"/>): deletes segments past their
    /// topic's retention and compacts changelogs. It runs in the background, never on the produce or fetch path. Default
    /// 1 minute; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> turns it off (the log then grows forever).
    /// </summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Retention of topics that declare none (not changelogs, which are compacted): null (the default) keeps their
    /// records forever. Kafka's broker default is 7 days.
    /// </summary>
    public TimeSpan? DefaultRetention { get; set; }

    /// <summary>
    /// How long a tombstone (a null value) stays in a compacted topic after compaction first reached it, so that a reader
    /// that is behind still sees the delete (Kafka's <c>delete.retention.ms</c>). Default 24 hours.
    /// </summary>
    public TimeSpan TombstoneRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The clock retention and tombstone delays are measured with (a fake one in tests). Default: the system clock.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>
    /// Test hook: wraps the storage device of each partition's log as it opens (e.g. to inject I/O failures). Null in
    /// production.
    /// </summary>
    internal Func<TopicPartition, FASTER.core.IDevice, FASTER.core.IDevice>? WrapLogDevice { get; set; }

    /// <summary>
    /// Test hook: runs when compaction has put a new compacted head in place, before it truncates the log (a test throws
    /// from it to stop there, as a crash would). Null in production.
    /// </summary>
    internal Action<TopicPartition>? AfterCompactedHeadWritten { get; set; }

    internal void Validate()
    {
        if (PageSizeBits is < 12 or > 30)
        {
            throw new ArgumentOutOfRangeException(nameof(PageSizeBits), PageSizeBits,
                "EmbeddedTransportOptions.PageSizeBits must be between 12 (4 KiB) and 30 (1 GiB).");
        }

        if (MemorySizeBits < PageSizeBits + 1 || MemorySizeBits > 40)
        {
            throw new ArgumentOutOfRangeException(nameof(MemorySizeBits), MemorySizeBits,
                $"EmbeddedTransportOptions.MemorySizeBits must be between PageSizeBits + 1 ({PageSizeBits + 1}) and 40: a log keeps at least two pages in memory.");
        }

        if (SegmentSizeBits < PageSizeBits || SegmentSizeBits > 40)
        {
            throw new ArgumentOutOfRangeException(nameof(SegmentSizeBits), SegmentSizeBits,
                $"EmbeddedTransportOptions.SegmentSizeBits must be between PageSizeBits ({PageSizeBits}) and 40.");
        }

        if (CleanupInterval <= TimeSpan.Zero && CleanupInterval != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(CleanupInterval), CleanupInterval,
                "EmbeddedTransportOptions.CleanupInterval must be positive (or Timeout.InfiniteTimeSpan to turn the log cleaner off).");
        }

        if (DefaultRetention is { } retention && retention <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultRetention), retention,
                "EmbeddedTransportOptions.DefaultRetention must be positive, or null to keep records forever.");
        }

        if (TombstoneRetention < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TombstoneRetention), TombstoneRetention,
                "EmbeddedTransportOptions.TombstoneRetention must be zero or more.");
        }

        ArgumentNullException.ThrowIfNull(Clock, "EmbeddedTransportOptions.Clock");

        if (HandoverTimeout <= TimeSpan.Zero && HandoverTimeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(HandoverTimeout), HandoverTimeout,
                "EmbeddedTransportOptions.HandoverTimeout must be positive (or Timeout.InfiniteTimeSpan).");
        }
    }

    internal EmbeddedTransportOptions Clone() => (EmbeddedTransportOptions)MemberwiseClone();
}
