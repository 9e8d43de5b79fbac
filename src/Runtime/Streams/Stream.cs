using System;
using System.Collections.Generic;
using System.Threading;
using Faustish.Streams;
using Faustish.Topics;
using Faustish.Transport;

namespace Faustish;

/// <summary>
/// The events of one partition of an agent's topic, as a Faust stream: a stream agent takes it as the parameter of its
/// method (<c>public async Task ProcessAsync(Stream&lt;string, Withdrawal&gt; stream)</c>) and reads it with
/// <c>await foreach</c> — its values, or <see cref="Items"/>, <see cref="Events"/>, <see cref="Enumerate"/>, batches
/// with <see cref="Take"/> — after any operators (<see cref="Where"/>, <see cref="Select{TResult}"/>,
/// <see cref="GroupBy{TNewKey}"/>). An event's offset is committed only once the agent has finished with it: when it
/// asks for the next one (or the next batch). Each stream is read once.
/// </summary>
/// <typeparam name="TKey">The events' key type.</typeparam>
/// <typeparam name="TValue">The events' value type.</typeparam>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "Faust's name for it; generic, so it never clashes with System.IO.Stream.")]
public sealed class Stream<TKey, TValue> : IAsyncEnumerable<TValue>
{
    private readonly StreamRun _run;
    private readonly bool _live;
    private IStreamSink<TKey, TValue>? _sink;
    private string? _readBy;

    /// <param name="live">Records of this run arrive on this stream (false: it belongs to another stage of the agent).</param>
    internal Stream(StreamRun run, bool live)
    {
        _run = run;
        _live = live;
    }

    /// <summary>Feeds one event to what reads this stream.</summary>
    internal void Push(TKey key, TValue value, RecordBatch batch, in BatchRecord record) => _sink!.OnNext(key, value, batch, in record);

    /// <summary>Faust's <c>filter</c>: only the events whose value passes <paramref name="predicate"/>; the others are done at once.</summary>
    public Stream<TKey, TValue> Where(Func<TValue, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var next = new Stream<TKey, TValue>(_run, _live);
        Attach(new WhereSink<TKey, TValue>(predicate, next), "Where(...)");
        return next;
    }

    /// <summary>Each event's value mapped by <paramref name="selector"/> (the key stays).</summary>
    public Stream<TKey, TResult> Select<TResult>(Func<TValue, TResult> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var next = new Stream<TKey, TResult>(_run, _live);
        Attach(new SelectSink<TKey, TValue, TResult>(selector, next), "Select(...)");
        return next;
    }

    /// <summary>
    /// Faust's <c>group_by</c>: re-keys each event by <paramref name="keySelector"/> and sends it through the agent's
    /// repartition topic <c>{app}-{agent}-{name}-repartition</c> (as many partitions as the agent's topic), so the
    /// events that follow arrive on the partition that owns the new key, with that partition's tables. Tables the
    /// agent writes after it are partitioned by the new key. <paramref name="name"/> must be a constant, so the
    /// generator can declare the topic.
    /// </summary>
    public Stream<TNewKey, TValue> GroupBy<TNewKey>(Func<TValue, TNewKey> keySelector, string name)
    {
        ArgumentNullException.ThrowIfNull(keySelector);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var repartition = _run.Context.Agent.Repartition<TNewKey, TValue>(name);
        if (_live)
        {
            // Here the events are only re-keyed and forwarded: the agent's code after GroupBy runs where they arrive.
            Attach(new RepartitionSink<TKey, TValue, TNewKey>(_run, _run.Context.Agent.RepartitionTopic(repartition, _run.Context.AppId), keySelector), $"GroupBy(\"{name}\")");
            _run.Forwarding = true;
            return new Stream<TNewKey, TValue>(_run, live: false);
        }

        return _run.Stage == name && _run.Input.Stream is Stream<TNewKey, TValue> grouped ? grouped : new Stream<TNewKey, TValue>(_run, live: false);
    }

    /// <summary>Faust's <c>async for value in stream</c>.</summary>
    public IAsyncEnumerator<TValue> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        Read(new ValueReader<TKey, TValue>(_run), "await foreach").GetAsyncEnumerator(cancellationToken);

    /// <summary>Faust's <c>stream.items()</c>: key and value.</summary>
    public IAsyncEnumerable<(TKey Key, TValue Value)> Items() => Read(new ItemReader<TKey, TValue>(_run), "Items()");

    /// <summary>Faust's <c>stream.events()</c>: key, value, headers, timestamp, topic, partition and offset.</summary>
    public IAsyncEnumerable<StreamEvent<TKey, TValue>> Events() => Read(new EventReader<TKey, TValue>(_run), "Events()");

