using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Hosting;
using Faustish.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faustish.EndToEnd.Tests;

/// <summary>A Faustish app in a temporary data directory, with helpers to feed it and to drive its workers.</summary>
internal sealed class TestApp : IDisposable
{
    public static readonly AppModel ClicksModel = new([Clicks.Definition], [ClicksPerUser.Definition], [CountClicks.Definition]);
    public static readonly AppModel CommandsModel = new([AccountCommands.Definition], [Balances.Definition], [ApplyCommands.Definition]);

    private readonly bool _ownsDirectory;

    public TestApp(AppModel model, Action<FaustishOptions>? configure = null, string? directory = null, TimeProvider? clock = null)
    {
        _ownsDirectory = directory is null;
        Directory = directory ?? NewDirectory();
        Options = new FaustishOptions { AppId = "e2e", DataDirectory = Directory, CommitInterval = TimeSpan.FromHours(1) };
        configure?.Invoke(Options);
        Options.Validate("e2e");
        Model = model;
        Runtime = new FaustishRuntime(Options, model, NullLoggerFactory.Instance) { Clock = clock ?? TimeProvider.System };
        Runtime.EnsureTopicsAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    public string Directory { get; }

    public static string NewDirectory() => Path.Combine(Path.GetTempPath(), "faustish-e2e-" + Guid.NewGuid().ToString("N"));

    public FaustishOptions Options { get; }

    public AppModel Model { get; }

    public FaustishRuntime Runtime { get; }

    public static IServiceProvider Services { get; } = new ServiceCollection().BuildServiceProvider();

    /// <summary>Sends records through a fresh producer and flushes them.</summary>
    public void Send(Action<RecordSender> send)
    {
        var sender = Runtime.CreateSender();
        using var producer = sender.Producer;
        send(sender);
        producer.Flush(CancellationToken.None);
    }

    /// <summary>Runs the agent's single worker until it has processed <paramref name="records"/> records or 60 s pass.</summary>
    public AgentWorker RunUntil(long records, Action<AgentWorker>? beforeStop = null)
    {
        var worker = Runtime.CreateWorkers(Services).Single();
        worker.Start(CancellationToken.None);
        var deadline = Stopwatch.StartNew();
        try
        {
            while (worker.Processed < records && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                worker.RunOnce();
            }

            beforeStop?.Invoke(worker);
        }
        finally
        {
            worker.Stop();
            worker.Dispose();
        }

        return worker;
    }

    /// <summary>A table's whole contents, rebuilt from its changelog.</summary>
    public Dictionary<TKey, TValue> ReadTable<TKey, TValue>(TableDefinition<TKey, TValue> table) where TKey : notnull
    {
        var shards = Runtime.ReadTable(table, CancellationToken.None);
        try
        {
            return shards.Cast<TableShard<TKey, TValue>>().SelectMany(s => s.Scan()).ToDictionary(e => e.Key, e => e.Value);
        }
        finally
        {
            foreach (var shard in shards)
            {
                shard.Dispose();
            }
        }
    }

    public void Dispose()
    {
        Runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_ownsDirectory && System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
