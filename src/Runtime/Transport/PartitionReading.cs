using System;
using System.Diagnostics;
using System.Threading;

namespace Faustish.Transport;

/// <summary>Ways to read a partition that hold on every transport.</summary>
internal static class PartitionReading
{
    /// <summary>
    /// A reader that returns the records of <paramref name="reader"/> until its position reaches
    /// <paramref name="endOffset"/> (a high watermark taken before reading), waiting for them as long as it takes, and
    /// returns false only from there on. On Kafka a fetch that comes back empty does not mean the partition is read to
    /// its end (the records may still be on their way from the broker), so "read everything there is" must be "read up
    /// to the watermark". Throws <see cref="TimeoutException"/> naming the partition when no record arrives for
    /// <paramref name="stallTimeout"/> while the end is not reached. Disposing it disposes <paramref name="reader"/>.
    /// </summary>
    public static IPartitionReader UpTo(IPartitionReader reader, TopicPartition partition, long endOffset, TimeSpan stallTimeout)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(stallTimeout, TimeSpan.Zero);
        return new UpToReader(reader, partition, endOffset, stallTimeout);
    }

    private sealed class UpToReader(IPartitionReader inner, TopicPartition partition, long end, TimeSpan stallTimeout) : IPartitionReader
    {
        private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(200);

        public long Position => inner.Position;

        public bool Fetch(RecordBatch batch, int maxRecords, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var lastProgress = Stopwatch.GetTimestamp();
            var position = inner.Position;
            while (position < end)
            {
                if (inner.Fetch(batch, maxRecords, timeout > Slice ? timeout : Slice, cancellationToken))
                {
                    return true;
                }

                // Nothing came, but the position may have moved over transaction markers or compaction gaps.
                var now = inner.Position;
                if (now != position)
                {
                    position = now;
                    lastProgress = Stopwatch.GetTimestamp();
                }
                else if (Stopwatch.GetElapsedTime(lastProgress) >= stallTimeout)
                {
                    throw new TimeoutException(
                        $"Reading {partition} stalled at offset {position} for {stallTimeout.TotalSeconds:F0} s, before its end at {end}. Check that the brokers are reachable.");
                }
            }

            // At the end: whatever else is there already may come too, without waiting.
            return inner.Fetch(batch, maxRecords, TimeSpan.Zero, cancellationToken);
        }

        public void Dispose() => inner.Dispose();
    }
}
