using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace Faustish.Transport.Kafka.InPlace;

/// <summary>
/// <c>rd_kafka_message_t</c> as librdkafka lays it out (rdkafka.h): blittable, read in place through a pointer that
/// <see cref="Librdkafka.ConsumerPoll"/> returns. Sequential layout gives C's padding on 64-bit platforms.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RdKafkaMessage
{
    /// <summary><c>rd_kafka_resp_err_t</c>: 0, or an error event (then <see cref="Payload"/> may hold its text).</summary>
    public int Err;

    /// <summary><c>rd_kafka_topic_t*</c>.</summary>
    public nint Rkt;

    public int Partition;

    /// <summary>The value (null for a null value).</summary>
    public nint Payload;

    public nuint Len;

    /// <summary>The key (null for a null key).</summary>
    public nint Key;

    public nuint KeyLen;

    public long Offset;

    /// <summary>librdkafka's own (the op that owns the message).</summary>
    public nint Private;
}

/// <summary>
/// The few librdkafka calls the in-place fetch path makes, bound to the very native library Confluent.Kafka loaded.
/// </summary>
/// <remarks>
/// <para>Why function pointers and not <c>[LibraryImport("librdkafka")]</c>: the handle we poll belongs to Confluent.Kafka's
/// copy of librdkafka, and a second copy (say the plain <c>librdkafka.so</c>, or one a resolver picked differently) would
/// have its own globals. A <c>LibraryImport</c> would need an assembly-wide <see cref="NativeLibrary.SetDllImportResolver"/>
/// to reach that copy; looking the exports up on its handle does the same without one. Every signature is blittable, so
/// no marshalling stub runs either way.</para>
/// <para>Which copy: on Linux the process map (<c>/proc/self/maps</c>) names the librdkafka file Confluent.Kafka mapped,
/// and dlopen of a mapped path returns the mapped copy; elsewhere the names Confluent.Kafka itself loads, in its order.
/// The version must equal Confluent.Kafka's, else binding fails saying so.</para>
/// </remarks>
internal sealed unsafe class Librdkafka
{
    /// <summary><c>RD_KAFKA_RESP_ERR__PARTITION_EOF</c>.</summary>
    public const int ErrPartitionEof = -191;

    /// <summary><c>RD_KAFKA_RESP_ERR__FATAL</c>: the real error is read with <see cref="FatalError"/>.</summary>
    public const int ErrFatal = -150;

    private static readonly Lazy<Librdkafka> Instance = new(Bind, isThreadSafe: true);

    private Librdkafka(string path, nint library)
    {
        Path = path;
        ConsumerPoll = (delegate* unmanaged<nint, int, RdKafkaMessage*>)Export(library, "rd_kafka_consumer_poll");
        MessageDestroy = (delegate* unmanaged<RdKafkaMessage*, void>)Export(library, "rd_kafka_message_destroy");
        MessageTimestamp = (delegate* unmanaged<RdKafkaMessage*, int*, long>)Export(library, "rd_kafka_message_timestamp");
        MessageHeaders = (delegate* unmanaged<RdKafkaMessage*, nint*, int>)Export(library, "rd_kafka_message_headers");
        HeaderCount = (delegate* unmanaged<nint, nuint>)Export(library, "rd_kafka_header_cnt");
        HeaderGetAll = (delegate* unmanaged<nint, nuint, byte**, byte**, nuint*, int>)Export(library, "rd_kafka_header_get_all");
        TopicName = (delegate* unmanaged<nint, byte*>)Export(library, "rd_kafka_topic_name");
        Err2Str = (delegate* unmanaged<int, byte*>)Export(library, "rd_kafka_err2str");
        FatalError = (delegate* unmanaged<nint, byte*, nuint, int>)Export(library, "rd_kafka_fatal_error");
    }

    /// <summary>The bound library; binding happens once, on first use, and throws when it cannot be done safely.</summary>
    public static Librdkafka Native => Instance.Value;

    /// <summary>The file the functions are bound to.</summary>
    public string Path { get; }

    /// <summary><c>rd_kafka_message_t *rd_kafka_consumer_poll(rd_kafka_t *rk, int timeout_ms)</c>: serves the consumer queue (rebalance, error and log callbacks run inside) and returns one message or null.</summary>
    public delegate* unmanaged<nint, int, RdKafkaMessage*> ConsumerPoll { get; }

    /// <summary><c>void rd_kafka_message_destroy(rd_kafka_message_t *)</c>.</summary>
    public delegate* unmanaged<RdKafkaMessage*, void> MessageDestroy { get; }

    /// <summary><c>int64_t rd_kafka_message_timestamp(const rd_kafka_message_t *, rd_kafka_timestamp_type_t *tstype)</c>: -1 when not available.</summary>
    public delegate* unmanaged<RdKafkaMessage*, int*, long> MessageTimestamp { get; }

    /// <summary><c>rd_kafka_resp_err_t rd_kafka_message_headers(const rd_kafka_message_t *, rd_kafka_headers_t **hdrsp)</c>: <c>_NOENT</c> when there are none.</summary>
    public delegate* unmanaged<RdKafkaMessage*, nint*, int> MessageHeaders { get; }

