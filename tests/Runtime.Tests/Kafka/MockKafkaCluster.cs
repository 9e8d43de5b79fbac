using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Threading;

namespace Faustish.Tests.Kafka;

/// <summary>
/// An in-process Kafka cluster for tests: librdkafka's mock cluster, speaking the Kafka protocol over TCP on
/// loopback, started through its C API in the same librdkafka that Confluent.Kafka uses.
/// </summary>
/// <example>
/// <code>
/// using var cluster = MockKafkaCluster.Start(brokers: 1);
/// cluster.CreateTopic("orders", partitions: 3);
/// var config = new ProducerConfig { BootstrapServers = cluster.BootstrapServers };
/// </code>
/// </example>
/// <remarks>
/// <para>What the mock does and does not do is in shared/TOOLCHAIN.md: in short produce, fetch, consumer groups and
/// committed offsets work; admin CreateTopics/DeleteTopics time out (use <see cref="CreateTopic"/>; unknown topics
/// auto-create with 4 partitions); it keeps only about 5 MiB per partition and silently drops older records; it
/// never compacts and does not hide aborted transactions.</para>
/// <para>Dispose every client of the cluster before the cluster; clients left behind only keep reconnecting to a
/// closed port, but they log errors and slow the run.</para>
/// </remarks>
public sealed unsafe class MockKafkaCluster : IDisposable
{
    private readonly Lock _gate = new();
    private nint _owner;    // rd_kafka_t* that owns the cluster (a producer handle with no brokers of its own)
    private nint _cluster;  // rd_kafka_mock_cluster_t*

