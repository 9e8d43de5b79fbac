using System;
using Faustish.Serialization;
using Faustish.Topics;

namespace Faustish.Tables;

/// <summary>How a table's stores are kept.</summary>
public enum StoreKind
{
    /// <summary>FASTER KV on local disk (the default).</summary>
    Faster,

    /// <summary>A dictionary in memory; state is rebuilt from the changelog at every start.</summary>
    Memory,
}

/// <summary>What the runtime knows about a table without knowing its types.</summary>
public abstract class TableDefinition
{
    protected TableDefinition(string name, int partitions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfNegative(partitions);
        Name = name;
        Partitions = partitions;
    }

    public string Name { get; }

    /// <summary>Declared partition count, or 0 for "as the source topic of the agent that writes it".</summary>
    public int Partitions { get; }

    /// <summary>A <see cref="GlobalTable{TKey, TValue}"/>: every worker holds all of it, and any agent may write it.</summary>
    public bool IsGlobal { get; init; }

    public abstract Type KeyType { get; }

    public abstract Type ValueType { get; }

    /// <summary>
    /// The topic that feeds the table (<see cref="TableAttribute.Source"/>), or null for a table its agent writes. A fed
    /// table's changelog is that topic.
    /// </summary>
    public TopicDefinition? Source { get; init; }

    /// <summary>
    /// The changelog topic of this table in app <paramref name="appId"/>: <c>{app}-{name}-changelog</c>, or the
    /// <see cref="Source"/> topic of a table fed by one.
    /// </summary>
    public string ChangelogTopic(string appId) => Source?.Name ?? $"{appId}-{Name}-changelog";

    /// <summary>
    /// How long the changelog must keep records, in milliseconds, or null to keep the latest value of every key
    /// forever (plain tables). Windowed tables drop expired windows, so their changelogs may drop old records too.
    /// </summary>
    public virtual long? ChangelogRetentionMs => null;

    /// <summary>Checks the table's settings at start; throws <see cref="InvalidOperationException"/> saying what to change.</summary>
    public virtual void Validate()
    {
    }

    /// <summary>Opens the store of one partition and wraps it in a shard.</summary>
    public abstract ITableShard OpenShard(int partition, StoreKind kind, StoreOptions options);

    /// <summary>Encodes a key typed by a person (CLI); see <see cref="CodecText"/>.</summary>
    public abstract byte[] EncodeKeyText(string text);
}

/// <summary>A table's name, codecs, and the factories the generator wires up for it.</summary>
public sealed class TableDefinition<TKey, TValue> : TableDefinition where TKey : notnull
{
    private readonly Func<StoreOptions, IStateStore<TKey, TValue>> _openFasterStore;
    private readonly Func<TableShard<TKey, TValue>, Table<TKey, TValue>> _createTable;

    /// <param name="name">Table name.</param>
    /// <param name="partitions">Declared partitions, or 0 to follow the source topic.</param>
    /// <param name="keyCodec">Codec for keys in the changelog.</param>
    /// <param name="valueCodec">Codec for values in the changelog.</param>
    /// <param name="openFasterStore">Opens the FASTER store suited to the key and value types.</param>
    /// <param name="createTable">Creates the user's table class around a shard.</param>
    public TableDefinition(string name, int partitions, IRecordCodec<TKey> keyCodec, IRecordCodec<TValue> valueCodec,
        Func<StoreOptions, IStateStore<TKey, TValue>> openFasterStore,
        Func<TableShard<TKey, TValue>, Table<TKey, TValue>> createTable)
        : base(name, partitions)
    {
        KeyCodec = keyCodec ?? throw new ArgumentNullException(nameof(keyCodec));
        ValueCodec = valueCodec ?? throw new ArgumentNullException(nameof(valueCodec));
        _openFasterStore = openFasterStore ?? throw new ArgumentNullException(nameof(openFasterStore));
        _createTable = createTable ?? throw new ArgumentNullException(nameof(createTable));
    }

    public IRecordCodec<TKey> KeyCodec { get; }

    public IRecordCodec<TValue> ValueCodec { get; }

    public override Type KeyType => typeof(TKey);

    public override Type ValueType => typeof(TValue);

    public override ITableShard OpenShard(int partition, StoreKind kind, StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IStateStore<TKey, TValue> store = kind == StoreKind.Memory ? new InMemoryStore<TKey, TValue>() : _openFasterStore(options);
        return new TableShard<TKey, TValue>(this, partition, store);
    }

    /// <summary>Creates the user's table class for a shard.</summary>
    public Table<TKey, TValue> CreateTable(TableShard<TKey, TValue> shard) => _createTable(shard);

    public override byte[] EncodeKeyText(string text) => CodecText.Encode(KeyCodec, text);
}
