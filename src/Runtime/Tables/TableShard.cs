using System;
using System.Buffers;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;
using Faustish.Transport;

namespace Faustish.Tables;

/// <summary>The untyped face of a table partition, for the runtime's bookkeeping.</summary>
public interface ITableShard : IDisposable
{
    TableDefinition Definition { get; }

    int Partition { get; }

    /// <summary>The user's table instance bound to this partition.</summary>
    object Table { get; }

    /// <summary>Keys written since the last flush.</summary>
    int PendingWrites { get; }

    /// <summary>
    /// Applies one batch of changelog records (a restore's or a follower's). Returns how many were applied.
    /// Re-applying records the store already holds is harmless (each record is the latest value of its key).
    /// </summary>
    long Apply(RecordBatch batch);

    /// <summary>
    /// Records of a table's <see cref="TableDefinition.Source"/> topic that did not decode and were left out (their keys
    /// keep their previous values), since the shard opened. A changelog the runtime wrote always decodes; a source topic
    /// is written by others.
    /// </summary>
    long UndecodableRecords => 0;

    /// <summary>The last record counted in <see cref="UndecodableRecords"/>: its coordinates and why it did not decode.</summary>
    string? LastUndecodable => null;

    /// <summary>
    /// Makes every read and write of this shard fail with <paramref name="reason"/>: a table handed to a part of an
    /// agent that must not use it (a stage before its <c>GroupBy</c>). Shards that cannot refuse ignore it.
    /// </summary>
    void Detach(string reason)
    {
    }

    /// <summary>
    /// A restore has applied the changelog up to its end: rebuild what depends on the whole state (a windowed
    /// table's window index). Plain tables have nothing to do.
    /// </summary>
    void CompleteRestore()
    {
    }

    /// <summary>
    /// Applies changelog records from <paramref name="reader"/> until it has nothing more right now, without waiting
    /// (a follower catching up). Returns how many were applied. A restore reads to the changelog's end offset
    /// instead: see <see cref="ChangelogRestore"/>.
    /// </summary>
    long CatchUp(IPartitionReader reader, RecordBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(batch);
        long applied = 0;
        while (reader.Fetch(batch, 4096, TimeSpan.Zero, cancellationToken))
        {
            applied += Apply(batch);
        }

        return applied;
    }

    /// <summary>
    /// Applies everything <paramref name="reader"/> returns without waiting, then completes the restore. Only for
    /// readers whose records are all at hand (tests, benchmarks); a restore from a transport reads up to the
    /// changelog's end offset with <see cref="ChangelogRestore"/>.
    /// </summary>
    long Restore(IPartitionReader reader, CancellationToken cancellationToken)
    {
        var applied = CatchUp(reader, new RecordBatch(), cancellationToken);
        CompleteRestore();
        return applied;
    }

    /// <summary>
    /// Makes <see cref="FlushChangelog"/> send each key to the changelog partition of its key among
    /// <paramref name="partitions"/> (Kafka's partitioner), for shards that hold every partition (global tables).
    /// </summary>
    void RouteChangelogByKey(int partitions) =>
        throw new NotSupportedException($"Table '{Definition.Name}' cannot be global: its shards hold one partition each.");

    /// <summary>The store's local checkpoints, or null when its store keeps none (it is then always restored by a full replay).</summary>
    ICheckpointableStore? LocalCheckpoints => null;

    /// <summary>Sends the latest value of every key written since the last flush to the changelog (a tombstone for deleted keys).</summary>
    void FlushChangelog(IRecordProducer producer, TopicPartition changelog);

    /// <summary>
    /// Flushes the changelog as <see cref="FlushChangelog"/> does when more than <paramref name="maxPendingKeys"/> keys
    /// were written since the last flush (the write cache is full), so the next commit's flush stays small. Tables
    /// without a bounded write cache keep everything for the commit.
    /// </summary>
    void FlushChangelogIfFull(IRecordProducer producer, TopicPartition changelog, int maxPendingKeys)
    {
    }

    /// <summary>Reads a value by its encoded key and renders it as JSON text, for people.</summary>
    bool TryFormat(ReadOnlySpan<byte> key, out string json);

    /// <summary>Every entry rendered for people: (key, value as JSON).</summary>
    IEnumerable<(string Key, string Value)> FormatAll();

