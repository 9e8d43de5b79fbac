using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using Faustish.Transport;

namespace Faustish.Streams;

/// <summary>
/// The end of a stream an agent iterates with <c>await foreach</c>. It completes the agent's pending
/// <c>MoveNextAsync</c> by calling its continuation directly, on the partition's thread, inside the push of the record:
/// the agent's loop body runs there and then, with no task, queue or thread hop per event.
/// </summary>
internal abstract class StreamReader<T>(StreamRun run, string how) : IAsyncEnumerable<T>, IAsyncEnumerator<T>, IValueTaskSource<bool>, IStreamReader
{
    private Action<object?>? _continuation;
    private object? _continuationState;
    private short _version;
    private bool _enumerating;

    protected StreamRun Run { get; } = run;

    public bool IsWaiting { get; private set; }

    public T Current { get; private set; } = default!;

    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        if (_enumerating)
        {
            throw new InvalidOperationException(
                $"Agent {Run.Agent} iterates the result of {how} twice. An agent reads each stream once: keep one await foreach over it.");
        }

        _enumerating = true;
        return this;
    }

    public ValueTask<bool> MoveNextAsync()
    {
        // Asking for the next item acknowledges the last one.
        Run.Released();
        OnAsked();
        if (TryTakeReady(out var ready))
        {
            Current = ready;
            return new ValueTask<bool>(true);
        }

        IsWaiting = true;
        _version++;
        return new ValueTask<bool>(this, _version);
    }

    /// <summary>Hands <paramref name="item"/>, made of the records from offset <paramref name="from"/> on, to the waiting agent, and runs it until its next await.</summary>
    protected void Deliver(T item, long from)
    {
        Current = item;
        IsWaiting = false;
        Run.Delivered(from);
        var continuation = _continuation;
        var state = _continuationState;
        _continuation = null;
        _continuationState = null;
        continuation?.Invoke(state);
    }

    /// <summary>The agent asked for the next item (before it waits).</summary>
    protected virtual void OnAsked()
    {
    }

    /// <summary>An item ready without waiting (a batch whose time ran out while the agent was busy).</summary>
    protected virtual bool TryTakeReady(out T item)
    {
        item = default!;
        return false;
    }

    public ValueTaskSourceStatus GetStatus(short token) => IsWaiting ? ValueTaskSourceStatus.Pending : ValueTaskSourceStatus.Succeeded;

    public bool GetResult(short token) => true;

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        // Always on the partition's thread, whose synchronization context the continuation would be posted to: the
        // record push that completes this calls it directly instead.
        _continuation = continuation;
        _continuationState = state;
    }

    public virtual ValueTask DisposeAsync()
    {
        IsWaiting = false;
        return default;
    }
}

/// <summary><c>await foreach (var value in stream)</c>.</summary>
internal sealed class ValueReader<TKey, TValue>(StreamRun run) : StreamReader<TValue>(run, "the stream"), IStreamSink<TKey, TValue>
{
    public void OnNext(TKey key, TValue value, RecordBatch batch, in BatchRecord record) => Deliver(value, record.Offset);
}

/// <summary><c>stream.Items()</c>: key and value.</summary>
internal sealed class ItemReader<TKey, TValue>(StreamRun run) : StreamReader<(TKey Key, TValue Value)>(run, "Items()"), IStreamSink<TKey, TValue>
{
    public void OnNext(TKey key, TValue value, RecordBatch batch, in BatchRecord record) => Deliver((key, value), record.Offset);
}

/// <summary><c>stream.Enumerate()</c>: a running index from 0, and the value.</summary>
internal sealed class IndexedReader<TKey, TValue>(StreamRun run) : StreamReader<(long Index, TValue Value)>(run, "Enumerate()"), IStreamSink<TKey, TValue>
{
    private long _next;

    public void OnNext(TKey key, TValue value, RecordBatch batch, in BatchRecord record) => Deliver((_next++, value), record.Offset);
}

/// <summary><c>stream.Events()</c>: key, value, headers, timestamp and coordinates.</summary>
internal sealed class EventReader<TKey, TValue>(StreamRun run) : StreamReader<StreamEvent<TKey, TValue>>(run, "Events()"), IStreamSink<TKey, TValue>
{
    public void OnNext(TKey key, TValue value, RecordBatch batch, in BatchRecord record) =>
        Deliver(new StreamEvent<TKey, TValue>(key, value, batch.Topic, batch.Partition, record.Offset, Run.Context.Event.TimestampMs,
            record.HeadersLength == 0 ? [] : batch.HeadersOf(in record)), record.Offset);
}

/// <summary>
/// <c>stream.Take(max, within)</c>, as Faust's <c>stream.take</c>: batches of up to <c>max</c> values; a partial batch
/// once <c>within</c> has passed since its first value. The batch is one list, reused: it is valid until the agent asks
/// for the next one. Its records are acknowledged when it does.
/// </summary>
internal sealed class TakeReader<TKey, TValue> : StreamReader<IReadOnlyList<TValue>>, IStreamSink<TKey, TValue>
{
    private readonly List<TValue> _batch;
    private readonly int _max;
    private readonly TimeSpan _within;
    private ITimer? _timer;
    private DateTimeOffset _due;
    private bool _handedOut;

    public TakeReader(StreamRun run, int max, TimeSpan within)
        : base(run, $"Take({max}, {within})")
    {
        _max = max;
        _within = within;
        _batch = new List<TValue>(Math.Min(max, 4096));
    }

    public void OnNext(TKey key, TValue value, RecordBatch batch, in BatchRecord record)
    {
        ClearHandedOut();
        _batch.Add(value);
        Run.Held(record.Offset);
        if (_batch.Count == 1)
        {
            _due = Run.Clock.GetUtcNow() + _within;
            _timer ??= Run.Clock.CreateTimer(static state => ((TakeReader<TKey, TValue>)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(_within, Timeout.InfiniteTimeSpan);
        }

        if (_batch.Count >= _max)
        {
            HandOut();
        }
    }

    protected override void OnAsked() => ClearHandedOut();

    protected override bool TryTakeReady(out IReadOnlyList<TValue> item)
    {
        // The time ran out while the agent was busy with the previous batch: this one is ready now.
        if (_batch.Count > 0 && !_handedOut && Run.Clock.GetUtcNow() >= _due)
        {
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _handedOut = true;
            Run.Delivered(Run.ReleaseHeld());
            item = _batch;
            return true;
        }

        item = null!;
        return false;
    }

    private void HandOut()
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _handedOut = true;
        Deliver(_batch, Run.ReleaseHeld());
    }

    private void ClearHandedOut()
    {
        if (_handedOut)
        {
            _batch.Clear();
            _handedOut = false;
        }
    }

    /// <summary>On the timer's thread: hand the partial batch out on the partition's thread.</summary>
    private void OnTimer() => Run.Post(static state => ((TakeReader<TKey, TValue>)state!).OnWithin(), this);

    private void OnWithin()
    {
        if (_batch.Count > 0 && !_handedOut && IsWaiting && Run.Clock.GetUtcNow() >= _due)
        {
            HandOut();
        }
    }

    public override ValueTask DisposeAsync()
    {
        _timer?.Dispose();
        return base.DisposeAsync();
    }
}
