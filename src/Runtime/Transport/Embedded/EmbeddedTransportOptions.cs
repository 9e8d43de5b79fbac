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
    /// Test hook: wraps the storage device of each partition's log as it opens (e.g. to inject I/O failures). Null in
    /// production.
    /// </summary>
    internal Func<TopicPartition, FASTER.core.IDevice, FASTER.core.IDevice>? WrapLogDevice { get; set; }

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

        if (HandoverTimeout <= TimeSpan.Zero && HandoverTimeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(HandoverTimeout), HandoverTimeout,
                "EmbeddedTransportOptions.HandoverTimeout must be positive (or Timeout.InfiniteTimeSpan).");
        }
    }

    internal EmbeddedTransportOptions Clone() => (EmbeddedTransportOptions)MemberwiseClone();
}
