using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Faustish.IO;
using FASTER.core;
using Microsoft.Win32.SafeHandles;

namespace Faustish.Tables.Faster;

/// <summary>
/// A FASTER device over plain files that writes through the operating system's page cache, for a table store's log
/// and checkpoint files. FASTER's own file device on Linux opens every file write-through (<c>O_SYNC</c>): each page
/// of the log and of a checkpoint snapshot waited for the disk, and the checkpoint's metadata files were created and
/// synced on whichever thread moved the checkpoint to its next phase, usually the worker that owns the store (it was
/// blocked for 5–10 ms at a time while a checkpoint was in flight). A store's files need not be durable page by page:
/// a checkpoint counts only once its manifest is written, and <see cref="FasterStore{TKey,TValue}"/> syncs every file
/// the checkpoint needs (the log's segments and the checkpoint's folder) before it writes the manifest. Durability is
/// decided there, once, instead of on every write.
/// </summary>
/// <remarks>
/// Large writes (log pages, snapshot and index chunks) run on <see cref="BackgroundWork"/>'s lowered-priority threads,
/// so copying tens of megabytes into the page cache during a checkpoint does not take a core from a worker; small ones
/// (a checkpoint's metadata, which FASTER waits for) and reads (which a worker may be waiting for) run on the thread
/// pool. Every operation completes through its callback, never inside the call that issued it: FASTER's page flushes
/// update their bookkeeping after issuing the write, and a write completed inline lost records at recovery.
/// Segment files are named as FASTER's device names them (<c>{file}.{segment}</c>), so stores written before this
/// device existed open unchanged.
/// </remarks>
internal sealed class PageCacheDevice : StorageDeviceBase
{
    // Writes up to this size are a checkpoint's metadata (FASTER waits for them): done at once, at normal priority.
    private const int SmallWrite = 64 * 1024;
    private const uint Failed = uint.MaxValue;

    private readonly ConcurrentDictionary<int, SafeFileHandle> _segments = new();
    private readonly bool _deleteOnClose;
    private readonly Lock _openSync = new();
    private bool _disposed;

    public PageCacheDevice(string filename, bool deleteOnClose = false)
        : base(filename, sectorSize: 512, Devices.CAPACITY_UNSPECIFIED)
    {
        _deleteOnClose = deleteOnClose;
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(filename))!);
    }

    public override void WriteAsync(IntPtr sourceAddress, int segmentId, ulong destinationAddress, uint numBytesToWrite, DeviceIOCompletionCallback callback, object context)
    {
        HandleCapacity(segmentId);
        var write = new Transfer(this, segmentId, sourceAddress, destinationAddress, numBytesToWrite, callback, context);
        if (numBytesToWrite <= SmallWrite)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static w => w.Write(), write, preferLocal: false);
        }
        else
        {
            BackgroundWork.Post(write.Write);
        }
    }

    public override void ReadAsync(int segmentId, ulong sourceAddress, IntPtr destinationAddress, uint readLength, DeviceIOCompletionCallback callback, object context)
    {
        var read = new Transfer(this, segmentId, destinationAddress, sourceAddress, readLength, callback, context);
        ThreadPool.UnsafeQueueUserWorkItem(static r => r.Read(), read, preferLocal: false);
    }

    public override void RemoveSegment(int segment)
    {
        if (_segments.TryRemove(segment, out var handle))
        {
            handle.Dispose();
        }

        File.Delete(GetSegmentFilename(FileName, segment));
    }

    public override void RemoveSegmentAsync(int segment, AsyncCallback callback, IAsyncResult result)
    {
        ThreadPool.UnsafeQueueUserWorkItem(
            static state =>
            {
                state.Device.RemoveSegment(state.Segment);
                state.Callback(state.Result);
            },
            (Device: this, Segment: segment, Callback: callback, Result: result),
            preferLocal: false);
    }

    public override long GetFileSize(int segment)
    {
        var path = GetSegmentFilename(FileName, segment);
        return File.Exists(path) ? new FileInfo(path).Length : 0;
    }

    public override void Reset() => CloseSegments();

    public override void Dispose()
    {
        lock (_openSync)
        {
            _disposed = true;
        }

        CloseSegments();
    }

    private void CloseSegments()
    {
        foreach (var segment in _segments.Keys)
        {
            if (_segments.TryRemove(segment, out var handle))
            {
                handle.Dispose();
                if (_deleteOnClose)
                {
                    File.Delete(GetSegmentFilename(FileName, segment));
                }
            }
        }
    }

    private SafeFileHandle Segment(int segmentId)
    {
        if (_segments.TryGetValue(segmentId, out var handle))
        {
            return handle;
        }

        lock (_openSync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _segments.GetOrAdd(segmentId, id =>
                File.OpenHandle(GetSegmentFilename(FileName, id), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete));
        }
    }

    /// <summary>One read or write and its completion: the native buffer stays valid until FASTER's callback runs.</summary>
    private sealed class Transfer(PageCacheDevice device, int segment, IntPtr memory, ulong fileOffset, uint length, DeviceIOCompletionCallback callback, object context)
    {
        public unsafe void Write()
        {
            try
            {
                RandomAccess.Write(device.Segment(segment), new ReadOnlySpan<byte>((void*)memory, (int)length), (long)fileOffset);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                callback(Failed, 0, context);
                return;
            }

            callback(0, length, context);
        }

        public unsafe void Read()
        {
            int read;
            try
            {
                // Short only at the end of the file; the rest reads as zeros, as from a sparse file.
                var destination = new Span<byte>((void*)memory, (int)length);
                read = RandomAccess.Read(device.Segment(segment), destination, (long)fileOffset);
                destination[read..].Clear();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                callback(Failed, 0, context);
                return;
            }

            callback(0, (uint)read, context);
        }
    }
}

/// <summary>Creates <see cref="PageCacheDevice"/>s for FASTER's checkpoint manager, laid out as FASTER's own factory does.</summary>
internal sealed class PageCacheDeviceFactory : INamedDeviceFactory
{
    private readonly LocalStorageNamedDeviceFactory _layout = new();
    private string _baseName = "";

    public void Initialize(string baseName)
    {
        _baseName = baseName;
        _layout.Initialize(baseName);
    }

    public IDevice Get(FileDescriptor fileInfo) => new PageCacheDevice(Path.Combine(_baseName, fileInfo.directoryName, fileInfo.fileName));

    public IEnumerable<FileDescriptor> ListContents(string path) => _layout.ListContents(path);

    public void Delete(FileDescriptor fileInfo) => _layout.Delete(fileInfo);
}
