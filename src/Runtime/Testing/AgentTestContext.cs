using System;
using System.Buffers;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Routing;
using Faustish.Tables;
using Faustish.Tables.Windows;
using Faustish.Topics;
using Faustish.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Faustish.Testing;

/// <summary>
/// One agent under test, as Faust's <c>agent.test_context()</c>: events put here run through the agent's generated
/// consumer loop — the code a worker runs — with the agent's real tables (in memory unless asked), its sends kept for
/// <see cref="Sent{TTopic}"/>, and a fake clock. No broker, no worker thread, no sleeps. Get one from the generated
/// <c>TestContext()</c> of an <c>[Agent]</c> class: <c>await using var test = CountViews.TestContext();</c>.
/// </summary>
/// <remarks>
/// <para>Every event goes to one partition (<see cref="AgentTestOptions.Partition"/>), so one agent instance and one set
/// of tables see them all, in order, and stream time is the largest event time so far (the timestamp put, or the time taken
/// from the value when the topic declares <c>[Topic(Timestamp = ...)]</c>). After each event the context
/// does what a worker does after a batch: it moves the tables' time forward (closing windows) and commits (the tables'
/// write caches are written back). Sends are routed to partitions as in production.</para>
/// <para>Windows close on stream time — an event with a later timestamp closes the windows before it — and, for tables
/// that close on the wall clock, when <see cref="Clock"/> passes their close time: <c>test.Clock.Advance(...)</c> runs
/// their close callbacks before it returns.</para>
/// <para>Not thread-safe: use it from one test at a time, as a worker uses an agent partition from one thread.</para>
/// </remarks>
/// <typeparam name="TKey">The key type of the agent's topic.</typeparam>
/// <typeparam name="TValue">The value type of the agent's topic.</typeparam>
public sealed class AgentTestContext<TKey, TValue> : IAsyncDisposable, IAgentPartitionHost
{
    private const string AppId = "test";

    private readonly AgentDefinition _agent;
    private readonly TopicDefinition<TKey, TValue> _topic;
    private readonly IReadOnlyList<TestTopic> _sends;
    private readonly TestProducer _producer = new();
    private readonly RecordSender _sender;
    private readonly ServiceProvider _services;
    private readonly Dictionary<TableDefinition, ITableShard> _shards = [];
    private readonly AgentPartitionContext _context;
    private readonly AgentPartition _partition;
    private readonly RecordBatch _batch = new(initialRecords: 1, initialBytes: 1024);
    private readonly ArrayBufferWriter<byte> _key = new(256);
    private readonly ArrayBufferWriter<byte> _value = new(1024);
    private readonly ITimer _timer;
    private readonly string? _temporaryDirectory;
    private readonly Lock _gate = new();
    private readonly PostedWork _posted = new();
    private TaskCompletionSource? _waiting; // set while the agent waits in an event: completes when it has ended
    private bool _runningPosted;
    private bool _redeliver; // the event put was not taken yet: put it again when the agent waits for it
    private long _nextOffset;
    private bool _disposed;

    /// <summary>Builds the agent for one partition, with its tables and a fake clock. Generated <c>TestContext()</c> methods call this.</summary>
    /// <param name="agent">The agent's definition.</param>
    /// <param name="sends">The topic classes the agent's constructor takes, so <see cref="Sent{TTopic}"/> can decode their records.</param>
    /// <param name="configure">Sets up services and stores; may be null.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public AgentTestContext(AgentDefinition agent, IReadOnlyList<TestTopic> sends, Action<AgentTestOptions>? configure)
    {
        _agent = agent ?? throw new ArgumentNullException(nameof(agent));
        _sends = sends ?? throw new ArgumentNullException(nameof(sends));
        _topic = agent.Topic as TopicDefinition<TKey, TValue> ?? throw new ArgumentException(
            $"Agent {agent.TypeName} consumes '{agent.Topic.Name}', whose records are {agent.Topic.KeyType.Name}/{agent.Topic.ValueType.Name}, not {typeof(TKey).Name}/{typeof(TValue).Name}.",
            nameof(agent));

        var options = new AgentTestOptions();
        configure?.Invoke(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Partition, "AgentTestOptions.Partition");
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(options.Partition, _topic.Partitions, "AgentTestOptions.Partition");

        Clock = new FakeTimeProvider();
        options.Services.TryAddSingleton(Clock);
        options.Services.TryAddSingleton<TimeProvider>(Clock);
        _services = options.Services.BuildServiceProvider();
        _sender = new RecordSender(_producer, Clock, new KeylessPartitioner(start: 0));
        try
        {
            var directory = options.DataDirectory;
            if (options.Store == StoreKind.Faster && directory.Length == 0)
            {
                directory = _temporaryDirectory = Path.Combine(Path.GetTempPath(), "faustish-test-" + Guid.NewGuid().ToString("N"));
            }

            foreach (var table in agent.Tables)
            {
                table.Validate();
                var store = new StoreOptions(Path.Combine(directory, "state", table.Name, options.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture)), StoreMemoryBytes);
                var shard = table.OpenShard(options.Partition, options.Store, store);
                _shards.Add(table, shard);
                shard.CompleteRestore(); // an empty changelog, restored
            }

            _context = new AgentPartitionContext(agent, new TopicPartition(_topic.Name, options.Partition), _sender, _services, _shards, new FailureHandler())
            {
                Host = this,
                AppId = AppId,
            };
            _partition = CreatePartition(agent, _context);
        }
        catch
        {
            DisposeState();
            _services.Dispose();
            throw;
        }

