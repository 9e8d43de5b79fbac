using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Faustish.Transport;
using Faustish.Transport.Embedded;

// What the log cleaner costs producers. One compacted changelog partition, updates of a steady key set written in
// batches of 1,000 with a flush after each (as a worker's commit does). Two runs in one process on fresh directories:
// the cleaner off (the baseline: the log grows), and the cleaner passing every 10 ms next to the producer (it compacts
// whenever a sealed segment is there). Reported: updates/s, batch latencies (produce + flush), and the bytes on disk
// at the end.
var updates = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3_000_000;
var keys = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
const int Batch = 1000;

var off = Run("off (baseline)", Timeout.InfiniteTimeSpan);
var on = Run("every 10 ms", TimeSpan.FromMilliseconds(10));
Console.WriteLine();
Console.WriteLine($"{updates:N0} updates over {keys:N0} keys, batches of {Batch:N0} flushed, 1 MiB segments, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
Console.WriteLine($"{"cleaner",-16} {"updates/s",12} {"median batch",13} {"p99 batch",10} {"longest",9} {"bytes on disk",15}");
foreach (var r in new[] { off, on })
{
    Console.WriteLine($"{r.Name,-16} {r.Rate,12:N0} {Percentile(r.Batches, 0.5),10:F3} ms {Percentile(r.Batches, 0.99),7:F2} ms {r.Batches.Max(),6:F1} ms {r.DiskBytes,15:N0}");
}

Console.WriteLine($"throughput ratio on/off: {on.Rate / off.Rate:F2}; median batch ratio: {Percentile(on.Batches, 0.5) / Percentile(off.Batches, 0.5):F2}");

Result Run(string name, TimeSpan interval)
{
    var directory = Path.Combine(Path.GetTempPath(), "faustish-log-cleaner-" + Guid.NewGuid().ToString("N"));
    try
    {
        var options = new EmbeddedTransportOptions { SegmentSizeBits = 20, CleanupInterval = interval };
        var transport = EmbeddedTransport.Open(directory, options);
        var partition = new TopicPartition("app-table-changelog", 0);
        transport.EnsureTopicsAsync([new TopicSpec(partition.Topic, 1, Compacted: true)], CancellationToken.None).AsTask().GetAwaiter().GetResult();
        var batches = new List<double>(updates / Batch);
        var key = new byte[8];
        var value = new byte[8];
        using (var producer = transport.CreateProducer())
        {
            var total = Stopwatch.StartNew();
            for (var i = 0; i < updates; i += Batch)
            {
                var started = Stopwatch.GetTimestamp();
                for (var j = i; j < i + Batch; j++)
                {
                    BinaryPrimitives.WriteInt64BigEndian(key, j % keys);
                    BinaryPrimitives.WriteInt64BigEndian(value, j);
                    producer.Produce(partition, key, false, value, false, 1);
                }

                producer.Flush(CancellationToken.None);
                batches.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            total.Stop();
            transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
            var disk = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            return new Result(name, updates / total.Elapsed.TotalSeconds, batches, disk);
        }
    }
    finally
    {
        Directory.Delete(directory, recursive: true);
    }
}

static double Percentile(List<double> values, double quantile)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];
}

internal sealed record Result(string Name, double Rate, List<double> Batches, long DiskBytes);
