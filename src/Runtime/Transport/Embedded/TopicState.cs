using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using Faustish.IO;
using Microsoft.Extensions.Logging;

namespace Faustish.Transport.Embedded;

/// <summary>
/// A topic on disk: <c>{dataDir}/topics/{topic}/topic.meta</c> (partition count and compaction flag) and one
/// directory per partition, each holding a lazily opened <see cref="PartitionLog"/>.
/// </summary>
internal sealed class TopicState
{
    public const string MetadataFileName = "topic.meta";
    // Format 3: records carry their offset and a transaction id (RecordCodec), each partition keeps an offset index.
    // Format 2 (offsets were log addresses) and format 1 (no transaction ids) are refused with a message.
    private const string FormatLine = "faustish-topic 3";
    private static readonly string[] OldFormatLines = ["faustish-topic 1", "faustish-topic 2"];

    private readonly PartitionLog?[] _logs;
    private readonly Lock _sync = new();

    public TopicState(string name, string directory, int partitions, bool compacted)
    {
        Name = name;
        Directory = directory;
        Partitions = partitions;
        Compacted = compacted;
        _logs = new PartitionLog?[partitions];
    }

    public string Name { get; }

    public string Directory { get; }

    public int Partitions { get; }

    public bool Compacted { get; set; }

    /// <summary>How long records are kept (ms), or null: forever (or the transport's default).</summary>
    public long? RetentionMs { get; set; }

    /// <summary>How large the partition may grow before its oldest segments are deleted, or null: no limit.</summary>
    public long? RetentionBytes { get; set; }

    public PartitionLog GetLog(int partition, EmbeddedTransportOptions options, ILogger logger)
    {
        if ((uint)partition >= (uint)Partitions)
        {
            throw new ArgumentOutOfRangeException(nameof(partition), partition,
                $"Topic '{Name}' has {Partitions} partitions (0..{Partitions - 1}); partition {partition} does not exist.");
        }

        var log = Volatile.Read(ref _logs[partition]);
        if (log is not null)
        {
            return log;
        }

        lock (_sync)
        {
            log = _logs[partition];
            if (log is null)
            {
                log = PartitionLog.Open(new TopicPartition(Name, partition),
                    Path.Combine(Directory, partition.ToString(CultureInfo.InvariantCulture)), options, logger);
                Volatile.Write(ref _logs[partition], log);
            }

            return log;
        }
    }

    /// <summary>The logs opened so far.</summary>
    public PartitionLog[] OpenLogs()
    {
        lock (_sync)
        {
            var count = 0;
            foreach (var log in _logs)
            {
                count += log is null ? 0 : 1;
            }

            var result = new PartitionLog[count];
            var at = 0;
            foreach (var log in _logs)
            {
                if (log is not null)
                {
                    result[at++] = log;
                }
            }

            return result;
        }
    }

    /// <summary>Whether the metadata file of the topic in <paramref name="directory"/> is of a format this version refuses.</summary>
    public static bool IsOldFormat(string directory)
    {
        var path = Path.Combine(directory, MetadataFileName);
        if (!File.Exists(path))
        {
            return false;
        }

        using var reader = new StreamReader(path, Encoding.UTF8);
        return Array.IndexOf(OldFormatLines, reader.ReadLine()) >= 0;
    }

    /// <summary>Reads a topic's metadata, or returns null when the topic was never (completely) created.</summary>
    public static TopicState? Load(string name, string directory)
    {
        var path = Path.Combine(directory, MetadataFileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var lines = File.ReadAllLines(path, Encoding.UTF8);
        int? partitions = null;
        bool? compacted = null;
        long? retentionMs = null;
        long? retentionBytes = null;
        if (lines.Length > 0 && Array.IndexOf(OldFormatLines, lines[0]) >= 0)
        {
            throw new InvalidDataException(
                $"Topic '{name}' in '{directory}' was written by an older Faustish ({lines[0]}). {EmbeddedTransport.OldFormatAdvice}");
        }

        if (lines.Length == 0 || lines[0] != FormatLine)
        {
            throw Damaged(path, "unknown format");
        }

        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw Damaged(path, $"line {i + 1} has no '='");
            }

            var key = line[..equals];
            var value = line[(equals + 1)..];
            if (key == "partitions" && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0)
            {
                partitions = count;
            }
            else if (key == "compacted" && bool.TryParse(value, out var flag))
            {
                compacted = flag;
            }
            else if (key == "retention.ms" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0)
            {
                retentionMs = ms;
            }
            else if (key == "retention.bytes" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes > 0)
            {
                retentionBytes = bytes;
            }
        }

        if (partitions is null || compacted is null)
        {
            throw Damaged(path, "partitions or compacted missing");
        }

        return new TopicState(name, directory, partitions.Value, compacted.Value) { RetentionMs = retentionMs, RetentionBytes = retentionBytes };
    }

    /// <summary>Writes the metadata file (atomically: the topic exists once it is in place).</summary>
    public void Save()
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{FormatLine}\n# Faustish embedded topic '{Name}'. The partition count cannot change: records are placed by key.\npartitions={Partitions}\ncompacted={(Compacted ? "true" : "false")}\n{Line("retention.ms", RetentionMs)}{Line("retention.bytes", RetentionBytes)}");
        DurableFile.WriteAtomically(Path.Combine(Directory, MetadataFileName), Encoding.UTF8.GetBytes(text));
    }

    private static string Line(string key, long? value) =>
        value is { } set ? string.Create(CultureInfo.InvariantCulture, $"{key}={set}\n") : "";

    private static InvalidDataException Damaged(string path, string why) =>
        new($"The topic metadata file '{path}' is damaged ({why}). Fix it or delete the topic's directory to start over (losing its records).");
}
