using System;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using FASTER.core;

namespace Faustish.Tables.Faster;

/// <summary>
/// FASTER's checkpoint manager for a table store, except for the two metadata files of a checkpoint: FASTER writes
/// them from whichever thread moves the checkpoint to its last phases, usually the worker that owns the store when it
/// refreshes its session, and its manager waits there for the write (a file created and written while the checkpoint's
/// snapshot loads the same disk: the worker's longest stops during checkpoints). Here the metadata is handed to the
/// thread pool and the caller goes on; <see cref="FasterStore{TKey,TValue}"/> waits for it (<see cref="WaitForMetadata"/>)
/// before it syncs the checkpoint's files and writes the manifest, so a checkpoint still counts only once every file is
/// on disk. The files are the ones FASTER's manager writes, byte for byte (a length, the metadata, zeros to a whole
/// sector), so recovery reads them with FASTER's own code.
/// </summary>
internal sealed class DeferredMetadataCheckpointManager : ICheckpointManager
{
    private const int Sector = 512;

    private readonly string _directory;
    private readonly DefaultCheckpointNamingScheme _names;
    private readonly DeviceLogCommitCheckpointManager _files;
    private readonly ConcurrentDictionary<Guid, Task> _metadataWrites = new();

    public DeferredMetadataCheckpointManager(string directory)
    {
        _directory = directory;
        _names = new DefaultCheckpointNamingScheme(directory);
        _files = new DeviceLogCommitCheckpointManager(new PageCacheDeviceFactory(), _names, removeOutdated: false);
    }

    public void CommitIndexCheckpoint(Guid indexToken, byte[] commitMetadata) => Defer(indexToken, _names.IndexCheckpointMetadata(indexToken), commitMetadata);

    public void CommitLogCheckpoint(Guid logToken, byte[] commitMetadata) => Defer(logToken, _names.LogCheckpointMetadata(logToken), commitMetadata);

    /// <summary>Waits until the metadata files of checkpoint <paramref name="token"/> are written; throws what failed.</summary>
    public void WaitForMetadata(Guid token)
    {
        if (_metadataWrites.TryRemove(token, out var writes))
        {
            writes.GetAwaiter().GetResult();
        }
    }

    private void Defer(Guid token, FileDescriptor file, byte[] metadata)
    {
        // FASTER's devices name a file's first (only) segment with ".0".
        var path = Path.Combine(_directory, file.directoryName, file.fileName + ".0");
        var framed = new byte[(sizeof(int) + metadata.Length + Sector - 1) / Sector * Sector];
        BinaryPrimitives.WriteInt32LittleEndian(framed, metadata.Length);
        metadata.CopyTo(framed, sizeof(int));
        var write = Task.Run(() =>
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, framed);
        });
        _metadataWrites.AddOrUpdate(token, write, (_, earlier) => Task.WhenAll(earlier, write));
    }

    public void InitializeIndexCheckpoint(Guid indexToken) => _files.InitializeIndexCheckpoint(indexToken);

    public void InitializeLogCheckpoint(Guid logToken) => _files.InitializeLogCheckpoint(logToken);

    public void CheckpointVersionShift(long oldVersion, long newVersion) => _files.CheckpointVersionShift(oldVersion, newVersion);

    public void CommitLogIncrementalCheckpoint(Guid logToken, long version, byte[] commitMetadata, DeltaLog deltaLog) =>
        _files.CommitLogIncrementalCheckpoint(logToken, version, commitMetadata, deltaLog);

    public byte[] GetIndexCheckpointMetadata(Guid indexToken)
    {
        WaitForMetadata(indexToken);
        return _files.GetIndexCheckpointMetadata(indexToken);
    }

    public byte[] GetLogCheckpointMetadata(Guid logToken, DeltaLog deltaLog, bool scanDelta, long recoverTo)
    {
        WaitForMetadata(logToken);
        return _files.GetLogCheckpointMetadata(logToken, deltaLog, scanDelta, recoverTo);
    }

    public IEnumerable<Guid> GetIndexCheckpointTokens() => _files.GetIndexCheckpointTokens();

    public IEnumerable<Guid> GetLogCheckpointTokens() => _files.GetLogCheckpointTokens();

    public IDevice GetIndexDevice(Guid indexToken) => _files.GetIndexDevice(indexToken);

    public IDevice GetSnapshotLogDevice(Guid token) => _files.GetSnapshotLogDevice(token);

    public IDevice GetSnapshotObjectLogDevice(Guid token) => _files.GetSnapshotObjectLogDevice(token);

    public IDevice GetDeltaLogDevice(Guid token) => _files.GetDeltaLogDevice(token);

    public void Purge(Guid token)
    {
        WaitForMetadata(token);
        _files.Purge(token);
    }

    public void PurgeAll()
    {
        foreach (var token in _metadataWrites.Keys)
        {
            WaitForMetadata(token);
        }

        _files.PurgeAll();
    }

    public void OnRecovery(Guid indexToken, Guid logToken) => _files.OnRecovery(indexToken, logToken);

    public void Dispose()
    {
        foreach (var token in _metadataWrites.Keys)
        {
            // A checkpoint that failed before its manifest: its files are pruned later; only make sure nothing is still
            // writing into the folder.
            try
            {
                WaitForMetadata(token);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        _files.Dispose();
    }
}
