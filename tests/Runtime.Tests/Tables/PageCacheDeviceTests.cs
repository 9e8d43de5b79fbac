using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using Faustish.Tables.Faster;
using FASTER.core;

namespace Faustish.Tests.Tables;

/// <summary>
/// The device FASTER table stores write their log and checkpoints through: what is written reads back, from the
/// segment file FASTER's own device would use, reads past the end come back short and zero-filled, and failures reach
/// FASTER's callback instead of being thrown on some other thread.
/// </summary>
public sealed unsafe class PageCacheDeviceTests : IDisposable
{
    private const int Sector = 512;
    private static readonly object Context = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-device-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(4 * Sector)] // a checkpoint's metadata: a small write, on the thread pool
    [InlineData(256 * 1024)] // a log page: a large write, on the lowered-priority background threads
    public void What_is_written_reads_back_from_the_segment_file(int length)
    {
        using var device = new PageCacheDevice(Path.Combine(_directory, "hlog.log"));
        device.Initialize(segmentSize: 1L << 20);
        var written = Pattern(length, seed: length);
        using (var source = new NativeBuffer(length))
        {
            written.CopyTo(source.Span);
            var (error, bytes) = Complete(callback => device.WriteAsync(source.Pointer, segmentId: 1, destinationAddress: 2 * Sector, (uint)length, callback, Context));
            Assert.Equal(0u, error);
            Assert.Equal((uint)length, bytes);
        }

        // Segment 1 of a device named hlog.log is the file FASTER's own device names hlog.log.1.
        var file = File.ReadAllBytes(Path.Combine(_directory, "hlog.log.1"));
        Assert.Equal(2 * Sector + length, file.Length);
        Assert.Equal(written, file[(2 * Sector)..]);

        using var destination = new NativeBuffer(length);
        var (readError, read) = Complete(callback => device.ReadAsync(1, 2 * Sector, destination.Pointer, (uint)length, callback, Context));
        Assert.Equal(0u, readError);
        Assert.Equal((uint)length, read);
        Assert.Equal(written, destination.Span.ToArray());
    }

    [Fact]
    public void A_read_past_the_end_comes_back_short_with_zeros_after_the_data()
    {
        using var device = new PageCacheDevice(Path.Combine(_directory, "snapshot.dat"));
        using var source = new NativeBuffer(Sector);
        Pattern(Sector, seed: 7).CopyTo(source.Span);
        Assert.Equal(0u, Complete(callback => device.WriteAsync(source.Pointer, 0, 0, Sector, callback, Context)).Error);

        using var destination = new NativeBuffer(4 * Sector);
        destination.Span.Fill(0xEE);
        var (error, read) = Complete(callback => device.ReadAsync(0, 0, destination.Pointer, 4 * Sector, callback, Context));
        Assert.Equal(0u, error);
        Assert.Equal((uint)Sector, read);
        Assert.Equal(Pattern(Sector, seed: 7), destination.Span[..Sector].ToArray());
        Assert.All(destination.Span[Sector..].ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Removing_a_segment_deletes_its_file_and_the_others_stay()
    {
        using var device = new PageCacheDevice(Path.Combine(_directory, "hlog.log"));
        device.Initialize(segmentSize: 1L << 20);
        using var source = new NativeBuffer(Sector);
        for (var segment = 0; segment < 3; segment++)
        {
            Assert.Equal(0u, Complete(callback => device.WriteAsync(source.Pointer, segment, 0, Sector, callback, Context)).Error);
        }

        using var removed = new ManualResetEventSlim();
        device.RemoveSegmentAsync(1, _ => removed.Set(), null!);
        Assert.True(removed.Wait(TimeSpan.FromSeconds(10)));
        Assert.True(File.Exists(Path.Combine(_directory, "hlog.log.0")));
        Assert.False(File.Exists(Path.Combine(_directory, "hlog.log.1")));
        Assert.True(File.Exists(Path.Combine(_directory, "hlog.log.2")));
        Assert.Equal(Sector, device.GetFileSize(2));
        Assert.Equal(0, device.GetFileSize(1));
    }

    [Fact]
    public void A_write_to_a_disposed_device_reports_a_failure_to_its_callback()
    {
        var device = new PageCacheDevice(Path.Combine(_directory, "hlog.log"));
        device.Dispose();
        using var source = new NativeBuffer(Sector);
        var (error, bytes) = Complete(callback => device.WriteAsync(source.Pointer, 0, 0, Sector, callback, Context));
        Assert.NotEqual(0u, error);
        Assert.Equal(0u, bytes);
        Assert.False(File.Exists(Path.Combine(_directory, "hlog.log.0")));
    }

    [Fact]
    public void A_device_that_deletes_on_close_leaves_no_files()
    {
        var device = new PageCacheDevice(Path.Combine(_directory, "scratch.log"), deleteOnClose: true);
        using var source = new NativeBuffer(Sector);
        Assert.Equal(0u, Complete(callback => device.WriteAsync(source.Pointer, 0, 0, Sector, callback, Context)).Error);
        Assert.True(File.Exists(Path.Combine(_directory, "scratch.log.0")));
        device.Dispose();
        Assert.False(File.Exists(Path.Combine(_directory, "scratch.log.0")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static (uint Error, uint Bytes) Complete(Action<DeviceIOCompletionCallback> issue)
    {
        using var done = new ManualResetEventSlim();
        var result = (Error: uint.MaxValue, Bytes: 0u);
        object? calledBackWith = null;
        issue((error, bytes, context) =>
        {
            result = (error, bytes);
            calledBackWith = context;
            done.Set();
        });
        Assert.True(done.Wait(TimeSpan.FromSeconds(10)), "The device never called back.");
        Assert.Same(Context, calledBackWith);
        return result;
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Sector-aligned native memory, as FASTER hands its devices.</summary>
    private sealed class NativeBuffer(int length) : IDisposable
    {
        public IntPtr Pointer { get; } = (IntPtr)NativeMemory.AlignedAlloc((nuint)length, Sector);

        public Span<byte> Span => new((void*)Pointer, length);

        public void Dispose() => NativeMemory.AlignedFree((void*)Pointer);
    }
}
