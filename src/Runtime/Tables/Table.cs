using System;
using System.Collections.Generic;
using Faustish.Tables;

namespace Faustish;

/// <summary>
/// Base of every <c>[Table]</c> class: keyed state for one partition, handed to the agent that owns that
/// partition. A missing key reads as <c>default</c> (Faust's <c>Table(default=int)</c>), so
/// <c>counts[page] += 1</c> works from the first event. Every write reaches the changelog at the next commit.
/// </summary>
/// <remarks>
/// Values are copied in and out of the store: changing a mutable value you read does not change the table
/// until you assign it back (<c>table[key] = value</c>).
/// </remarks>
public abstract class Table<TKey, TValue> where TKey : notnull
{
    private readonly TableShard<TKey, TValue>? _shard;

    protected Table(TableShard<TKey, TValue> shard)
    {
        _shard = shard ?? throw new ArgumentNullException(nameof(shard));
        Name = shard.Definition.Name;
        Partition = shard.Partition;
    }

    /// <summary>For <see cref="WindowedTable{TKey, TValue}"/>, whose state is kept per window.</summary>
    private protected Table(string name, int partition)
    {
        Name = name;
        Partition = partition;
    }

    /// <summary>The partition-local state behind this table instance.</summary>
    protected internal TableShard<TKey, TValue> Shard => _shard ?? throw new NotSupportedException(
        $"Table '{Name}' is windowed: use its own members (table[key] += v, Increment, Windows(key)), not those of a plain table.");

    /// <summary>The table's name.</summary>
    public string Name { get; }

    /// <summary>The partition this instance holds.</summary>
    public int Partition { get; }

    /// <summary>Reads a value (<c>default</c> when missing) or writes one.</summary>
    public TValue this[TKey key]
    {
        get => Shard.TryGet(key, out var value) ? value : default!;
        set => Shard.Put(key, value);
    }

    public bool TryGetValue(TKey key, out TValue value) => Shard.TryGet(key, out value);

    public bool ContainsKey(TKey key) => Shard.TryGet(key, out _);

    /// <summary>Removes a key; the changelog gets a tombstone.</summary>
    public bool Remove(TKey key) => Shard.Delete(key);

    /// <summary>This partition's entries (allocates; not for per-event use).</summary>
    public IEnumerable<KeyValuePair<TKey, TValue>> Entries() => Shard.Scan();
}

/// <summary>Arithmetic on numeric tables in one store operation.</summary>
public static class TableExtensions
{
    /// <summary>Adds <paramref name="by"/> to the key's count (missing counts as zero) and returns the new count.</summary>
    public static long Increment<TKey>(this Table<TKey, long> table, TKey key, long by = 1) where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.Shard.Add(key, by);
    }

    /// <inheritdoc cref="Increment{TKey}(Table{TKey, long}, TKey, long)"/>
    public static int Increment<TKey>(this Table<TKey, int> table, TKey key, int by = 1) where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.Shard.Add(key, by);
    }

    /// <inheritdoc cref="Increment{TKey}(Table{TKey, long}, TKey, long)"/>
    public static double Increment<TKey>(this Table<TKey, double> table, TKey key, double by = 1) where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.Shard.Add(key, by);
    }
}
