using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Faustish.Tables;

/// <summary>A store in a dictionary: for tests, and for tables small enough to rebuild from the changelog at each start.</summary>
internal sealed class InMemoryStore<TKey, TValue> : IStateStore<TKey, TValue> where TKey : notnull
{
    private readonly Dictionary<TKey, TValue> _entries = [];

    public bool TryGet(TKey key, out TValue value) => _entries.TryGetValue(key, out value!);

    public void Put(TKey key, TValue value) => _entries[key] = value;

    public bool Delete(TKey key) => _entries.Remove(key);

    public bool TryAdd(TKey key, TValue delta, out TValue sum)
    {
        if (!Numeric.IsNumeric<TValue>())
        {
            sum = default!;
            return false;
        }

        ref var value = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, key, out _);
        value = Numeric.Sum(value!, delta);
        sum = value;
        return true;
    }

    public IEnumerable<KeyValuePair<TKey, TValue>> Scan() => _entries;

    public void Dispose() => _entries.Clear();
}
