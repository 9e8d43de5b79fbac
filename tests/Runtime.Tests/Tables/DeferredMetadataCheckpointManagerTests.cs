using System;
using System.IO;
using System.Linq;
using Faustish.Tables.Faster;
using FASTER.core;

namespace Faustish.Tests.Tables;

/// <summary>
/// The checkpoint manager that writes a checkpoint's metadata off the store owner's thread: once waited for, the files
/// are the ones FASTER's own manager reads, so a checkpoint recovers with FASTER's code whichever manager wrote it.
/// </summary>
public sealed class DeferredMetadataCheckpointManagerTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-metadata-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(1)]
    [InlineData(508)] // fills the first sector exactly with its 4-byte length
    [InlineData(5_000)] // more than one sector
    public void Metadata_written_off_the_thread_is_byte_for_byte_what_FASTERs_manager_writes(int length)
    {
        var token = Guid.NewGuid();
        var index = Metadata(length, seed: 1);
        var log = Metadata(length, seed: 2);
        var deferredDirectory = Path.Combine(_directory, "deferred");
        var fasterDirectory = Path.Combine(_directory, "faster");
        using (var deferred = new DeferredMetadataCheckpointManager(deferredDirectory))
        {
            deferred.InitializeIndexCheckpoint(token);
            deferred.InitializeLogCheckpoint(token);
            deferred.CommitIndexCheckpoint(token, index);
            deferred.CommitLogCheckpoint(token, log);
            deferred.WaitForMetadata(token);
        }

        using (var faster = new DeviceLogCommitCheckpointManager(new LocalStorageNamedDeviceFactory(), new DefaultCheckpointNamingScheme(fasterDirectory)))
        {
            faster.InitializeIndexCheckpoint(token);
            faster.InitializeLogCheckpoint(token);
            faster.CommitIndexCheckpoint(token, index);
            faster.CommitLogCheckpoint(token, log);
        }

        foreach (var kind in new[] { "index-checkpoints", "cpr-checkpoints" })
        {
            var file = Path.Combine(kind, token.ToString(), "info.dat.0");
            Assert.Equal(File.ReadAllBytes(Path.Combine(fasterDirectory, file)), File.ReadAllBytes(Path.Combine(deferredDirectory, file)));
        }

        // And FASTER's reader gives back the metadata (followed by the sector's padding, as for its own files).
        using var reader = new DeviceLogCommitCheckpointManager(new LocalStorageNamedDeviceFactory(), new DefaultCheckpointNamingScheme(deferredDirectory));
        Assert.Equal(index, reader.GetIndexCheckpointMetadata(token)[..length]);
        Assert.Equal(log, reader.GetLogCheckpointMetadata(token, null!, false, -1)[..length]);
        Assert.Equal([token], reader.GetIndexCheckpointTokens().ToArray());
    }

    [Fact]
    public void Reading_a_checkpoints_metadata_waits_for_its_write()
    {
        var token = Guid.NewGuid();
        var metadata = Metadata(2_000, seed: 3);
        using var deferred = new DeferredMetadataCheckpointManager(_directory);
        deferred.InitializeLogCheckpoint(token);
        deferred.CommitLogCheckpoint(token, metadata);
        // No WaitForMetadata: the read itself waits for the write in flight.
        Assert.Equal(metadata, deferred.GetLogCheckpointMetadata(token, null!, false, -1)[..metadata.Length]);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static byte[] Metadata(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
