using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Faustish.IO;
using Microsoft.Extensions.Logging;

namespace Faustish.Transport.Embedded;

/// <summary>One record handed to the owner of a data directory through its <see cref="Inbox"/>.</summary>
internal sealed record InboxRecord(TopicPartition Partition, byte[]? Key, byte[]? Value, long TimestampMs, IReadOnlyList<RecordHeader> Headers);

/// <summary>
/// How a second process appends to a data directory a worker owns. A partition's log has one writer, the owner's
/// FasterLog, whose tail lives in its memory; so the second process does not write the log: it writes its records to a
/// file in <c>{dataDir}/inbox/</c> (atomically: temporary file, fsync, rename) and the owner appends them, all of one
/// file in one flush, then removes the file. The owner looks every 50 ms, when it opens and before it closes, so a file
/// left by a worker that stopped is appended by the next process that opens the directory: no record is lost.
/// </summary>
/// <remarks>
/// File: <c>faustish-inbox 1\n</c>, then per record (big-endian) <c>topicLength:int32 topic partition:int32
/// timestampMs:int64 keyLength:int32 (-1 null) key valueLength:int32 (-1 null) value headersLength:int32 headers</c>,
/// then the FNV-1a 64 checksum of everything before it. A file the owner cannot append (a topic that does not exist,
/// a damaged file) is answered with <c>{name}.error</c>, holding why, in its place.
/// </remarks>
internal static class Inbox
{
    public const string DirectoryName = "inbox";
    public const string RecordsSuffix = ".records";
    public const string ErrorSuffix = ".error";
    private static readonly byte[] Magic = "faustish-inbox 1\n"u8.ToArray();

    public static string PathOf(string dataDirectory) => Path.Combine(dataDirectory, DirectoryName);

    /// <summary>Writes <paramref name="records"/> into a new inbox file and returns its path; the owner takes it from there.</summary>
    public static string Write(string dataDirectory, IReadOnlyList<InboxRecord> records)
    {
        var directory = PathOf(dataDirectory);
        Directory.CreateDirectory(directory);
        using var content = new MemoryStream();
        content.Write(Magic);
        Span<byte> number = stackalloc byte[8];
        foreach (var record in records)
        {
            Bytes(content, Encoding.UTF8.GetBytes(record.Partition.Topic), number);
            BinaryPrimitives.WriteInt32BigEndian(number, record.Partition.Partition);
            content.Write(number[..4]);
            BinaryPrimitives.WriteInt64BigEndian(number, record.TimestampMs);
            content.Write(number);
            Bytes(content, record.Key, number);
            Bytes(content, record.Value, number);
            var headers = new byte[RecordHeaderEncoding.SizeOf(record.Headers)];
            RecordHeaderEncoding.Write(record.Headers, headers);
            Bytes(content, headers, number);
        }

        BinaryPrimitives.WriteUInt64BigEndian(number, GroupPositionsFile.Fnv1a64(content.GetBuffer().AsSpan(0, (int)content.Length)));
        content.Write(number);
        // Names sort in the order they were written (ticks first), so the owner appends them in that order.
        var name = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow.Ticks:D19}-{Environment.ProcessId}-{Guid.NewGuid():N}{RecordsSuffix}");
        var path = Path.Combine(directory, name);
        DurableFile.WriteAtomically(path, content.GetBuffer().AsSpan(0, (int)content.Length));
        return path;

        static void Bytes(Stream stream, byte[]? bytes, Span<byte> number)
        {
            BinaryPrimitives.WriteInt32BigEndian(number, bytes?.Length ?? -1);
            stream.Write(number[..4]);
            if (bytes is not null)
            {
                stream.Write(bytes);
            }
        }
    }

    /// <summary>
    /// The owner's side: appends every file waiting in the inbox, oldest first, each in one flush, and removes it.
    /// A file that cannot be appended is answered with an <c>.error</c> file and logged.
    /// </summary>
    public static void Drain(EmbeddedTransport transport, CancellationToken cancellationToken)
    {
        var directory = PathOf(transport.DataDirectory);
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var path in Directory.EnumerateFiles(directory, "*" + RecordsSuffix).Order(StringComparer.Ordinal).ToList())
        {
            List<InboxRecord> records;
            try
            {
                records = Read(path);
                foreach (var record in records)
                {
                    if (transport.GetPartitionCount(record.Partition.Topic) is not { } count || record.Partition.Partition >= count)
                    {
                        throw new InvalidDataException($"{record.Partition} does not exist in {transport.DataDirectory}.");
                    }
                }
            }
            catch (FileNotFoundException)
            {
                continue;
            }
            catch (InvalidDataException e)
            {
                Refuse(transport, path, e.Message);
                continue;
            }

            using (var producer = transport.CreateProducer())
            {
                foreach (var record in records)
                {
                    producer.Produce(record.Partition, record.Key, record.Key is null, record.Value, record.Value is null, record.TimestampMs, record.Headers);
                }

                producer.Flush(cancellationToken);
            }

            // Appended and durable: the file goes. (A crash right here appends it again at the next open: at least once.)
            File.Delete(path);
            transport.Logger.LogDebug("Appended {Count} record(s) another process sent through {Inbox}.", records.Count, path);
        }
    }

    private static void Refuse(EmbeddedTransport transport, string path, string reason)
    {
        transport.Logger.LogError("Records another process sent through {Inbox} cannot be appended: {Reason}", path, reason);
        DurableFile.WriteAtomically(Path.ChangeExtension(path, ErrorSuffix), Encoding.UTF8.GetBytes(reason));
        File.Delete(path);
    }

    private static List<InboxRecord> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var span = bytes.AsSpan();
        if (span.Length < Magic.Length + 8 || !span.StartsWith(Magic)
            || BinaryPrimitives.ReadUInt64BigEndian(span[^8..]) != GroupPositionsFile.Fnv1a64(span[..^8]))
        {
            throw new InvalidDataException($"The inbox file {path} is damaged (its checksum does not match).");
        }

        var records = new List<InboxRecord>();
        var at = Magic.Length;
        var end = span.Length - 8;
        try
        {
            while (at < end)
            {
                var topic = Encoding.UTF8.GetString(Next(span, ref at)!);
                var partition = BinaryPrimitives.ReadInt32BigEndian(span[at..]);
                var timestamp = BinaryPrimitives.ReadInt64BigEndian(span[(at + 4)..]);
                at += 12;
                var key = Next(span, ref at);
                var value = Next(span, ref at);
                var headers = RecordHeaderEncoding.Read(Next(span, ref at));
                records.Add(new InboxRecord(new TopicPartition(topic, partition), key, value, timestamp, headers));
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"The inbox file {path} is damaged (a record runs past its end).");
        }

        return records;

        static byte[]? Next(ReadOnlySpan<byte> span, ref int at)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(span[at..]);
            at += 4;
            if (length < 0)
            {
                return null;
            }

            var bytes = span.Slice(at, length).ToArray();
            at += length;
            return bytes;
        }
    }
}
