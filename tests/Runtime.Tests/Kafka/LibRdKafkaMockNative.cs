using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace Faustish.Tests.Kafka;

/// <summary>
/// librdkafka's mock-cluster C API (<c>rdkafka_mock.h</c>), bound to the very native library Confluent.Kafka
/// loaded. Binding by a plain <c>[DllImport("librdkafka")]</c> would be wrong twice over here: the plain
/// <c>librdkafka.so</c> needs libsasl2 (absent on these machines), and a second copy of librdkafka in the process
/// would have its own globals, so a cluster created by one copy is unknown to the other.
/// </summary>
/// <remarks>
/// The exports are looked up with <see cref="NativeLibrary.GetExport"/> and called through function pointers
/// rather than through an assembly-wide <see cref="NativeLibrary.SetDllImportResolver"/>: an assembly can have only
/// one resolver, and other test code in this assembly may want its own.
/// </remarks>
internal static unsafe class LibRdKafkaMockNative
{
    private static readonly Lazy<Api> Instance = new(Bind, isThreadSafe: true);

    /// <summary>The bound API; binding happens once, on first use.</summary>
    public static Api Native => Instance.Value;

    /// <summary>The path of the librdkafka that Confluent.Kafka loaded and these functions are bound to.</summary>
    public static string LibraryPath => Native.Path;

    internal sealed class Api
    {
        public required string Path { get; init; }
        public required delegate* unmanaged<nint> ConfNew { get; init; }
        public required delegate* unmanaged<nint, byte*, byte*, byte*, nuint, int> ConfSet { get; init; }
        public required delegate* unmanaged<nint, void> ConfDestroy { get; init; }
        public required delegate* unmanaged<int, nint, byte*, nuint, nint> New { get; init; }
        public required delegate* unmanaged<nint, void> Destroy { get; init; }
        public required delegate* unmanaged<int, byte*> Err2Str { get; init; }
        public required delegate* unmanaged<byte*> VersionStr { get; init; }
        public required delegate* unmanaged<nint, int, nint> MockClusterNew { get; init; }
        public required delegate* unmanaged<nint, void> MockClusterDestroy { get; init; }
        public required delegate* unmanaged<nint, byte*> MockClusterBootstraps { get; init; }
        public required delegate* unmanaged<nint, byte*, int, int, int> MockTopicCreate { get; init; }
        public required delegate* unmanaged<nint, int, void> MockGroupInitialRebalanceDelayMs { get; init; }
        public required delegate* unmanaged<nint, int, int> MockBrokerSetDown { get; init; }
        public required delegate* unmanaged<nint, int, int> MockBrokerSetUp { get; init; }
        public required delegate* unmanaged<nint, int, int, int> MockBrokerSetRtt { get; init; }
        public required delegate* unmanaged<nint, short, nuint, int*, void> MockPushRequestErrorsArray { get; init; }
    }

    /// <summary><c>rd_kafka_type_t</c> RD_KAFKA_PRODUCER.</summary>
    public const int RdKafkaProducer = 0;

    /// <summary><c>rd_kafka_conf_res_t</c> RD_KAFKA_CONF_OK.</summary>
    public const int ConfOk = 0;

