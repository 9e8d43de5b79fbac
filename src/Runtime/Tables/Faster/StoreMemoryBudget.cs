using System;
using System.Collections.Generic;
using System.Numerics;
using System.Threading;

namespace Faustish.Tables.Faster;

/// <summary>
/// One memory budget for the in-memory part (the hybrid log's pages) of every FASTER store of a process, whatever
/// the number of tables and partitions: each open store gets an equal share, and the shares are re-divided whenever
/// a store opens or closes. Beyond its share a store keeps its records on disk and reads them back from there.
/// </summary>
/// <remarks>
/// <para>
/// FASTER fixes a store's buffer capacity at creation, so every store is created with a buffer as large as the whole
/// budget, and its share is applied at run time by leaving the rest of the buffer's pages empty
/// (<c>LogAccessor.SetEmptyPageCount</c>): FASTER allocates pages lazily and frees the ones it evicts. Because
/// flushing to disk is asynchronous, a store that writes faster than the disk also checks its allocated memory after
/// each write and, over its share, waits for the flush and evicts (the write path's back-pressure).
/// </para>
/// <para>
/// Not counted: each store's hash index (fixed at creation, 64 bytes a bucket, plus overflow buckets as keys grow),
/// and, for stores of keys or values with references, the heap objects that in-memory records point to.
/// </para>
/// </remarks>
public sealed class StoreMemoryBudget
{
    /// <summary>Below this many pages a share makes FASTER evict on nearly every write.</summary>
    internal const int ComfortablePagesPerStore = 8;

    private readonly Lock _sync = new();
    private readonly List<IBudgetedStore> _stores = [];

    /// <param name="totalBytes">The cap for all stores together (at least 64 KiB).</param>
    public StoreMemoryBudget(long totalBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalBytes, 1L << 16);
        TotalBytes = totalBytes;
        // Pages of about 1/256 of the budget (4 KiB to 1 MiB): small enough that dozens of stores each keep several.
        PageSizeBits = Math.Clamp(BitOperations.Log2((ulong)(totalBytes / 256)), 12, 20);
        // A buffer that can hold the whole budget, rounded up to a power of two (FASTER's requirement).
        MemorySizeBits = Math.Max(PageSizeBits + 2, BitOperations.Log2((ulong)totalBytes - 1) + 1);
    }

    /// <summary>The cap for all stores together, in bytes.</summary>
    public long TotalBytes { get; }

    /// <summary>Log2 of the page size every store uses.</summary>
    public int PageSizeBits { get; }

    /// <summary>Log2 of every store's buffer capacity (at least <see cref="TotalBytes"/>).</summary>
    public int MemorySizeBits { get; }

    public long PageSizeBytes => 1L << PageSizeBits;

    /// <summary>How many stores share the budget now.</summary>
    public int Stores
    {
        get
        {
            lock (_sync)
            {
                return _stores.Count;
            }
        }
    }

    /// <summary>The share of each store now, in bytes.</summary>
    public long ShareBytes
    {
        get
        {
            lock (_sync)
            {
                return Share(_stores.Count);
            }
        }
    }

    /// <summary>Memory the stores' logs hold now (allocated pages, including overflow pages), in bytes.</summary>
    public long InMemoryBytes
    {
        get
        {
            lock (_sync)
            {
                long sum = 0;
                foreach (var store in _stores)
                {
                    sum += store.InMemoryBytes;
                }

                return sum;
            }
        }
    }

    /// <summary>Memory of the stores' hash indexes and overflow buckets (not in the budget), in bytes.</summary>
    internal long IndexBytes
    {
        get
        {
            lock (_sync)
            {
                long sum = 0;
                foreach (var store in _stores)
                {
                    sum += store.IndexBytes;
                }

                return sum;
            }
        }
    }

    /// <summary>Whether each store's share still holds several pages (below that, stores evict on nearly every write).</summary>
    public bool ShareIsComfortable => ShareBytes >= ComfortablePagesPerStore * PageSizeBytes;

    internal void Register(IBudgetedStore store)
    {
        lock (_sync)
        {
            _stores.Add(store);
            Rebalance();
        }
    }

    internal void Unregister(IBudgetedStore store)
    {
        lock (_sync)
        {
            if (_stores.Remove(store))
            {
                Rebalance();
            }
        }
    }

    private long Share(int stores) => stores == 0 ? TotalBytes : TotalBytes / stores;

    private void Rebalance()
    {
        var share = Share(_stores.Count);
        foreach (var store in _stores)
        {
            store.SetShare(share);
        }
    }
}

/// <summary>A store that keeps its in-memory part within the share a <see cref="StoreMemoryBudget"/> gives it.</summary>
internal interface IBudgetedStore
{
    long InMemoryBytes { get; }

    /// <summary>Memory of the store's hash index and overflow buckets.</summary>
    long IndexBytes { get; }

    /// <summary>Applies a new share (may be called from another thread than the store's owner).</summary>
    void SetShare(long bytes);
}
