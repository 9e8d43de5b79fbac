using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Faustish.Agents;
using Faustish.Benchmarks.Joins;
using Faustish.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: dotnet run -c Release [orders] [rounds]. Each contender runs alone in a fresh app (its own group and state)
// over the same orders, alternating round by round; medians are quoted with the plain count of the same run as 1.0x.
var orders = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var directory = Path.Combine(Path.GetTempPath(), "faustish-bench-joins-" + Guid.NewGuid().ToString("N"));
var contenders = new (string Name, AgentDefinition Agent)[]
{
    ("plain count", CountOrders.Definition),
    ("stream-table join", CountGoldOrders.Definition),
    ("stream-stream join (5 s window)", CountPaidOrders.Definition),
};

try
{
    Seed(directory, orders);
    Console.WriteLine($"{orders:N0} orders, {orders:N0} payments (1 ms after each order, same customer), 10,000 customers; 1 partition, 1 worker thread, embedded log, FASTER tables; {rounds} rounds");
    Run(directory, contenders[0].Agent, orders, "warm-up");
    var results = contenders.ToDictionary(c => c.Name, _ => new List<(double EventsPerSecond, double BytesPerEvent)>());
    for (var round = 0; round < rounds; round++)
    {
        foreach (var (name, agent) in contenders)
        {
            var result = Run(directory, agent, orders, $"r{round}");
            results[name].Add(result);
            Console.WriteLine($"  round {round + 1}: {name,-32} {result.EventsPerSecond,12:N0} events/s {result.BytesPerEvent,8:F1} B/event");
        }
    }

    var baseline = Median(results[contenders[0].Name].Select(r => r.EventsPerSecond));
    Console.WriteLine();
    Console.WriteLine($"{"contender",-32} {"median events/s",16} {"min",12} {"max",12} {"ratio",7} {"B/event",9}");
    foreach (var (name, _) in contenders)
    {
        var rates = results[name].Select(r => r.EventsPerSecond).ToList();
        Console.WriteLine($"{name,-32} {Median(rates),16:N0} {rates.Min(),12:N0} {rates.Max(),12:N0} {Median(rates) / baseline,6:F2}x {Median(results[name].Select(r => r.BytesPerEvent)),9:F1}");
    }
}
finally
{
    if (Directory.Exists(directory))
    {
        Directory.Delete(directory, recursive: true);
    }
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static FaustishRuntime Open(string directory, string appId, AgentDefinition? agent) => new(
    new FaustishOptions { AppId = appId, DataDirectory = directory, CommitInterval = TimeSpan.FromSeconds(1) }.Validate(appId),
    new AppModel([BOrders.Definition, BPayments.Definition, BCustomers.Definition], agent is null ? [] : agent.Tables.Where(t => t.Source is not null || t.Name.StartsWith("bj-", StringComparison.Ordinal)).ToList(),
        agent is null ? [] : [agent]),
    NullLoggerFactory.Instance);

static void Seed(string directory, int orders)
{
    var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    using var owner = new Disposable(Open(directory, "seed", null));
    var runtime = owner.Value;
    runtime.EnsureTopicsAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    var sender = runtime.CreateSender();
    using var producer = sender.Producer;
    for (var c = 0; c < 10_000; c++)
    {
        sender.Send(BCustomers.Definition, $"c{c}", new BCustomer($"customer {c}", c % 10 == 0 ? "gold" : "standard"), start.AddSeconds(-1));
    }

    for (var i = 0; i < orders; i++)
    {
        sender.Send(BOrders.Definition, $"c{i % 10_000}", new BOrder($"o{i}", 10 + i % 90), start.AddMilliseconds(i));
    }

    for (var i = 0; i < orders; i++)
    {
        sender.Send(BPayments.Definition, $"c{i % 10_000}", new BPayment($"o{i}", 10 + i % 90), start.AddMilliseconds(i + 1));
    }

    producer.Flush(CancellationToken.None);
}

// One contender over every order: from the worker's start (stores opened, group joined) to the last order processed,
// commits on the way included; bytes are everything the process allocated meanwhile, per order.
static (double EventsPerSecond, double BytesPerEvent) Run(string directory, AgentDefinition agent, int orders, string round)
{
    using var owner = new Disposable(Open(directory, $"{agent.Name}-{round}", agent));
    var runtime = owner.Value;
    runtime.EnsureTopicsAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    var worker = runtime.CreateWorkers(new ServiceCollection().BuildServiceProvider()).Single();
    GC.Collect();
    var allocated = GC.GetTotalAllocatedBytes(precise: true);
    var clock = Stopwatch.StartNew();
    worker.Start(CancellationToken.None);
    while (worker.Processed < orders && clock.Elapsed < TimeSpan.FromMinutes(5))
    {
        worker.RunOnce();
    }

    var seconds = clock.Elapsed.TotalSeconds;
    var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
    var processed = worker.Processed;
    worker.Stop();
    worker.Dispose();
    if (processed < orders)
    {
        throw new InvalidOperationException($"{agent.Name} processed {processed:N0} of {orders:N0} orders within 5 minutes.");
    }

    return (processed / seconds, (double)bytes / processed);
}

internal sealed class Disposable(FaustishRuntime value) : IDisposable
{
    public FaustishRuntime Value { get; } = value;

    public void Dispose() => Value.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
