using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using Faustish.Transport;
using Faustish.Transport.Embedded;

namespace Faustish.Tests.Transport;

/// <summary>A temporary data directory per test, deleted afterwards.</summary>
public sealed class EmbeddedTempDirectory : IDisposable
{
    public EmbeddedTempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "faustish-embedded-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Records assignment callbacks into a shared, ordered event list; commits in OnRevoked if asked to.</summary>
public sealed class EmbeddedRecordingListener(string name, List<string> events) : IAssignmentListener
{
    public IGroupConsumer? Consumer { get; set; }

    /// <summary>Next offsets of records processed but not committed yet, by partition.</summary>
    public Dictionary<TopicPartition, long> Uncommitted { get; } = [];

    public List<TopicPartition> Assigned { get; } = [];

    public List<TopicPartition> Lost { get; } = [];

    public void OnAssigned(IReadOnlyList<TopicPartition> partitions)
    {
        lock (events)
        {
            foreach (var partition in partitions)
            {
                events.Add($"{name}:assigned:{partition}");
                Assigned.Add(partition);
            }
        }
    }

    public void OnRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        var positions = new List<TopicPartitionOffset>();
        foreach (var partition in partitions)
        {
            if (Uncommitted.Remove(partition, out var offset))
            {
                positions.Add(new TopicPartitionOffset(partition.Topic, partition.Partition, offset));
            }
        }

        Consumer?.Commit(positions);
        lock (events)
        {
            foreach (var partition in partitions)
            {
                events.Add($"{name}:revoked:{partition}");
                Assigned.Remove(partition);
            }
        }
    }

    public void OnLost(IReadOnlyList<TopicPartition> partitions)
    {
        lock (events)
        {
            foreach (var partition in partitions)
            {
                events.Add($"{name}:lost:{partition}");
                Assigned.Remove(partition);
                Lost.Add(partition);
                Uncommitted.Remove(partition);
            }
        }
    }
}

internal static class EmbeddedTestData
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    public static void ProduceText(IRecordProducer producer, string topic, int partition, string key, string value, long timestampMs = 1) =>
        producer.Produce(new TopicPartition(topic, partition), Utf8(key), false, Utf8(value), false, timestampMs);

    /// <summary>Reads every record visible now from a reader (bounded), returning (key, value) texts.</summary>
    public static List<(string Key, string Value, long Offset, long NextOffset)> ReadAll(IPartitionReader reader)
    {
        var batch = new RecordBatch();
        var result = new List<(string, string, long, long)>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && reader.Fetch(batch, 100, TimeSpan.Zero, CancellationToken.None))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                ref readonly var record = ref batch[i];
                result.Add((Text(batch.KeyOf(record)), Text(batch.ValueOf(record)), record.Offset, record.NextOffset));
            }
        }

        return result;
    }
}