    private MockKafkaCluster(nint owner, nint cluster, int brokers, string bootstrapServers)
    {
        _owner = owner;
        _cluster = cluster;
        BrokerCount = brokers;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>The brokers' addresses, <c>127.0.0.1:port</c> each, comma-separated, for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>How many brokers the cluster has; their ids are 1 to <see cref="BrokerCount"/>.</summary>
    public int BrokerCount { get; }

    /// <summary>The librdkafka file the cluster runs in (the one Confluent.Kafka loaded).</summary>
    public static string NativeLibraryPath => LibRdKafkaMockNative.LibraryPath;

    /// <summary>
    /// Starts a mock cluster of <paramref name="brokers"/> brokers listening on loopback.
    /// </summary>
    /// <param name="brokers">Number of brokers, ids 1..n.</param>
    /// <param name="initialRebalanceDelayMs">
    /// The group coordinator's <c>group.initial.rebalance.delay.ms</c>. The mock's default is 3000 ms like Kafka's;
    /// 0 (the default here) gives a first assignment in tens of milliseconds.
    /// </param>
    public static MockKafkaCluster Start(int brokers = 1, int initialRebalanceDelayMs = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(initialRebalanceDelayMs);
        var api = LibRdKafkaMockNative.Native;

        var conf = api.ConfNew();
        // The owner handle never connects anywhere; keep its "no bootstrap.servers" notice out of the test output.
        SetConf(api, conf, "log_level", "3");
        SetConf(api, conf, "client.id", "faustish-mock-cluster-owner");

        var errstr = new byte[512];
        nint owner;
        fixed (byte* err = errstr)
        {
            owner = api.New(LibRdKafkaMockNative.RdKafkaProducer, conf, err, (nuint)errstr.Length);
        }

        if (owner == 0)
        {
            api.ConfDestroy(conf); // rd_kafka_new takes the conf only when it succeeds
            throw new InvalidOperationException("rd_kafka_new failed: " + CString(errstr));
        }

        var cluster = api.MockClusterNew(owner, brokers);
        if (cluster == 0)
        {
            api.Destroy(owner);
            throw new InvalidOperationException($"rd_kafka_mock_cluster_new({brokers}) failed");
        }

        var bootstraps = LibRdKafkaMockNative.ToManaged(api.MockClusterBootstraps(cluster)) ?? string.Empty;
        var result = new MockKafkaCluster(owner, cluster, brokers, bootstraps);
        try
        {
            RequireLoopback(bootstraps, brokers);
            api.MockGroupInitialRebalanceDelayMs(cluster, initialRebalanceDelayMs);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions.</summary>
    /// <exception cref="InvalidOperationException">The mock refused (for example, the topic exists).</exception>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, BrokerCount);
        var name = LibRdKafkaMockNative.ToUtf8Z(topic);
        Call($"rd_kafka_mock_topic_create({topic}, {partitions}, {replicationFactor})", cluster =>
        {
            fixed (byte* p = name)
            {
                return LibRdKafkaMockNative.Native.MockTopicCreate(cluster, p, partitions, replicationFactor);
            }
        });
    }

    /// <summary>
    /// Creates the assignment board topic (<c>{app}-assignments</c>, one partition) that every Kafka worker with its web
    /// server on, or with standby replicas, publishes to: the mock answers no CreateTopics, so tests create it as an
    /// operator may.
    /// </summary>
    public void CreateAssignmentBoard(string appId, int replicationFactor = 1) =>
        CreateTopic(Faustish.Tables.Standby.AssignmentBoard.TopicOf(appId), 1, replicationFactor);

    /// <summary>Takes broker <paramref name="brokerId"/> down: it closes its connections and refuses new ones.</summary>
    public void SetBrokerDown(int brokerId) =>
        Call($"rd_kafka_mock_broker_set_down({brokerId})", c => LibRdKafkaMockNative.Native.MockBrokerSetDown(c, brokerId));

    /// <summary>Brings broker <paramref name="brokerId"/> back up.</summary>
    public void SetBrokerUp(int brokerId) =>
        Call($"rd_kafka_mock_broker_set_up({brokerId})", c => LibRdKafkaMockNative.Native.MockBrokerSetUp(c, brokerId));

    /// <summary>Delays every response of broker <paramref name="brokerId"/> by <paramref name="rttMs"/> milliseconds.</summary>
    public void SetBrokerRtt(int brokerId, int rttMs) =>
        Call($"rd_kafka_mock_broker_set_rtt({brokerId}, {rttMs})",
            c => LibRdKafkaMockNative.Native.MockBrokerSetRtt(c, brokerId, rttMs));

    /// <summary>
    /// Makes the next <paramref name="errors"/>.Length requests of Kafka API <paramref name="apiKey"/> (8 = OffsetCommit,
    /// 0 = Produce, …) to any broker fail with these Kafka error codes, in order (<c>rd_kafka_mock_push_request_errors</c>).
    /// </summary>
    public void PushRequestErrors(short apiKey, params int[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == 0, this);
            fixed (int* codes = errors)
            {
                LibRdKafkaMockNative.Native.MockPushRequestErrorsArray(_cluster, apiKey, (nuint)errors.Length, codes);
            }
        }
    }

    /// <summary>Sets the group coordinator's initial rebalance delay for groups that form from now on.</summary>
    public void SetInitialRebalanceDelay(int delayMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(delayMs);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == 0, this);
            LibRdKafkaMockNative.Native.MockGroupInitialRebalanceDelayMs(_cluster, delayMs);
        }
    }

    /// <summary>Destroys the cluster (closing its listeners) and then the handle that owns it. Idempotent.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            var api = LibRdKafkaMockNative.Native;
            if (_cluster != 0)
            {
                api.MockClusterDestroy(_cluster);
                _cluster = 0;
            }

            if (_owner != 0)
            {
                api.Destroy(_owner);
                _owner = 0;
            }
        }
    }

    private void Call(string what, Func<nint, int> call)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == 0, this);
            var err = call(_cluster);
            if (err != 0)
            {
                throw new InvalidOperationException($"{what} failed: {LibRdKafkaMockNative.ErrorName(err)} ({err})");
            }
        }
    }

    private static void SetConf(LibRdKafkaMockNative.Api api, nint conf, string name, string value)
    {
        var n = LibRdKafkaMockNative.ToUtf8Z(name);
        var v = LibRdKafkaMockNative.ToUtf8Z(value);
        var errstr = new byte[512];
        int res;
        fixed (byte* pn = n, pv = v, pe = errstr)
        {
            res = api.ConfSet(conf, pn, pv, pe, (nuint)errstr.Length);
        }

        if (res != LibRdKafkaMockNative.ConfOk)
        {
            api.ConfDestroy(conf);
            throw new InvalidOperationException($"rd_kafka_conf_set({name}={value}) failed: {CString(errstr)}");
        }
    }

    private static string CString(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }

    /// <summary>The mock must listen on loopback only; anything else is a misconfiguration worth failing on.</summary>
    private static void RequireLoopback(string bootstraps, int brokers)
    {
        var addresses = new List<string>(bootstraps.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (addresses.Count != brokers)
        {
            throw new InvalidOperationException(
                string.Create(CultureInfo.InvariantCulture, $"Mock cluster reported {addresses.Count} brokers ({bootstraps}), expected {brokers}"));
        }

        foreach (var address in addresses)
        {
            if (!IPEndPoint.TryParse(address, out var endpoint) || !IPAddress.IsLoopback(endpoint.Address) || endpoint.Port == 0)
            {
                throw new InvalidOperationException($"Mock broker address {address} is not a loopback endpoint");
            }
        }
    }
}