        _timer = Clock.CreateTimer(static state => ((AgentTestContext<TKey, TValue>)state!).OnClock(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private const long MaxTimerDueMs = uint.MaxValue - 1;

    /// <summary>FASTER memory per table in a test: small, since tests hold little.</summary>
    private const long StoreMemoryBytes = 16L << 20;

    /// <summary>
    /// The agent's clock: stamps events put without a timestamp, and is the wall clock of windows and sends. Move it
    /// with <c>Advance</c> or <c>SetUtcNow</c>; it starts at 2000-01-01 00:00 UTC. Agents that take a
    /// <see cref="TimeProvider"/> get this one.
    /// </summary>
    public FakeTimeProvider Clock { get; }

    /// <summary>The services the agent was built with (those of <see cref="AgentTestOptions.Services"/>, and the clock).</summary>
    public IServiceProvider Services => _services;

    /// <summary>Events put so far (the next event's offset).</summary>
    public long Offset => _nextOffset;

    /// <summary>Processes one event stamped with <see cref="Clock"/>'s time; completes once its table writes and sends are done.</summary>
    /// <exception cref="AgentFailedException">The agent threw, or the event has no usable event time; the message names the agent and the event's topic, partition and offset.</exception>
    /// <exception cref="ArgumentException">The agent cannot take the event (a null key or value its method does not accept).</exception>
    public ValueTask PutAsync(TKey key, TValue value) => PutAsync(key, value, Clock.GetUtcNow());

    /// <summary>Processes one event with the given timestamp and headers; completes once its table writes and sends are done.</summary>
    /// <inheritdoc cref="PutAsync(TKey, TValue)" path="/exception"/>
    public ValueTask PutAsync(TKey key, TValue value, DateTimeOffset timestamp, IReadOnlyList<RecordHeader>? headers = null)
    {
        try
        {
            Put(key, value, timestamp.ToUnixTimeMilliseconds(), headers);
        }
        catch (Exception exception)
        {
            return ValueTask.FromException(exception);
        }

        // An agent that awaits in the event: done when its await has ended and the event with it.
        return _waiting is { } waiting ? new ValueTask(waiting.Task) : ValueTask.CompletedTask;
    }

    /// <summary>Whether the agent is in the middle of an event that awaits (the <see cref="PutAsync(TKey, TValue)"/> for it has not completed).</summary>
    public bool IsWaiting => _context.IsSuspended;

    /// <summary>
    /// What the agent sent to the topic class <typeparamref name="TTopic"/>, in order, decoded with its codecs (empty if
    /// the agent does not send to it).
    /// </summary>
    /// <exception cref="ArgumentException"><typeparamref name="TTopic"/> is not a <c>[Topic]</c> class.</exception>
    public IReadOnlyList<SentRecord> Sent<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TTopic>() where TTopic : class
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsTopicClass(typeof(TTopic)))
        {
            throw new ArgumentException($"{typeof(TTopic).FullName} is not a [Topic] class: Sent<T>() takes the topic classes agent {_agent.TypeName} sends to.", nameof(TTopic));
        }

        // The topics the agent's constructor takes; else one sent to from elsewhere (a window's close callback, through
        // the table's sender), found by its generated Definition.
        var topic = _sends.FirstOrDefault(t => t.Type == typeof(TTopic)) ?? TopicOf<TTopic>();
        if (topic is null)
        {
            return [];
        }

        lock (_gate)
        {
            return [.. _producer.Records.Where(r => r.Topic == topic.Definition.Name).Select(topic.Decode)];
        }
    }

