using System;
using System.Threading;
using FASTER.core;

namespace Faustish.Tests.Transport;

/// <summary>
/// Wraps a partition log's real storage device and, while <see cref="FailWrites"/> is set, fails every write with an
/// I/O error (EIO) instead of writing, as a failing disk would. Reads and everything else go to the real device.
/// Installed through <c>EmbeddedTransportOptions.WrapLogDevice</c>.
/// </summary>
internal sealed class FaultInjectingDevice(IDevice inner) : IDevice
{
    private const uint EIO = 5;
    private int _fail;
    private int _failedWrites;

    public bool FailWrites
    {
        get => Volatile.Read(ref _fail) != 0;
        set => Volatile.Write(ref _fail, value ? 1 : 0);
    }

    /// <summary>Writes failed so far.</summary>
    public int FailedWrites => Volatile.Read(ref _failedWrites);

    public uint SectorSize => inner.SectorSize;

    public string FileName => inner.FileName;

    public long Capacity => inner.Capacity;

    public long SegmentSize => inner.SegmentSize;

    public int StartSegment => inner.StartSegment;

    public int EndSegment => inner.EndSegment;

    public int ThrottleLimit
    {
        get => inner.ThrottleLimit;
        set => inner.ThrottleLimit = value;
    }

    public void Initialize(long segmentSize, LightEpoch? epoch = null, bool omitSegmentIdFromFilename = false) =>
        inner.Initialize(segmentSize, epoch, omitSegmentIdFromFilename);

    public bool TryComplete() => inner.TryComplete();

    public bool Throttle() => inner.Throttle();

    public void WriteAsync(IntPtr sourceAddress, int segmentId, ulong destinationAddress, uint numBytesToWrite,
        DeviceIOCompletionCallback callback, object context)
    {
        if (FailWrites)
        {
            Interlocked.Increment(ref _failedWrites);
            callback(EIO, 0, context);
            return;
        }

        inner.WriteAsync(sourceAddress, segmentId, destinationAddress, numBytesToWrite, callback, context);
    }

    public void WriteAsync(IntPtr alignedSourceAddress, ulong alignedDestinationAddress, uint numBytesToWrite,
        DeviceIOCompletionCallback callback, object context)
    {
        if (FailWrites)
        {
            Interlocked.Increment(ref _failedWrites);
            callback(EIO, 0, context);
            return;
        }

        inner.WriteAsync(alignedSourceAddress, alignedDestinationAddress, numBytesToWrite, callback, context);
    }

    public void ReadAsync(int segmentId, ulong sourceAddress, IntPtr destinationAddress, uint readLength,
        DeviceIOCompletionCallback callback, object context) =>
        inner.ReadAsync(segmentId, sourceAddress, destinationAddress, readLength, callback, context);

    public void ReadAsync(ulong alignedSourceAddress, IntPtr alignedDestinationAddress, uint aligned_read_length,
        DeviceIOCompletionCallback callback, object context) =>
        inner.ReadAsync(alignedSourceAddress, alignedDestinationAddress, aligned_read_length, callback, context);

    public void TruncateUntilAddressAsync(long toAddress, AsyncCallback callback, IAsyncResult result) =>
        inner.TruncateUntilAddressAsync(toAddress, callback, result);

    public void TruncateUntilAddress(long toAddress) => inner.TruncateUntilAddress(toAddress);

    public void TruncateUntilSegmentAsync(int toSegment, AsyncCallback callback, IAsyncResult result) =>
        inner.TruncateUntilSegmentAsync(toSegment, callback, result);

    public void TruncateUntilSegment(int toSegment) => inner.TruncateUntilSegment(toSegment);

    public void RemoveSegmentAsync(int segment, AsyncCallback callback, IAsyncResult result) =>
        inner.RemoveSegmentAsync(segment, callback, result);

    public void RemoveSegment(int segment) => inner.RemoveSegment(segment);

    public long GetFileSize(int segment) => inner.GetFileSize(segment);

    public void Reset() => inner.Reset();

    public void Dispose() => inner.Dispose();
}
