using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Faustish.IO;

namespace Faustish.Transport.Embedded;

/// <summary>
/// The committed positions of a consumer group: <c>{dataDir}/groups/{group}.positions</c>, replaced atomically
/// on every commit (<see cref="DurableFile"/>) and guarded by a checksum, so a torn file is never taken for a
/// valid one. Format (UTF-8 text): a format line, one <c>topic\tpartition\toffset</c> line per partition (the record
/// offset of the next record to read), and a last line <c>end {count} {fnv1a64 of everything before it, hex}</c>.
/// Format 1 held log addresses instead of record offsets and is refused with a message.
/// </summary>
internal static class GroupPositionsFile
{
    private const string FormatLine = "faustish-positions 2";
    private const string OldFormatLine = "faustish-positions 1";

    public static Dictionary<TopicPartition, long> Load(string path)
    {
        var positions = new Dictionary<TopicPartition, long>();
        if (!File.Exists(path))
        {
            return positions;
        }

        var bytes = File.ReadAllBytes(path);
        var text = Encoding.UTF8.GetString(bytes);
        if (text.StartsWith(OldFormatLine + "\n", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The committed positions file '{path}' was written by an older Faustish ({OldFormatLine}). {EmbeddedTransport.OldFormatAdvice}");
        }

        var endAt = text.LastIndexOf("end ", StringComparison.Ordinal);
        if (!text.StartsWith(FormatLine + "\n", StringComparison.Ordinal) || endAt < 0 || (endAt > 0 && text[endAt - 1] != '\n'))
        {
            throw Damaged(path, "it is incomplete or not a positions file");
        }

        var trailer = text[endAt..].TrimEnd('\n').Split(' ');
        var body = Encoding.UTF8.GetByteCount(text.AsSpan(0, endAt));
        if (trailer.Length != 3
            || !int.TryParse(trailer[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || !ulong.TryParse(trailer[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var checksum)
            || checksum != Fnv1a64(bytes.AsSpan(0, body)))
        {
            throw Damaged(path, "its checksum does not match");
        }

        var lines = text[..endAt].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 1; i < lines.Length; i++)
        {
            var parts = lines[i].Split('\t');
            if (parts.Length != 3
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
                || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                throw Damaged(path, $"line {i + 1} is malformed");
            }

            positions[new TopicPartition(parts[0], partition)] = offset;
        }

        if (positions.Count != count)
        {
            throw Damaged(path, "it holds another number of positions than it says");
        }

        return positions;
    }

    public static void Save(string path, Dictionary<TopicPartition, long> positions)
    {
        var entries = new List<KeyValuePair<TopicPartition, long>>(positions);
        entries.Sort(static (a, b) =>
        {
            var byTopic = string.CompareOrdinal(a.Key.Topic, b.Key.Topic);
            return byTopic != 0 ? byTopic : a.Key.Partition.CompareTo(b.Key.Partition);
        });
        var text = new StringBuilder();
        text.Append(FormatLine).Append('\n');
        foreach (var (partition, offset) in entries)
        {
            text.Append(partition.Topic).Append('\t')
                .Append(partition.Partition.ToString(CultureInfo.InvariantCulture)).Append('\t')
                .Append(offset.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        var body = Encoding.UTF8.GetBytes(text.ToString());
        var trailer = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"end {entries.Count} {Fnv1a64(body):x16}\n"));
        var content = new byte[body.Length + trailer.Length];
        body.CopyTo(content, 0);
        trailer.CopyTo(content, body.Length);
        DurableFile.WriteAtomically(path, content);
    }

    /// <summary>Whether the positions file at <paramref name="path"/> is of a format this version refuses.</summary>
    public static bool IsOldFormat(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        return reader.ReadLine() == OldFormatLine;
    }

    internal static ulong Fnv1a64(ReadOnlySpan<byte> data)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in data)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static InvalidDataException Damaged(string path, string why) =>
        new($"The committed positions file '{path}' is damaged: {why}. Restore it, or delete it to make the group start again from the beginning of its topics (reprocessing their records).");
}