    /// <summary>
    /// The agent's table of class <typeparamref name="TTable"/>: the instance the agent writes, to read by key
    /// (<c>table[key]</c>, <c>TryGetValue</c>, <c>Windows(key)</c>) or whole (<c>Entries()</c>). Writes before an event
    /// are seen by the agent, as state restored from the changelog would be.
    /// </summary>
    /// <exception cref="ArgumentException">The agent's constructor takes no table of class <typeparamref name="TTable"/>.</exception>
    public TTable Table<TTable>() where TTable : class
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var shard in _shards.Values)
        {
            if (shard.Table is TTable table)
            {
                return table;
            }
        }

        var tables = _agent.Tables.Count == 0 ? "it has none" : "its tables are " + string.Join(", ", _agent.Tables.Select(t => $"'{t.Name}'"));
        throw new ArgumentException($"Agent {_agent.TypeName} takes no table of class {typeof(TTable).FullName}; {tables}.", nameof(TTable));
    }

    private void Put(TKey key, TValue value, long timestampMs, IReadOnlyList<RecordHeader>? headers)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _key.ResetWrittenCount();
            _value.ResetWrittenCount();
            var keyIsNull = key is null;
            if (!keyIsNull)
            {
                _topic.KeyCodec.Write(_key, key!);
            }

            var valueIsNull = value is null;
            if (!valueIsNull)
            {
                _topic.ValueCodec.Write(_value, value!);
            }

            var encodedHeaders = new byte[RecordHeaderEncoding.SizeOf(headers)];
            RecordHeaderEncoding.Write(headers, encodedHeaders);
            var offset = _nextOffset++;
            _batch.Reset(_topic.Name, _context.Source.Partition);
            _batch.Add(offset, offset + 1, timestampMs, _key.WrittenSpan, keyIsNull, _value.WrittenSpan, valueIsNull, encodedHeaders);

            // As a worker runs a batch: the generated loop, then the tables' time moves on, then a commit.
            if (_context.IsSuspended)
            {
                throw new InvalidOperationException(
                    $"Agent {_agent.TypeName} is still waiting in the event put at offset {_context.Position}: await the PutAsync of that event before putting the next.");
            }

            _context.Batch = _batch;
            try
            {
                using var scope = _context.Synchronization!.Enter();
                _runningPosted = true;
                _partition.ProcessBatch(_batch);
                _posted.Run();
            }
            finally
            {
                _runningPosted = false;
                _context.Batch = null;
                _sender.EventTimestampMs = null;
                if (!_context.IsSuspended)
                {
                    _waiting = null; // its await ended before the put returned
                }
            }

            AdvanceAndCommit();
        }
    }

    void IAgentPartitionHost.Post(PartitionSynchronizationContext partition, SendOrPostCallback callback, object? state)
    {
        _posted.Enqueue(partition, callback, state);
        lock (_gate)
        {
            if (_runningPosted || _disposed)
            {
                return; // the event being put runs it before it returns
            }

            // An await of the agent's ended (on the test's thread or another): its continuation runs here, as a worker
            // would run it on its own thread, and the event's PutAsync completes once the event has ended.
            Exception? failure = null;
            _runningPosted = true;
            try
            {
                _posted.Run();
                if (_redeliver && !_context.IsSuspended)
                {
                    _redeliver = false;
                    _context.Batch = _batch;
                    using var scope = _context.Synchronization!.Enter();
                    _partition.ProcessBatch(_batch);
                    _posted.Run();
                }
            }
            catch (Exception exception)
            {
                failure = exception;
            }
            finally
            {
                _runningPosted = false;
                _sender.EventTimestampMs = null;
            }

            if (_waiting is { } waiting && (failure is not null || !_context.IsSuspended))
            {
                _waiting = null;
                AdvanceAndCommit();
                if (failure is null)
                {
                    waiting.TrySetResult();
                }
                else
                {
                    waiting.TrySetException(failure);
                }
            }
        }
    }

    void IAgentPartitionHost.Suspend(AgentPartitionContext partition, long resumeAt)
    {
        _waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // A stream agent busy before it took the event put (awaiting something before its loop): put it again once it waits.
        _redeliver = _batch.Count > 0 && resumeAt <= _batch[0].Offset;
    }

    void IAgentPartitionHost.Resume(AgentPartitionContext partition)
    {
        // Completed by Post once the continuation that ended the event has returned (so a failure reaches PutAsync).
    }

    /// <summary>The clock reached a window's close or expiry time (its timer, inside <c>Clock.Advance</c>).</summary>
    private void OnClock()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                AdvanceAndCommit();
            }
        }
    }

    /// <summary>
    /// Tells the tables how far stream time and the clock have come (windows close and expire), writes their caches back
    /// (their changelog records go to the test producer), and sets the clock's timer to the next wall-clock close.
    /// </summary>
    private void AdvanceAndCommit()
    {
        var now = Clock.GetUtcNow().ToUnixTimeMilliseconds();
        long? next = null;
        foreach (var (table, shard) in _shards)
        {
            shard.Advance(_context.StreamTimeMs, now);
            shard.FlushChangelog(_producer, new TopicPartition(table.ChangelogTopic(AppId), _context.Source.Partition));
            if (shard is IWallClockDeadline { NextDeadlineMs: { } deadline } && (next is null || deadline < next))
            {
                next = deadline;
            }
        }

        // A timer waits at most ~49 days: a later close wakes it that far, and it sets itself again from there.
        _timer?.Change(next is { } at ? TimeSpan.FromMilliseconds(Math.Clamp(at - now, 0, MaxTimerDueMs)) : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private static AgentPartition CreatePartition(AgentDefinition agent, AgentPartitionContext context)
    {
        try
        {
            return agent.CreatePartition(context);
        }
        catch (InvalidOperationException missing)
        {
            throw new InvalidOperationException(
                $"The test context could not build agent {agent.TypeName}: {missing.Message} Register the services its constructor takes, " +
                $"e.g. {agent.TypeName}.TestContext(test => test.Services.AddSingleton(...)).", missing);
        }
    }

    /// <summary>The topic class's generated <c>Definition</c>, for a topic the agent's constructor does not take.</summary>
    private static TestTopic? TopicOf<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TTopic>() =>
        typeof(TTopic).GetProperty("Definition", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is TopicDefinition definition
            ? TestTopic.Of(typeof(TTopic), definition)
            : null;

    private static bool IsTopicClass(Type type)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (current.IsGenericType && current.GetGenericTypeDefinition() == typeof(Topic<,>))
            {
                return true;
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _timer.Dispose();
        }

        DisposeState();
        await _services.DisposeAsync().ConfigureAwait(false);
    }

    private void DisposeState()
    {
        foreach (var shard in _shards.Values)
        {
            shard.Dispose();
        }

        _shards.Clear();
        if (_temporaryDirectory is not null && Directory.Exists(_temporaryDirectory))
        {
            Directory.Delete(_temporaryDirectory, recursive: true);
        }
    }

    /// <summary>
    /// An agent that throws, or an event without a usable event time, stops it with the event's coordinates, as a worker
    /// under <see cref="ErrorPolicy.Stop"/> does; an event the agent cannot take (a null it does not accept) is the test's
    /// mistake, reported as such.
    /// </summary>
    private sealed class FailureHandler : IRecordFailureHandler
    {
        public void OnDecodeFailed(AgentPartitionContext context, RecordBatch batch, in BatchRecord record, Exception exception) =>
            throw new ArgumentException(
                $"Agent {context.Agent.TypeName} cannot take the event put at {context.Source}@{record.Offset}: {exception.Message}", exception);

        public void OnTimestampFailed(AgentPartitionContext context, RecordBatch batch, in BatchRecord record, Exception exception) =>
            throw new AgentFailedException(
                $"The event put at {context.Source}@{record.Offset} for agent {context.Agent.TypeName} ('{context.Agent.Name}') has no usable event time: {exception.Message}",
                exception);

        public void OnProcessingFailed(AgentPartitionContext context, RecordBatch batch, in BatchRecord record, Exception exception) =>
            throw new AgentFailedException(
                $"Agent {context.Agent.TypeName} ('{context.Agent.Name}') threw on the event put at {context.Source}@{record.Offset}: {exception.GetType().Name}: {exception.Message}",
                exception);
    }
}
