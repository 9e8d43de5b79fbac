using System;
using System.Collections.Generic;

namespace Faustish.Tables;

/// <summary>
/// The local state of one table partition. FASTER KV by default; an in-memory store can stand in (tests),
/// and so can any other (Tsavorite) behind this interface. Not thread-safe: one owner thread at a time.
/// </summary>
public interface IStateStore<TKey, TValue> : IDisposable where TKey : notnull
{
    bool TryGet(TKey key, out TValue value);

    void Put(TKey key, TValue value);

    /// <summary>Removes the key; returns whether it was there.</summary>
    bool Delete(TKey key);

    /// <summary>Every live entry, in no particular order (tools and HTTP views; not for hot paths).</summary>
    IEnumerable<KeyValuePair<TKey, TValue>> Scan();
}

/// <summary>Where and how a store keeps its data.</summary>
/// <param name="Directory">A folder owned by this store (created if missing).</param>
/// <param name="MemoryBytes">Memory budget for this store's in-memory part; beyond it FASTER spills to disk.</param>
public sealed record StoreOptions(string Directory, long MemoryBytes);
