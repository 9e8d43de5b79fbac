using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Cli;
using Faustish.Hosting;
using Faustish.Serialization;
using Faustish.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faustish;

/// <summary>
/// The entry point of a Faustish app: <c>return await FaustishApp.RunAsync(args);</c> runs every agent and table
/// of the assembly, with a command line: <c>worker</c> (the default), <c>send</c>, <c>agents</c>, <c>tables</c>,
/// <c>table</c>. Settings come from <c>appsettings.json</c>, environment variables (<c>Faustish__AppId</c>) and options.
/// </summary>
public static class FaustishApp
{
    /// <summary>Runs the command line; <paramref name="configure"/> adds services (agents' dependencies, <see cref="IWorkerLifecycle"/> hooks).</summary>
    public static Task<int> RunAsync(string[] args, Action<HostApplicationBuilder>? configure = null) =>
        RunAsync(args, AppModelRegistry.Current, configure);

    /// <summary>Runs the command line for an explicit model (tests, apps assembled by hand).</summary>
    public static async Task<int> RunAsync(string[] args, AppModel model, Action<HostApplicationBuilder>? configure = null,
        TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(model);
        var cli = new Cli(model, configure, output ?? Console.Out, error ?? Console.Error);
        var parsed = cli.Root.Parse(args);
        // SIGTERM and Ctrl+C are the host's to handle (ConsoleLifetime: the worker commits, leaves its groups and stops
        // within HostOptions.ShutdownTimeout). System.CommandLine's own handling would end the process with 143 two
        // seconds after the signal, in the middle of that (on Kafka, leaving the groups alone can take longer), and
        // with worker threads still inside librdkafka.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
        return await parsed.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Builds the host that <c>worker</c> runs: settings, logging, DI, the runtime and the worker service.</summary>
    public static IHost BuildHost(IReadOnlyDictionary<string, string?> settings, AppModel model, WorkerRunOptions run,
        Action<HostApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(model);
        // appsettings.json is read from the app's own folder, wherever it is started from.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        LoggingDefaults.Apply(builder);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(run);
        // The status page lists the app's latest warnings and errors.
        var problems = new RecentProblems();
        builder.Logging.AddProvider(RecentProblems.Provider(problems));
        builder.Services.AddSingleton(services => CreateRuntime(services.GetRequiredService<IConfiguration>(), model, services.GetRequiredService<ILoggerFactory>(), problems: problems));
        builder.Services.AddHostedService<Web.FaustishWebService>();
        builder.Services.AddHostedService<FaustishWorkerService>();
        configure?.Invoke(builder);
        return builder.Build();
    }

    internal static FaustishRuntime CreateRuntime(IConfiguration configuration, AppModel model, ILoggerFactory loggers,
        Func<FaustishOptions, ILoggerFactory, ITransport>? openTransport = null, RecentProblems? problems = null)
    {
        var options = new FaustishOptions();
        configuration.GetSection("Faustish").Bind(options);
        options.Validate(Assembly.GetEntryAssembly()?.GetName().Name ?? "faustish-app");
        return new FaustishRuntime(options, model, loggers, openTransport) { Problems = problems ?? new RecentProblems() };
    }

    private sealed class Cli
    {
        private readonly AppModel _model;
        private readonly Action<HostApplicationBuilder>? _configure;
        private readonly TextWriter _output;
        private readonly TextWriter _error;
        private readonly Option<string?> _app = new("--app") { Description = "App id (prefix of groups, changelogs, dead letters). Default: the assembly name.", Recursive = true };
        private readonly Option<string?> _dataDir = new("--data-dir") { Description = "Data directory of the embedded log and stores. Default: ./.faustish/<app>.", Recursive = true };
        private readonly Option<string?> _broker = new("--broker") { Description = "Where records live: kafka://host:9092[,host2:9092] for Kafka, embedded://path (or nothing) for the embedded log.", Recursive = true };
        private readonly Option<ErrorPolicy?> _errorPolicy = new("--error-policy") { Description = "When an agent throws: Stop (default) or DeadLetter.", Recursive = true };
        private readonly Option<Tables.StoreKind?> _store = new("--store") { Description = "Table stores: Faster (default) or Memory.", Recursive = true };
        private readonly Option<ProcessingGuarantee?> _guarantee = new("--guarantee") { Description = "AtLeastOnce (default: a crash may apply recent records twice) or ExactlyOnce (tables, sends and positions commit together).", Recursive = true };
        private readonly Option<int?> _webPort = new("--web-port") { Description = "Port of the worker's web server (status page, table views, /metrics). Default 6066, or a free port when taken; 0 picks a free port.", Recursive = true };
        private readonly Option<string?> _webBind = new("--web-bind") { Description = "Interface the web server listens on. Default 127.0.0.1 (this machine only); 0.0.0.0 for every interface.", Recursive = true };

        public Cli(AppModel model, Action<HostApplicationBuilder>? configure, TextWriter output, TextWriter error)
        {
            _model = model;
            _configure = configure;
            _output = output;
            _error = error;
            var exitWhenIdle = new Option<bool>("--exit-when-idle") { Description = "Stop once all input is processed." };
            var worker = new Command("worker", "Run every agent (the default command).") { exitWhenIdle };
            worker.SetAction((parsed, cancellation) => RunWorkerAsync(parsed, parsed.GetValue(exitWhenIdle), cancellation));

            var topicArgument = new Argument<string>("topic") { Description = "Topic to send to." };
            var key = new Option<string?>("--key") { Description = "The key, as text: strings as they are, numbers as digits, other types as JSON. Without it the record has no key and goes to the partition with the fewest records, so repeated sends spread over all partitions." };
            var value = new Option<string>("--value") { Description = "The value as JSON, whatever its type (a string in quotes: '\"the quick\"'), checked against the topic's value type: members that are not nullable and have no default must be there.", Required = true };
            var send = new Command("send", "Send one record to a topic (also while a worker runs on the same data directory).") { topicArgument, key, value };
            send.SetAction((parsed, cancellation) => SendAsync(parsed, parsed.GetValue(topicArgument)!, parsed.GetValue(key), parsed.GetValue(value)!, cancellation));

            var topic = new Command("topic", "Look at a topic's records.") { TopicReadCommand() };
            var deadLetters = new Command("dead-letters", "Records agents moved aside: list them, put them back once the cause is fixed.")
            {
                DeadLettersListCommand(),
                DeadLettersReplayCommand(),
            };

            var agents = new Command("agents", "List the agents.");
            agents.SetAction(parsed => ListAgents(parsed));
            var tables = new Command("tables", "List the tables.");
            tables.SetAction(parsed => ListTables(parsed));

            var tableName = new Argument<string>("name") { Description = "Table name." };
            var tableKey = new Argument<string?>("key") { Description = "A key; all entries when omitted.", Arity = ArgumentArity.ZeroOrOne };
            var committed = new Option<bool>("--committed") { Description = "Rebuild the table from its changelog (what is committed) even while a worker runs." };
            var table = new Command("table", "Show a table's contents: from the running worker's live state (its web server), or rebuilt from the changelog up to what is committed when no worker runs.") { tableName, tableKey, committed };
            table.SetAction((parsed, cancellation) => ShowTableAsync(parsed, parsed.GetValue(tableName)!, parsed.GetValue(tableKey), parsed.GetValue(committed), cancellation));

            Root = new RootCommand("A Faustish stream-processing app.") { worker, send, topic, deadLetters, agents, tables, table };
            Root.Options.Add(_app);
            Root.Options.Add(_dataDir);
            Root.Options.Add(_broker);
            Root.Options.Add(_errorPolicy);
            Root.Options.Add(_store);
            Root.Options.Add(_guarantee);
            Root.Options.Add(_webPort);
            Root.Options.Add(_webBind);
            Root.SetAction((parsed, cancellation) => RunWorkerAsync(parsed, exitWhenIdle: false, cancellation));
        }

        public RootCommand Root { get; }

        private Dictionary<string, string?> Settings(ParseResult parsed)
        {
            var settings = new Dictionary<string, string?>();
            Add("Faustish:AppId", parsed.GetValue(_app));
            Add("Faustish:DataDirectory", parsed.GetValue(_dataDir));
            Add("Faustish:Broker", parsed.GetValue(_broker));
            Add("Faustish:ErrorPolicy", parsed.GetValue(_errorPolicy)?.ToString());
            Add("Faustish:Store", parsed.GetValue(_store)?.ToString());
            Add("Faustish:Guarantee", parsed.GetValue(_guarantee)?.ToString());
            Add("Faustish:Web:Port", parsed.GetValue(_webPort)?.ToString(CultureInfo.InvariantCulture));
            Add("Faustish:Web:Bind", parsed.GetValue(_webBind));
            return settings;

            void Add(string name, string? value)
            {
                if (value is not null)
                {
                    settings[name] = value;
                }
            }
        }

        private async Task<int> RunWorkerAsync(ParseResult parsed, bool exitWhenIdle, CancellationToken cancellation)
        {
            Environment.ExitCode = 0;
            // RunAsync disposes the host, and with it the runtime (a container-owned singleton) and its transport.
            using var host = BuildHost(Settings(parsed), _model, new WorkerRunOptions(exitWhenIdle), _configure);
            await host.RunAsync(cancellation).ConfigureAwait(false);
            return Environment.ExitCode;
        }

        private async Task<int> WithRuntimeAsync(ParseResult parsed, Func<FaustishRuntime, Task<int>> action)
        {
            var configuration = new ConfigurationBuilder()
                .SetBasePath(AppContext.BaseDirectory)
                .AddJsonFile("appsettings.json", optional: true)
                .AddEnvironmentVariables()
                .AddInMemoryCollection(Settings(parsed))
                .Build();
            using var loggers = LoggerFactory.Create(logging => logging.AddConsole().SetMinimumLevel(LogLevel.Warning));
            try
            {
                // Tools share an embedded data directory with a worker that holds it (Transports.OpenForTools).
                await using var runtime = CreateRuntime(configuration, _model, loggers, Transports.OpenForTools);
                return await action(runtime).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is InvalidOperationException or RecordDecodeException or IOException or DeliveryFailedException or TimeoutException)
            {
                await _error.WriteLineAsync($"error: {exception.Message}").ConfigureAwait(false);
                return 2;
            }
        }

        private Task<int> SendAsync(ParseResult parsed, string topicName, string? key, string value, CancellationToken cancellation) =>
            WithRuntimeAsync(parsed, async runtime =>
            {
                var topic = runtime.Topology.FindTopic(topicName) ?? throw new InvalidOperationException(
                    $"There is no topic '{topicName}' in this app. Topics: {string.Join(", ", runtime.Topology.RequiredTopics().Select(t => t.Name))}.");
                var keyBytes = key is null ? null : topic.EncodeKeyText(key);
                var valueBytes = topic.EncodeValueText(value);
                if (ValueMembersCheck.IsSupported)
                {
                    CheckValueMembers(topic.ValueType, value);
                }
                else
                {
                    await _error.WriteLineAsync("note: this app is trimmed, so send checks the value with the decoder only (members left out get their defaults).").ConfigureAwait(false);
                }

                await runtime.EnsureTopicsAsync(cancellation).ConfigureAwait(false);
                var partition = keyBytes is null ? LeastFilledPartition(runtime.Transport, topic) : Routing.KafkaPartitioner.Partition(keyBytes, topic.Partitions);
                using var producer = runtime.Transport.CreateProducer();
                producer.Produce(new TopicPartition(topic.Name, partition), keyBytes, keyBytes is null, valueBytes, valueIsNull: false,
                    DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                producer.Flush(cancellation);
                await _output.WriteLineAsync($"sent to {topic.Name}[{partition}]").ConfigureAwait(false);
                return 0;
            });

        [UnconditionalSuppressMessage("Trimming", "IL2026",
            Justification = "Called only when ValueMembersCheck.IsSupported: System.Text.Json's reflection switch, which the SDK turns off in trimmed and AOT apps.")]
        private static void CheckValueMembers(Type type, string json) => ValueMembersCheck.Check(type, json);

        /// <summary>
        /// Where a record without a key goes: the partition holding the fewest records (the lowest number among equals), so
        /// that records sent one command at a time still spread over every partition, as Faust spreads records without keys.
        /// </summary>
        private static int LeastFilledPartition(ITransport transport, Topics.TopicDefinition topic)
        {
            var best = 0;
            var fewest = long.MaxValue;
            for (var partition = 0; partition < topic.Partitions; partition++)
            {
                var marks = transport.GetWatermarks(new TopicPartition(topic.Name, partition));
                if (marks.High - marks.Low < fewest)
                {
                    fewest = marks.High - marks.Low;
                    best = partition;
                }
            }

            return best;
        }

        private Command TopicReadCommand()
        {
            var name = new Argument<string>("name") { Description = "The topic: one the app declares (decoded with its codecs), or any other (shown as raw bytes)." };
            var fromOffset = new Option<long?>("--from-offset") { Description = "Start at this offset in each partition read (default: the first record stored)." };
            var fromEnd = new Option<bool>("--from-end") { Description = "Start after the last record: with --follow, show only records written from now on." };
            var follow = new Option<bool>("--follow", "-f") { Description = "Keep waiting for new records until Ctrl+C, instead of stopping at the end." };
            var partition = new Option<int?>("--partition", "-p") { Description = "Read only this partition (default: all, one after the other)." };
            var limit = new Option<long?>("--limit", "-n") { Description = "Stop after this many records." };
            var raw = new Option<RawBytes>("--bytes") { Description = "How bytes that do not decode are shown: Hex (default, prefixed hex:) or Base64 (prefixed base64:).", DefaultValueFactory = _ => RawBytes.Hex };
            var read = new Command("read", "Print a topic's records, one line each: partition, offset, time, key, value.") { name, fromOffset, fromEnd, follow, partition, limit, raw };
            read.Validators.Add(result =>
            {
                if (result.GetValue(fromOffset) is not null && result.GetValue(fromEnd))
                {
                    result.AddError("Give --from-offset or --from-end, not both.");
                }
            });
            read.SetAction((parsed, cancellation) => WithRuntimeAsync(parsed, runtime =>
            {
                var topicName = parsed.GetValue(name)!;
                var request = new TopicReadRequest(parsed.GetValue(partition), parsed.GetValue(fromOffset), parsed.GetValue(fromEnd),
                    parsed.GetValue(follow), parsed.GetValue(limit), parsed.GetValue(raw));
                // Reading blocks (fetches wait for records): off the caller's thread, so that a host embedding the CLI keeps it.
                return Task.Run(() =>
                {
                    using var stop = request.Follow ? new StopOnSignal(cancellation) : null;
                    return TopicPrinter.Run(runtime.Transport, topicName, runtime.Topology.FindTopic(topicName), request, _output, stop?.Token ?? cancellation);
                }, CancellationToken.None);
            }));
            return read;
        }

        private Command DeadLettersListCommand()
        {
            var fromOffset = new Option<long?>("--from-offset") { Description = "Start at this offset of the dead-letter topic." };
            var limit = new Option<long?>("--limit", "-n") { Description = "Stop after this many dead letters." };
            var raw = new Option<RawBytes>("--bytes") { Description = "How keys and values that do not decode are shown: Hex (default) or Base64.", DefaultValueFactory = _ => RawBytes.Hex };
            var list = new Command("list", "Print each dead letter: its offset, the topic, partition and offset it came from, agent, stage, reason, key and value.") { fromOffset, limit, raw };
            list.SetAction((parsed, cancellation) => WithRuntimeAsync(parsed, runtime =>
                Task.FromResult(new DeadLetterCommands(runtime, _output).List(parsed.GetValue(fromOffset), parsed.GetValue(limit), parsed.GetValue(raw), cancellation))));
            return list;
        }

        private Command DeadLettersReplayCommand()
        {
            var toOffset = new Option<long?>("--to-offset") { Description = "Replay dead letters up to this offset (inclusive) only." };
            var dryRun = new Option<bool>("--dry-run") { Description = "Only print what would be replayed." };
            var replay = new Command("replay",
                "Put the dead letters not replayed yet back on the partitions they came from (original key, value, timestamp and headers), and remember how far replay got, so that none goes back twice.")
            { toOffset, dryRun };
            replay.SetAction((parsed, cancellation) => WithRuntimeAsync(parsed, runtime =>
                new DeadLetterCommands(runtime, _output).ReplayAsync(parsed.GetValue(toOffset), parsed.GetValue(dryRun), cancellation)));
            return replay;
        }

        private int ListAgents(ParseResult parsed)
        {
            var appId = Settings(parsed).GetValueOrDefault("Faustish:AppId") ?? "<app>";
            foreach (var agent in _model.Agents.OrderBy(a => a.Name, StringComparer.Ordinal))
            {
                _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{agent.Name}  ({agent.TypeName})  topic={agent.Topic.Name} partitions={agent.Topic.Partitions} concurrency={agent.Concurrency} group={agent.GroupId(appId)} tables=[{string.Join(", ", agent.Tables.Select(t => t.Name))}]"));
            }

            return 0;
        }

        /// <summary>Prints what the running worker answered, in the same form as a table rebuilt from its changelog.</summary>
        private async Task<int> ShowLiveAsync(LiveTableReader.Answer live, string name, string? key)
        {
            if (live.Error is { } error)
            {
                await _error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
                return 2;
            }

            if (live.Missing)
            {
                await _error.WriteLineAsync($"'{key}' is not in table '{name}'.").ConfigureAwait(false);
                return 1;
            }

            foreach (var (entryKey, entryValue) in live.Entries!)
            {
                await _output.WriteLineAsync(key is null ? $"{entryKey}\t{entryValue}" : entryValue).ConfigureAwait(false);
            }

            if (live.Truncated)
            {
                await _error.WriteLineAsync($"note: the first {live.Entries.Count} entries only; use --committed to read the whole table from its changelog.").ConfigureAwait(false);
            }

            return 0;
        }

        private int ListTables(ParseResult parsed)
        {
            var appId = Settings(parsed).GetValueOrDefault("Faustish:AppId") ?? "<app>";
            var topology = new AppTopology(_model, appId);
            foreach (var table in topology.Tables.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                var owner = _model.Agents.FirstOrDefault(a => a.Tables.Contains(table));
                _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{table.Name}  key={table.KeyType.Name} value={table.ValueType.Name} partitions={topology.PartitionsOf(table)} agent={owner?.Name ?? "-"} changelog={table.ChangelogTopic(appId)}"));
            }

            return 0;
        }

        private Task<int> ShowTableAsync(ParseResult parsed, string name, string? key, bool committed, CancellationToken cancellation) =>
            WithRuntimeAsync(parsed, async runtime =>
            {
                var table = runtime.Topology.FindTable(name) ?? throw new InvalidOperationException(
                    $"There is no table '{name}' in this app. Tables: {string.Join(", ", runtime.Topology.Tables.Select(t => t.Name))}.");
                if (!committed && await LiveTableReader.ReadAsync(runtime.Options.DataDirectory, runtime.ProcessId, table, key, cancellation).ConfigureAwait(false) is { } live)
                {
                    return await ShowLiveAsync(live, name, key).ConfigureAwait(false);
                }

                var shards = runtime.ReadTable(table, cancellation);
                try
                {
                    if (key is null)
                    {
                        foreach (var (entryKey, entryValue) in shards.SelectMany(s => s.FormatAll()).OrderBy(e => e.Key, StringComparer.Ordinal))
                        {
                            await _output.WriteLineAsync($"{entryKey}\t{entryValue}").ConfigureAwait(false);
                        }

                        return 0;
                    }

                    var keyBytes = table.EncodeKeyText(key);
                    var partition = Routing.KafkaPartitioner.Partition(keyBytes, Math.Max(shards.Count, 1));
                    if (partition < shards.Count && shards[partition].TryFormat(keyBytes, out var json))
                    {
                        await _output.WriteLineAsync(json).ConfigureAwait(false);
                        return 0;
                    }

                    await _error.WriteLineAsync($"'{key}' is not in table '{name}'.").ConfigureAwait(false);
                    return 1;
                }
                finally
                {
                    foreach (var shard in shards)
                    {
                        shard.Dispose();
                    }
                }
            });
    }
}
