using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Faustish.Tables;

/// <summary>
/// The caching layer of a table partition's store stack (Kafka Streams' order: caching, change-logging, bytes): it
/// remembers every key written since the last <see cref="WriteBack"/>, which is what the next changelog flush sends.
/// For values without references (counters, plain structs) it also holds their latest values, so a hot key's
/// <c>counts[k] += 1</c> is a dictionary update and reaches the store once per commit instead of once per event.
/// Values with references are written through to the store at once: the cache never hands out an object the store
/// would share, so changing a value read from the table still does not change the table.
/// </summary>
/// <remarks>
/// Its size is bounded by the keys written in one commit interval, like the set of keys the changelog flush sends.
/// Not thread-safe: the partition's owner thread only.
/// </remarks>
internal sealed class WriteCache<TKey, TValue> : IStateStore<TKey, TValue> where TKey : notnull
{
    private static readonly bool HoldsValues = !RuntimeHelpers.IsReferenceOrContainsReferences<TValue>();

    private readonly IStateStore<TKey, TValue> _store;
    private readonly Dictionary<TKey, Pending> _pending = [];

    /// <param name="store">The store behind the cache (FASTER, or a dictionary in tests).</param>
    public WriteCache(IStateStore<TKey, TValue> store) => _store = store ?? throw new ArgumentNullException(nameof(store));

    /// <summary>The store behind the cache: restores write here directly (what they write is already in the changelog).</summary>
    public IStateStore<TKey, TValue> Store => _store;

    /// <summary>Keys written since the last <see cref="WriteBack"/>.</summary>
    public int Count => _pending.Count;

    /// <summary>The keys written since the last <see cref="WriteBack"/>, in no particular order.</summary>
    public Dictionary<TKey, Pending>.KeyCollection Keys => _pending.Keys;

    /// <summary>Whether <paramref name="key"/> was written since the last <see cref="WriteBack"/>.</summary>
    public bool Contains(TKey key) => _pending.ContainsKey(key);

    public bool TryGet(TKey key, out TValue value)
    {
        if (HoldsValues && _pending.TryGetValue(key, out var pending))
        {
            value = pending.Value;
            return !pending.Deleted;
        }

        return _store.TryGet(key, out value);
    }

    public void Put(TKey key, TValue value)
    {
        if (HoldsValues)
        {
            _pending[key] = new Pending(value, Deleted: false);
            return;
        }

        _store.Put(key, value);
        _pending[key] = default;
    }

    public bool Delete(TKey key)
    {
        if (HoldsValues)
        {
            var existed = TryGet(key, out _);
            _pending[key] = new Pending(default!, Deleted: true);
            return existed;
        }

        _pending[key] = default;
        return _store.Delete(key);
    }

    /// <summary>Adds to a numeric value (missing counts as zero) with one dictionary lookup when the key is hot.</summary>
    public bool TryAdd(TKey key, TValue delta, out TValue sum)
    {
        if (!HoldsValues || !Numeric.IsNumeric<TValue>())
        {
            sum = default!;
            return false;
        }

        ref var pending = ref CollectionsMarshal.GetValueRefOrAddDefault(_pending, key, out var cached);
        var current = cached
            ? pending.Deleted ? default! : pending.Value
            : _store.TryGet(key, out var stored) ? stored : default!;
        sum = Numeric.Sum(current, delta);
        pending = new Pending(sum, Deleted: false);
        return true;
    }

    /// <summary>Every live entry: held values first, then the store's entries for keys the cache does not hold.</summary>
    public IEnumerable<KeyValuePair<TKey, TValue>> Scan()
    {
        if (!HoldsValues || _pending.Count == 0)
        {
            foreach (var entry in _store.Scan())
            {
                yield return entry;
            }

            yield break;
        }

        foreach (var (key, pending) in _pending)
        {
            if (!pending.Deleted)
            {
                yield return new KeyValuePair<TKey, TValue>(key, pending.Value);
            }
        }

        foreach (var entry in _store.Scan())
        {
            if (!_pending.ContainsKey(entry.Key))
            {
                yield return entry;
            }
        }
    }

    /// <summary>Writes the held values to the store (after the changelog flush that sent them) and forgets every key.</summary>
    // Compiled fully optimized at its first call: a loop over every held key, called once per commit, would otherwise
    // be recompiled on the worker thread itself (an on-stack replacement, 17-21 ms measured) commits later, mid-run.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteBack()
    {
        if (HoldsValues)
        {
            foreach (var (key, pending) in _pending)
            {
                if (pending.Deleted)
                {
                    _store.Delete(key);
                }
                else
                {
                    _store.Put(key, pending.Value);
                }
            }
        }

        _pending.Clear();
    }

    /// <summary>
    /// Writes the held values of <paramref name="keys"/> to the store (after the changelog flush that sent them) and
    /// forgets those keys only: an early flush of part of a full cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteBack(ReadOnlySpan<TKey> keys)
    {
        foreach (var key in keys)
        {
            if (_pending.Remove(key, out var pending) && HoldsValues)
            {
                if (pending.Deleted)
                {
                    _store.Delete(key);
                }
                else
                {
                    _store.Put(key, pending.Value);
                }
            }
        }
    }

    /// <summary>Forgets every key without writing (the store is being disposed).</summary>
    public void Dispose()
    {
        _pending.Clear();
        _store.Dispose();
    }

    /// <summary>A written key: its latest value (values without references only), or that it was deleted.</summary>
    public readonly record struct Pending(TValue Value, bool Deleted);
}