    /// <summary>
    /// Time moved on: the partition's stream time (the largest event timestamp processed, Unix ms; -1 before the
    /// first event) and the wall clock. Called after every batch and every idle poll, before commits; windowed
    /// tables expire and close windows here. Plain tables ignore it.
    /// </summary>
    void Advance(long streamTimeMs, long wallClockMs);
}

/// <summary>
/// One partition of a table: its store, plus the write cache (<see cref="WriteCache{TKey, TValue}"/>) that makes the
/// changelog carry only the latest value of each key per commit (Kafka Streams' record cache), so a hot counter costs
/// one changelog record and one store write per commit interval, not one per increment.
/// </summary>
public sealed class TableShard<TKey, TValue> : ITableShard where TKey : notnull
{
    private readonly IStateStore<TKey, TValue> _store;
    private readonly WriteCache<TKey, TValue> _cache;
    private readonly ArrayBufferWriter<byte> _key = new(256);
    private readonly ArrayBufferWriter<byte> _value = new(1024);
    private readonly Table<TKey, TValue> _table;
    private readonly bool _fedByTopic;
    private int _routePartitions;
    private TKey[] _evicting = []; // keys of an early flush, reused

    public TableShard(TableDefinition<TKey, TValue> definition, int partition, IStateStore<TKey, TValue> store)
    {
        Definition = definition ?? throw new ArgumentNullException(nameof(definition));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _cache = new WriteCache<TKey, TValue>(store);
        Partition = partition;
        _fedByTopic = definition.Source is not null;
        _table = definition.CreateTable(this);
    }

    public TableDefinition<TKey, TValue> Definition { get; }

    TableDefinition ITableShard.Definition => Definition;

    public int Partition { get; }

    public object Table => _table;

    public int PendingWrites => _cache.Count;

    public ICheckpointableStore? LocalCheckpoints => _store as ICheckpointableStore;

    public bool TryGet(TKey key, out TValue value)
    {
        ThrowIfDetached();
        return _cache.TryGet(key, out value);
    }

    private string? _detached;

    public void Detach(string reason) => _detached = reason ?? throw new ArgumentNullException(nameof(reason));

    private void ThrowIfDetached()
    {
        if (_detached is not null)
        {
            throw new InvalidOperationException(_detached);
        }
    }

    public long UndecodableRecords { get; private set; }

    public string? LastUndecodable { get; private set; }

    public void Put(TKey key, TValue value)
    {
        ThrowIfFedByTopic();
        _cache.Put(key, value);
    }

    public bool Delete(TKey key)
    {
        ThrowIfFedByTopic();
        return _cache.Delete(key);
    }

    /// <summary>Adds to a numeric value (missing is zero) and returns the sum.</summary>
    public TValue Add(TKey key, TValue by)
    {
        ThrowIfFedByTopic();
        if (_cache.TryAdd(key, by, out var sum))
        {
            return sum;
        }

        _cache.TryGet(key, out var current);
        sum = Numeric.Sum(current, by);
        _cache.Put(key, sum);
        return sum;
    }

    public IEnumerable<KeyValuePair<TKey, TValue>> Scan()
    {
        ThrowIfDetached();
        return _cache.Scan();
    }

    public void RouteChangelogByKey(int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        _routePartitions = partitions;
    }

    public long Apply(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_fedByTopic)
        {
            return ApplySourceRecords(batch);
        }

        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var record = ref batch[i];
            var key = Definition.KeyCodec.Read(batch.KeyOf(in record));
            if (_cache.Count > 0 && _cache.Contains(key))
            {
                // A global table's own write not yet flushed is newer than what the changelog brings now.
                continue;
            }