    /// <summary>Faust's <c>stream.enumerate()</c>: each value with its index in this stream, from 0.</summary>
    public IAsyncEnumerable<(long Index, TValue Value)> Enumerate() => Read(new IndexedReader<TKey, TValue>(_run), "Enumerate()");

    /// <summary>
    /// Faust's <c>stream.take(max, within)</c>: batches of up to <paramref name="max"/> values, and a partial batch once
    /// <paramref name="within"/> has passed since its first value. The list is reused for the next batch: copy what you
    /// keep. Its events are acknowledged when the agent asks for the next batch.
    /// </summary>
    public IAsyncEnumerable<IReadOnlyList<TValue>> Take(int max, TimeSpan within)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        if (within <= TimeSpan.Zero || within == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(within), within,
                $"Take needs a positive 'within' (was {within}): without it a partial batch would wait forever and hold back the commits of its events.");
        }

        return Read(new TakeReader<TKey, TValue>(_run, max, within), $"Take({max}, {within})");
    }

    private TReader Read<TReader>(TReader reader, string how) where TReader : class, IStreamSink<TKey, TValue>, IStreamReader
    {
        Attach(reader, how);
        if (_live)
        {
            _run.Reader = reader;
        }

        return reader;
    }

    private void Attach(IStreamSink<TKey, TValue> sink, string how)
    {
        if (_sink is not null)
        {
            throw new InvalidOperationException(
                $"Agent {_run.Agent} reads the same stream twice: with {_readBy} and with {how}. Each stream is read once; chain the operators instead (stream.Where(...).Take(...)).");
        }

        _sink = sink;
        _readBy = how;
    }
}

/// <summary><see cref="Stream{TKey, TValue}.Where"/>: events that fail the predicate are done at once.</summary>
internal sealed class WhereSink<TKey, TValue>(Func<TValue, bool> predicate, Stream<TKey, TValue> next) : IStreamSink<TKey, TValue>
{
    public void OnNext(TKey key, TValue value, RecordBatch batch, in BatchRecord record)
    {
        if (predicate(value))
        {
            next.Push(key, value, batch, in record);
        }
    }
}

/// <summary><see cref="Stream{TKey, TValue}.Select{TResult}"/>.</summary>
internal sealed class SelectSink<TKey, TValue, TResult>(Func<TValue, TResult> selector, Stream<TKey, TResult> next) : IStreamSink<TKey, TValue>
{
    public void OnNext(TKey key, TValue value, RecordBatch batch, in BatchRecord record) => next.Push(key, selector(value), batch, in record);
}

/// <summary><see cref="Stream{TKey, TValue}.GroupBy{TNewKey}"/> where the events arrive: re-key and send to the repartition topic.</summary>
internal sealed class RepartitionSink<TKey, TValue, TNewKey>(StreamRun run, TopicDefinition<TNewKey, TValue> topic, Func<TValue, TNewKey> keySelector) : IStreamSink<TKey, TValue>
{
    public void OnNext(TKey key, TValue value, RecordBatch batch, in BatchRecord record) =>
        run.Context.Sender.Send(topic, keySelector(value), value);
}

/// <summary>Decodes records of a run's topic with its codecs, takes their event time, and pushes them down its live stream.</summary>
internal sealed class StreamInput<TKey, TValue>(StreamRun run, TopicDefinition<TKey, TValue> topic) : IStreamInput
{
    private readonly Stream<TKey, TValue> _stream = new(run, live: true);

    public object Stream => _stream;

    public bool Push(RecordBatch batch, in BatchRecord record)
    {
        TKey key;
        TValue value;
        try
        {
            key = record.KeyIsNull ? default! : topic.KeyCodec.Read(batch.KeyOf(in record));
            value = record.ValueIsNull
                ? throw new Serialization.RecordDecodeException($"The record has no value (a tombstone); agent {run.Agent} reads values of '{topic.Name}'.")
                : topic.ValueCodec.Read(batch.ValueOf(in record));
        }
        catch (Serialization.RecordDecodeException exception)
        {
            run.Context.StreamDecodeFailed(batch, in record, exception);
            run.Pushed(in record);
            return false;
        }

        if (!topic.TryGetEventTime(key, value, record.TimestampMs, out var timestampMs, out var unusable))
        {
            run.Context.StreamTimestampFailed(batch, in record, unusable); // throws under ErrorPolicy.Stop
            run.Pushed(in record);
            return false;
        }

        run.Context.Begin(in record, timestampMs);
        if (run.Replies)
        {
            run.NoteReplyAddress(batch, in record);
        }

        run.Pushed(in record);
        _stream.Push(key, value, batch, in record);
        return true;
    }
}