    public static string? ToManaged(byte* utf8) =>
        utf8 == null ? null : Marshal.PtrToStringUTF8((nint)utf8);

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="value"/>.</summary>
    public static byte[] ToUtf8Z(string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    public static string ErrorName(int err) => ToManaged(Native.Err2Str(err)) ?? $"error {err}";

    private static Api Bind()
    {
        // Make Confluent.Kafka pick and load its librdkafka first (returns false when it already has).
        Confluent.Kafka.Library.Load();
        var confluentVersion = Confluent.Kafka.Library.VersionString;

        var failures = new List<string>();
        foreach (var candidate in Candidates())
        {
            // dlopen of a path that is already mapped returns the existing handle: no second copy is loaded.
            if (!NativeLibrary.TryLoad(candidate, out var handle))
            {
                failures.Add($"{candidate}: does not load");
                continue;
            }

            if (!NativeLibrary.TryGetExport(handle, "rd_kafka_mock_cluster_new", out _))
            {
                failures.Add($"{candidate}: has no mock cluster API");
                continue;
            }

            var version = Marshal.PtrToStringUTF8(
                ((delegate* unmanaged<nint>)NativeLibrary.GetExport(handle, "rd_kafka_version_str"))());
            if (!string.Equals(version, confluentVersion, StringComparison.Ordinal))
            {
                failures.Add($"{candidate}: version {version}, Confluent.Kafka runs {confluentVersion}");
                continue;
            }

            return new Api
            {
                Path = candidate,
                ConfNew = (delegate* unmanaged<nint>)Export(handle, "rd_kafka_conf_new"),
                ConfSet = (delegate* unmanaged<nint, byte*, byte*, byte*, nuint, int>)Export(handle, "rd_kafka_conf_set"),
                ConfDestroy = (delegate* unmanaged<nint, void>)Export(handle, "rd_kafka_conf_destroy"),
                New = (delegate* unmanaged<int, nint, byte*, nuint, nint>)Export(handle, "rd_kafka_new"),
                Destroy = (delegate* unmanaged<nint, void>)Export(handle, "rd_kafka_destroy"),
                Err2Str = (delegate* unmanaged<int, byte*>)Export(handle, "rd_kafka_err2str"),
                VersionStr = (delegate* unmanaged<byte*>)Export(handle, "rd_kafka_version_str"),
                MockClusterNew = (delegate* unmanaged<nint, int, nint>)Export(handle, "rd_kafka_mock_cluster_new"),
                MockClusterDestroy = (delegate* unmanaged<nint, void>)Export(handle, "rd_kafka_mock_cluster_destroy"),
                MockClusterBootstraps = (delegate* unmanaged<nint, byte*>)Export(handle, "rd_kafka_mock_cluster_bootstraps"),
                MockTopicCreate = (delegate* unmanaged<nint, byte*, int, int, int>)Export(handle, "rd_kafka_mock_topic_create"),
                MockGroupInitialRebalanceDelayMs =
                    (delegate* unmanaged<nint, int, void>)Export(handle, "rd_kafka_mock_group_initial_rebalance_delay_ms"),
                MockBrokerSetDown = (delegate* unmanaged<nint, int, int>)Export(handle, "rd_kafka_mock_broker_set_down"),
                MockBrokerSetUp = (delegate* unmanaged<nint, int, int>)Export(handle, "rd_kafka_mock_broker_set_up"),
                MockBrokerSetRtt = (delegate* unmanaged<nint, int, int, int>)Export(handle, "rd_kafka_mock_broker_set_rtt"),
                MockPushRequestErrorsArray = (delegate* unmanaged<nint, short, nuint, int*, void>)Export(handle, "rd_kafka_mock_push_request_errors_array"),
            };
        }

        throw new InvalidOperationException(
            "Could not bind librdkafka's mock cluster API to the librdkafka Confluent.Kafka loaded (version "
            + confluentVersion + "). Tried: " + (failures.Count == 0 ? "nothing found" : string.Join("; ", failures)));
    }

    private static nint Export(nint handle, string name) => NativeLibrary.GetExport(handle, name);

    /// <summary>
    /// Where the loaded librdkafka lives: the librdkafka files the process has mapped (Linux <c>/proc/self/maps</c>,
    /// the ground truth of which file Confluent.Kafka loaded); without <c>/proc</c>, the files Confluent.Kafka itself
    /// would try, next to the test assembly and in its runtimes folder.
    /// </summary>
    private static IEnumerable<string> Candidates()
    {
        // Where the process map exists it is the only trustworthy source: loading any other file (say
        // alpine-librdkafka.so) would map a second, separate librdkafka whose mock clusters Confluent.Kafka's copy
        // never sees. The shipped files are a fallback for platforms without /proc.
        var mapped = MappedLibrdkafka();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in mapped.Count > 0 || File.Exists("/proc/self/maps") ? mapped : ShippedLibrdkafka())
        {
            if (File.Exists(path) && seen.Add(Path.GetFullPath(path)))
            {
                yield return Path.GetFullPath(path);
            }
        }
    }

    private static List<string> MappedLibrdkafka()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            return [];
        }

        // Lines look like "7f..-7f.. r-xp 00000000 08:01 1234  /path/to/centos8-librdkafka.so".
        return File.ReadLines(maps)
            .Select(line => line.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? line[slash..].Trim() : null)
            .OfType<string>()
            .Where(path => Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    private static IEnumerable<string> ShippedLibrdkafka()
    {
        string[] names = OperatingSystem.IsLinux()
            ? ["centos8-librdkafka.so", "librdkafka.so", "alpine-librdkafka.so"]
            : OperatingSystem.IsMacOS() ? ["librdkafka.dylib"] : ["librdkafka.dll"];
        var rid = RuntimeInformation.RuntimeIdentifier;
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var os = OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "osx" : "win";
        var baseDir = AppContext.BaseDirectory;
        foreach (var name in names)
        {
            yield return Path.Combine(baseDir, name);
            yield return Path.Combine(baseDir, "runtimes", $"{os}-{arch}", "native", name);
            yield return Path.Combine(baseDir, "runtimes", rid, "native", name);
        }
    }
}