            if (record.ValueIsNull)
            {
                _store.Delete(key);
            }
            else
            {
                _store.Put(key, Definition.ValueCodec.Read(batch.ValueOf(in record)));
            }
        }

        return batch.Count;
    }

    /// <summary>
    /// Applies records of the topic that feeds the table: a record whose key or value does not decode is left out and
    /// counted (<see cref="UndecodableRecords"/>, logged by the runtime), as a worker cannot repair another's topic and
    /// must not stop reading it.
    /// </summary>
    private long ApplySourceRecords(RecordBatch batch)
    {
        long applied = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var record = ref batch[i];
            if (record.KeyIsNull)
            {
                Undecodable(batch, in record, "it has no key");
                continue;
            }

            TKey key;
            TValue value = default!;
            try
            {
                key = Definition.KeyCodec.Read(batch.KeyOf(in record));
                if (!record.ValueIsNull)
                {
                    value = Definition.ValueCodec.Read(batch.ValueOf(in record));
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Undecodable(batch, in record, e.Message);
                continue;
            }

            if (record.ValueIsNull)
            {
                _store.Delete(key);
            }
            else
            {
                _store.Put(key, value);
            }

            applied++;
        }

        return applied;
    }

    private void Undecodable(RecordBatch batch, in BatchRecord record, string reason)
    {
        UndecodableRecords++;
        LastUndecodable = $"{batch.Topic}[{batch.Partition}] offset {record.Offset}: {reason}";
    }

    private void ThrowIfFedByTopic()
    {
        ThrowIfDetached();
        if (_fedByTopic)
        {
            throw new InvalidOperationException(
                $"Table '{Definition.Name}' is fed by topic '{Definition.Source!.Name}' and is read-only: send the change to that topic instead, and the table follows it.");
        }
    }

    // Fully optimized at the first call, as WriteCache.WriteBack: no recompilation of its loop on the worker mid-run.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FlushChangelog(IRecordProducer producer, TopicPartition changelog)
    {
        ArgumentNullException.ThrowIfNull(producer);
        if (_cache.Count == 0)
        {
            return;
        }

        foreach (var key in _cache.Keys)
        {
            Send(producer, changelog, key);
        }

        // The store catches up with the changelog only now: a checkpoint after this commit holds what it sent.
        _cache.WriteBack();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FlushChangelogIfFull(IRecordProducer producer, TopicPartition changelog, int maxPendingKeys)
    {
        ArgumentNullException.ThrowIfNull(producer);
        var excess = _cache.Count - maxPendingKeys;
        if (excess <= 0)
        {
            return;
        }

        // Only the keys over the limit go (about as many as the batch wrote), so the early flushes spread over the
        // batches instead of stopping one of them for the whole cache. They reach the changelog and the store ahead of
        // the commit, inside its transaction under exactly-once; positions move only at the commit, so a crash before
        // it processes their records again (at-least-once) or aborts them with the transaction, as any write since the
        // last commit.
        if (_evicting.Length < excess)
        {
            _evicting = new TKey[Math.Max(excess, _evicting.Length * 2)];
        }

        var count = 0;
        foreach (var key in _cache.Keys)
        {
            Send(producer, changelog, key);
            _evicting[count++] = key;
            if (count == excess)
            {
                break;
            }
        }

        _cache.WriteBack(_evicting.AsSpan(0, count));
        Array.Clear(_evicting, 0, count);
    }

    /// <summary>Sends the latest value of <paramref name="key"/> (a tombstone if it was deleted) to the changelog.</summary>
    private void Send(IRecordProducer producer, TopicPartition changelog, TKey key)
    {
        _key.ResetWrittenCount();
        _value.ResetWrittenCount();
        Definition.KeyCodec.Write(_key, key);
        var exists = _cache.TryGet(key, out var value);
        if (exists)
        {
            Definition.ValueCodec.Write(_value, value);
        }

        var destination = _routePartitions > 0
            ? new TopicPartition(changelog.Topic, Routing.KafkaPartitioner.Partition(_key.WrittenSpan, _routePartitions))
            : changelog;
        producer.Produce(destination, _key.WrittenSpan, keyIsNull: false, _value.WrittenSpan, valueIsNull: !exists, timestampMs: 0);
    }

    public bool TryFormat(ReadOnlySpan<byte> key, out string json)
    {
        if (_cache.TryGet(Definition.KeyCodec.Read(key), out var value))
        {
            json = FormatValue(value);
            return true;
        }

        json = "";
        return false;
    }

    public IEnumerable<(string Key, string Value)> FormatAll()
    {
        foreach (var (key, value) in _cache.Scan())
        {
            _key.ResetWrittenCount();
            Definition.KeyCodec.Write(_key, key);
            yield return (Topics.CodecText.Format(Definition.KeyCodec, _key.WrittenSpan), FormatValue(value));
        }
    }

    public void Advance(long streamTimeMs, long wallClockMs)
    {
    }

    public void Dispose() => _cache.Dispose();

    private string FormatValue(TValue value)
    {
        _value.ResetWrittenCount();
        Definition.ValueCodec.Write(_value, value);
        return Topics.CodecText.Format(Definition.ValueCodec, _value.WrittenSpan);
    }
}
