using System;
using System.IO;
using System.Threading;
using FASTER.core;

namespace Faustish.Transport.Embedded;

/// <summary>
/// A partition's log opened by a process that does not own the data directory: FasterLog's read-only mode, which reads
/// what the owner committed (its last commit record) and never writes a byte. <see cref="Refresh"/> moves up to the
/// owner's newest commit, so a reader only ever sees whole commits, never a record half written.
/// </summary>
internal sealed class ReadOnlyPartitionLog : IDisposable
{
    private readonly IDevice _device;

    private ReadOnlyPartitionLog(TopicPartition partition, string directory, IDevice device, FasterLog log)
    {
        Partition = partition;
        Directory = directory;
        _device = device;
        Log = log;
    }

    public TopicPartition Partition { get; }

    /// <summary>The partition's directory (its compacted head, if any, lies there: <see cref="CompactedSegment"/>).</summary>
    public string Directory { get; }

    public FasterLog Log { get; }

    /// <summary>Everything below this address was committed by the owner when this view was last refreshed.</summary>
    public long CommittedUntil => Volatile.Read(ref Log.CommittedUntilAddress);

    public static ReadOnlyPartitionLog Open(TopicPartition partition, string directory, EmbeddedTransportOptions options)
    {
        var device = Devices.CreateLogDevice(Path.Combine(directory, "log"), preallocateFile: false, deleteOnClose: false);
        try
        {
            var log = new FasterLog(new FasterLogSettings
            {
                LogDevice = device,
                LogCommitDir = directory,
                PageSizeBits = options.PageSizeBits,
                MemorySizeBits = options.MemorySizeBits,
                SegmentSizeBits = options.SegmentSizeBits,
                LogChecksum = options.RecordChecksums ? LogChecksumType.PerEntry : LogChecksumType.None,
                ReadOnlyMode = true,
                TryRecoverLatest = false,
                // The owner's commit files are the owner's to remove.
                RemoveOutdatedCommits = false,
            });
            var view = new ReadOnlyPartitionLog(partition, directory, device, log);
            view.Refresh();
            return view;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            device.Dispose();
            if (e is IOException)
            {
                throw;
            }

            throw new IOException($"Could not read the embedded log of {partition} in '{directory}' next to the process that owns it: {e.Message}", e);
        }
    }

    /// <summary>Moves the view up to the owner's newest commit. Retries while the owner replaces its commit files.</summary>
    public void Refresh()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Log.RecoverReadOnly();
                return;
            }
            catch (Exception e) when (attempt < 5 && e is IOException or FasterException or InvalidOperationException)
            {
                Thread.Sleep(10 * attempt);
            }
        }
    }

    public void Dispose()
    {
        Log.Dispose();
        _device.Dispose();
    }
}
