using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Hosting;
using Faustish.Transport;
using Microsoft.Extensions.Logging;

namespace Faustish.Tests.Kafka;

/// <summary>Brokers going away and coming back: nothing is lost, and the outage is reported while it lasts.</summary>
public sealed class KafkaOutageTests
{
    private static readonly TimeSpan Bound = KafkaTestCluster.Bound;

    [Fact]
    public async Task Brokers_down_for_5_seconds_then_back_lose_nothing_and_the_outage_is_logged_and_measured()
    {
        await using var kafka = KafkaTestCluster.Start(brokers: 2);
        kafka.Cluster.CreateTopic("stream", partitions: 2, replicationFactor: 2);
        using var metrics = new FaustishMetrics();
        metrics.ObserveTransport(kafka.Transport);
        using var gauges = new GaugeReader(metrics, "faustish.transport.brokers_unavailable", "faustish.transport.outages");

        using var consumer = kafka.Transport.CreateGroupConsumer("outage", ["stream"], new RecordingListener());
        using var producer = kafka.Transport.CreateProducer();
        var received = new Dictionary<int, HashSet<long>> { [0] = [], [1] = [] };
        Send(producer, 0, 100);
        producer.Flush(CancellationToken.None);
        Receive(consumer, received, 200);
        consumer.Commit([new TopicPartitionOffset("stream", 0, 100), new TopicPartitionOffset("stream", 1, 100)]);
        Assert.Equal(0, gauges.Read("faustish.transport.brokers_unavailable"));

        kafka.Cluster.SetBrokerDown(1);
        kafka.Cluster.SetBrokerDown(2);
        Send(producer, 100, 100); // buffered by librdkafka while nobody answers
        var down = Stopwatch.StartNew();
        var sawOutage = false;
        // Down for 5 s, and until the outage has been reported (librdkafka says "all brokers down" once it has tried each).
        while ((down.Elapsed < TimeSpan.FromSeconds(5) || !sawOutage) && down.Elapsed < Bound)
        {
            Assert.False(consumer.Fetch(new RecordBatch(), 100, TimeSpan.FromMilliseconds(100), CancellationToken.None));
            sawOutage |= metrics.BrokersUnavailable && gauges.Read("faustish.transport.brokers_unavailable") == 1;
        }

        Assert.True(sawOutage, "the outage was not reported while it lasted: " + string.Join("\n", kafka.Logs.Lines.Select(l => l.Message)));
        kafka.Cluster.SetBrokerUp(1);
        kafka.Cluster.SetBrokerUp(2);
        producer.Flush(CancellationToken.None); // every record buffered during the outage is delivered
        Receive(consumer, received, 400);

        Assert.All(received.Values, offsets => Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), offsets.Order()));
        // Idempotence: retries during the outage wrote no duplicates.
        Assert.Equal(new Watermarks(0, 200), kafka.Transport.GetWatermarks(new TopicPartition("stream", 0)));
        Assert.Equal(new Watermarks(0, 200), kafka.Transport.GetWatermarks(new TopicPartition("stream", 1)));
        consumer.Commit([new TopicPartitionOffset("stream", 0, 200), new TopicPartitionOffset("stream", 1, 200)]);
        var clock = Stopwatch.StartNew();
        while (consumer.Committed(new TopicPartition("stream", 0)) != 200 && clock.Elapsed < Bound)
        {
            // A commit deferred by the rejoin after the outage goes through on a later fetch.
            consumer.Fetch(new RecordBatch(), 100, TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }

        Assert.Equal(200, consumer.Committed(new TopicPartition("stream", 0)));
        clock.Restart();
        while (metrics.BrokersUnavailable && clock.Elapsed < Bound)
        {
            Thread.Sleep(50);
        }

        Assert.False(metrics.BrokersUnavailable);
        Assert.Equal(0, gauges.Read("faustish.transport.brokers_unavailable"));
        Assert.True(gauges.Read("faustish.transport.outages") >= 1);
        var lines = kafka.Logs.Lines.ToList();
        Assert.Contains(lines, l => l.Level == LogLevel.Warning && l.Message.Contains("are unreachable", StringComparison.Ordinal) && l.Message.Contains("Waiting", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Message.Contains("are reachable again after", StringComparison.Ordinal));
        consumer.Close();
    }

    [Fact]
    public async Task Clients_close_without_waiting_for_the_brokers_while_they_are_down()
    {
        // Closing must not wait on any broker request (each would take the request timeout, 30 s here).
        await using var kafka = KafkaTestCluster.Start(requestTimeout: TimeSpan.FromSeconds(30));
        kafka.Cluster.CreateTopic("closing", partitions: 1);
        var listener = new RecordingListener();
        var consumer = kafka.Transport.CreateGroupConsumer("closing", ["closing"], listener);
        KafkaGroupConsumerTests.Pump(() => consumer.Assignment.Count == 1, consumer);
        var producer = kafka.Transport.CreateProducer();
        var reader = kafka.Transport.OpenReader(new TopicPartition("closing", 0), Offsets.Beginning);

        kafka.Cluster.SetBrokerDown(1);
        producer.Produce(new TopicPartition("closing", 0), "k"u8, false, "never delivered"u8, false, 1);
        // Unflushed records are dropped, the member leaves without its coordinator, the reader just stops: none of them hangs.
        await Task.Run(() =>
        {
            producer.Dispose();
            consumer.Close();
            reader.Dispose();
        }).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal("revoked:closing[0]", listener.Events.Last());
        kafka.Cluster.SetBrokerUp(1);
    }

    private static void Send(IRecordProducer producer, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            for (var p = 0; p < 2; p++)
            {
                producer.Produce(new TopicPartition("stream", p), Encoding.UTF8.GetBytes($"k{i}"), false, Encoding.UTF8.GetBytes($"v{i}"), false, 1_000 + i);
            }
        }
    }

    private static void Receive(IGroupConsumer consumer, Dictionary<int, HashSet<long>> received, int total)
    {
        var batch = new RecordBatch();
        var clock = Stopwatch.StartNew();
        while (received.Values.Sum(r => r.Count) < total && clock.Elapsed < Bound)
        {
            if (consumer.Fetch(batch, 100, TimeSpan.FromMilliseconds(100), CancellationToken.None))
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    received[batch.Partition].Add(batch[i].Offset);
                }
            }
        }

        Assert.Equal(total, received.Values.Sum(r => r.Count));
    }

    /// <summary>Reads observable instruments of the Faustish meter on demand.</summary>
    private sealed class GaugeReader : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _values = [];

        /// <param name="metrics">The app whose instruments are read (other tests' apps publish the same names at the same time).</param>
        /// <param name="names">The instruments.</param>
        public GaugeReader(FaustishMetrics metrics, params string[] names)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, metrics.Meter) && names.Contains(instrument.Name))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => _values[instrument.Name] = value);
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _values[instrument.Name] = value);
            _listener.Start();
        }

        public long Read(string name)
        {
            _values.Remove(name);
            _listener.RecordObservableInstruments();
            return _values.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"{name} was not observed");
        }

        public void Dispose() => _listener.Dispose();
    }
}
