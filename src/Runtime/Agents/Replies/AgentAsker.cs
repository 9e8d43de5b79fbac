using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Routing;
using Faustish.Topics;
using Faustish.Transport;

namespace Faustish.Agents;

/// <summary>
/// Sends events to agents from outside them, and asks agents that yield replies (Faust's <c>agent.send</c> and
/// <c>agent.ask</c>). An ask is an event on the agent's topic carrying a correlation id and this app's reply topic in
/// its headers; the agent's reply to it comes back on that topic, keyed by the id. Replies survive rebalances: an event
/// whose reply was not committed is processed again by the partition's next owner, and its reply comes then (a
/// duplicate reply is ignored). Thread-safe; get it from <see cref="Hosting.FaustishRuntime.Asker"/>.
/// </summary>
public sealed class AgentAsker : IAsyncDisposable
{
    private readonly ITransport _transport;
    private readonly string _repliesTopic;
    private readonly IRecordProducer _producer;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<byte[]>> _waiting = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly ArrayBufferWriter<byte> _key = new(256);
    private readonly ArrayBufferWriter<byte> _value = new(1024);
    private readonly Thread _replyReader;
    private readonly IPartitionReader _replies;
    private Task? _flushing;
    private bool _dirty;

    internal AgentAsker(ITransport transport, string repliesTopic)
    {
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _repliesTopic = repliesTopic;
        _producer = transport.CreateProducer();

        // Replies to asks made from now on; those of earlier asks belong to earlier askers.
        _replies = transport.OpenReader(new TopicPartition(repliesTopic, 0), Offsets.End);
        _replyReader = new Thread(ReadReplies) { IsBackground = true, Name = "faustish-replies" };
        _replyReader.Start();
    }

    /// <summary>Asks still waiting for their reply.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>
    /// Sends (<paramref name="key"/>, <paramref name="value"/>) to <paramref name="agent"/>'s topic and returns its first
    /// reply to that event. Fails with <see cref="TimeoutException"/> naming the agent when none comes within
    /// <paramref name="timeout"/>.
    /// </summary>
    public async Task<TReply> AskAsync<TKey, TValue, TReply>(AgentDefinition agent, TKey key, TValue value, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "An ask's timeout must be positive.");
        }

        var replies = agent.Replies as ReplyDefinition<TReply> ?? throw new ArgumentException(agent.Replies is null
            ? $"Agent {agent.TypeName} does not reply: make its method an async iterator over its stream (async IAsyncEnumerable<{typeof(TReply).Name}> ProcessAsync(Stream<...> stream)) that yields a reply per event."
            : $"Agent {agent.TypeName} replies with {agent.Replies.ReplyType.Name}, not {typeof(TReply).Name}.", nameof(agent));
        var correlation = Guid.NewGuid().ToString("N");
        var reply = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[correlation] = reply;
        try
        {
            Produce(agent, key, value, [RecordHeader.Utf8(ReplyHeaders.ReplyTo, _repliesTopic), RecordHeader.Utf8(ReplyHeaders.CorrelationId, correlation)]);
            await FlushAsync().ConfigureAwait(false);
            byte[] encoded;
            try
            {
                encoded = await reply.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException(
                    $"Agent {agent.TypeName} ('{agent.Name}') did not reply within {timeout} to the ask sent to '{agent.Topic.Name}' (correlation id {correlation}). " +
                    "Is a worker of the app running that agent, and does its method yield a reply for every event?");
            }

            return replies.Codec.Read(encoded);
        }
        finally
        {
            _waiting.TryRemove(correlation, out _);
        }
    }

    /// <summary>Sends (<paramref name="key"/>, <paramref name="value"/>) to <paramref name="agent"/>'s topic; completes once it is durable.</summary>
    public Task SendAsync<TKey, TValue>(AgentDefinition agent, TKey key, TValue value)
    {
        ArgumentNullException.ThrowIfNull(agent);
        Produce(agent, key, value, null);
        return FlushAsync();
    }

    private void Produce<TKey, TValue>(AgentDefinition agent, TKey key, TValue value, IReadOnlyList<RecordHeader>? headers)
    {
        var topic = agent.Declared.Topic as TopicDefinition<TKey, TValue> ?? throw new ArgumentException(
            $"Agent {agent.TypeName} reads '{agent.Declared.Topic.Name}', whose records are {agent.Declared.Topic.KeyType.Name}/{agent.Declared.Topic.ValueType.Name}, not {typeof(TKey).Name}/{typeof(TValue).Name}.",
            nameof(agent));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            _key.ResetWrittenCount();
            _value.ResetWrittenCount();
            if (key is not null)
            {
                topic.KeyCodec.Write(_key, key);
            }

            if (value is not null)
            {
                topic.ValueCodec.Write(_value, value);
            }

            var partition = key is null ? Random.Shared.Next(topic.Partitions) : KafkaPartitioner.Partition(_key.WrittenSpan, topic.Partitions);
            _producer.Produce(new TopicPartition(topic.Name, partition), _key.WrittenSpan, key is null, _value.WrittenSpan, value is null,
                DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), headers);
            _dirty = true;
        }
    }

    /// <summary>Makes what was produced durable: one flush for all the asks that came meanwhile.</summary>
    private Task FlushAsync()
    {
        lock (_gate)
        {
            return _flushing ??= Task.Run(FlushWhileDirty);
        }
    }

    private void FlushWhileDirty()
    {
        while (true)
        {
            lock (_gate)
            {
                if (!_dirty)
                {
                    _flushing = null;
                    return;
                }

                _dirty = false;
                try
                {
                    _producer.Flush(_stop.Token);
                }
                catch
                {
                    _flushing = null;
                    throw;
                }
            }
        }
    }

    private void ReadReplies()
    {
        var batch = new RecordBatch(initialRecords: 1024, initialBytes: 64 * 1024);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (!_replies.Fetch(batch, 1024, TimeSpan.FromMilliseconds(50), _stop.Token))
                {
                    continue;
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                ref readonly var record = ref batch[i];
                if (record.KeyIsNull)
                {
                    continue;
                }

                // Replies of other askers (other processes) share the topic: only this one's are waited for.
                var correlation = Encoding.UTF8.GetString(batch.KeyOf(in record));
                if (_waiting.TryGetValue(correlation, out var waiting))
                {
                    waiting.TrySetResult(batch.ValueOf(in record).ToArray());
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_flushing is { } flushing)
        {
            await flushing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _replyReader.Join(TimeSpan.FromSeconds(10));
        _replies.Dispose();
        _producer.Dispose();
        foreach (var waiting in _waiting.Values)
        {
            waiting.TrySetException(new ObjectDisposedException(nameof(AgentAsker), "The app stopped before the agent replied."));
        }

        _stop.Dispose();
    }
}