    /// <summary><c>size_t rd_kafka_header_cnt(const rd_kafka_headers_t *)</c>.</summary>
    public delegate* unmanaged<nint, nuint> HeaderCount { get; }

    /// <summary><c>rd_kafka_resp_err_t rd_kafka_header_get_all(const rd_kafka_headers_t *, size_t idx, const char **namep, const void **valuep, size_t *sizep)</c>.</summary>
    public delegate* unmanaged<nint, nuint, byte**, byte**, nuint*, int> HeaderGetAll { get; }

    /// <summary><c>const char *rd_kafka_topic_name(const rd_kafka_topic_t *)</c>.</summary>
    public delegate* unmanaged<nint, byte*> TopicName { get; }

    /// <summary><c>const char *rd_kafka_err2str(rd_kafka_resp_err_t)</c>.</summary>
    public delegate* unmanaged<int, byte*> Err2Str { get; }

    /// <summary><c>rd_kafka_resp_err_t rd_kafka_fatal_error(rd_kafka_t *, char *errstr, size_t errstr_size)</c>.</summary>
    public delegate* unmanaged<nint, byte*, nuint, int> FatalError { get; }

    /// <summary>The text of an error event: librdkafka puts it in the payload, else the error code's own text (rdkafka.h's inline <c>rd_kafka_message_errstr</c>).</summary>
    public string ErrorText(RdKafkaMessage* message) =>
        message->Payload != 0
            ? Marshal.PtrToStringUTF8(message->Payload, checked((int)message->Len))
            : Marshal.PtrToStringUTF8((nint)Err2Str(message->Err)) ?? $"error {message->Err}";

    private static Librdkafka Bind()
    {
        // Make Confluent.Kafka pick and load its librdkafka first (a no-op when it already has).
        Confluent.Kafka.Library.Load();
        var expected = Confluent.Kafka.Library.VersionString;
        var failures = new List<string>();
        var matches = new List<(string Path, nint Handle)>();
        foreach (var candidate in Candidates())
        {
            if (!NativeLibrary.TryLoad(candidate, out var handle))
            {
                failures.Add($"{candidate}: does not load");
                continue;
            }

            if (!NativeLibrary.TryGetExport(handle, "rd_kafka_version_str", out var versionExport))
            {
                failures.Add($"{candidate}: not librdkafka");
                continue;
            }

            var version = Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<byte*>)versionExport)());
            if (!string.Equals(version, expected, StringComparison.Ordinal))
            {
                failures.Add($"{candidate}: version {version}, Confluent.Kafka runs {expected}");
                continue;
            }

            matches.Add((candidate, handle));
        }

        if (matches.Count == 1)
        {
            return new Librdkafka(matches[0].Path, matches[0].Handle);
        }

        var reason = matches.Count == 0
            ? "found no librdkafka of that version (" + (failures.Count == 0 ? "no candidate file" : string.Join("; ", failures)) + ")"
            : "several copies are mapped (" + string.Join(", ", matches.Select(m => m.Path)) + ") and the one Confluent.Kafka calls cannot be told apart";
        throw new InvalidOperationException(
            $"The in-place Kafka fetch path cannot bind to the librdkafka Confluent.Kafka loaded (version {expected}): {reason}. " +
            "Set Faustish:Kafka:FetchPath to Client to fetch through Confluent.Kafka's Consume instead.");
    }

    private static nint Export(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out var address)
            ? address
            : throw new InvalidOperationException(
                $"The librdkafka Confluent.Kafka loaded has no export '{name}', which the in-place Kafka fetch path calls. " +
                "Set Faustish:Kafka:FetchPath to Client.");

    /// <summary>The librdkafka files mapped into the process (Linux), else the files Confluent.Kafka would load, in its order.</summary>
    private static IEnumerable<string> Candidates()
    {
        const string maps = "/proc/self/maps";
        if (File.Exists(maps))
        {
            // Lines look like "7f..-7f.. r-xp 00000000 08:01 1234  /path/to/centos8-librdkafka.so".
            return File.ReadLines(maps)
                .Select(line => line.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? line[slash..].Trim() : null)
                .OfType<string>()
                .Where(path => System.IO.Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal) && File.Exists(path))
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }

        string[] names = OperatingSystem.IsMacOS() ? ["librdkafka.dylib"] : OperatingSystem.IsWindows() ? ["librdkafka.dll"] : ["librdkafka.so", "centos8-librdkafka.so"];
        var os = OperatingSystem.IsMacOS() ? "osx" : OperatingSystem.IsWindows() ? "win" : "linux";
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        return names.SelectMany(name => new[]
            {
                System.IO.Path.Combine(AppContext.BaseDirectory, name),
                System.IO.Path.Combine(AppContext.BaseDirectory, "runtimes", $"{os}-{arch}", "native", name),
            })
            .Where(File.Exists)
            .Take(1); // the first Confluent.Kafka would load; loading a second would map another copy
    }
}
