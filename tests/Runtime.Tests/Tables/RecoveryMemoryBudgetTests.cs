using System;
using System.Collections.Generic;
using System.IO;
using Faustish.Serialization;
using Faustish.Tables;
using Faustish.Tables.Faster;

namespace Faustish.Tests.Tables;

/// <summary>
/// One memory budget for all FASTER stores of a process: N stores holding together far more than the budget keep
/// their in-memory bytes at or below it (the rest lives on disk), the shares follow stores opening and closing, and
/// every key reads back right (from disk).
/// </summary>
public sealed class RecoveryMemoryBudgetTests : IDisposable
{
    private const long Budget = 1L << 20;
    private const int KeysPerStore = 40_000;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-budget-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Eight_stores_holding_eight_times_the_budget_stay_within_it_and_read_back_every_key()
    {
        var budget = new StoreMemoryBudget(Budget);
        var blittable = new List<FasterBlittableStore<long, long>>();
        var encoded = new List<FasterEncodedStore<string, long>>();
        long peak = 0;
        try
        {
            // Four stores first: each may use a quarter of the budget.
            for (var i = 0; i < 3; i++)
            {
                blittable.Add(new FasterBlittableStore<long, long>(Options(budget, $"b{i}")));
            }

            encoded.Add(new FasterEncodedStore<string, long>(Options(budget, "e0"), PrimitiveCodecs.Utf8String, PrimitiveCodecs.Int64BigEndian));
            Assert.Equal(Budget / 4, budget.ShareBytes);
            Fill(blittable, encoded, budget, ref peak);

            // Four more: the shares halve, and the first four give memory back as the new ones open.
            for (var i = 3; i < 6; i++)
            {
                blittable.Add(new FasterBlittableStore<long, long>(Options(budget, $"b{i}")));
                peak = Math.Max(peak, budget.InMemoryBytes);
            }

            encoded.Add(new FasterEncodedStore<string, long>(Options(budget, "e1"), PrimitiveCodecs.Utf8String, PrimitiveCodecs.Int64BigEndian));
            Assert.Equal(8, budget.Stores);
            Assert.Equal(Budget / 8, budget.ShareBytes);
            Assert.True(budget.InMemoryBytes <= Budget, $"{budget.InMemoryBytes} bytes in memory after the shares halved");
            Fill(blittable, encoded, budget, ref peak);

            // About 24 bytes a record: 8 stores x 40,000 keys hold several times the budget.
            Assert.True(8L * KeysPerStore * 24 > 5 * Budget);
            Assert.True(peak <= Budget, $"peak {peak:N0} bytes in memory, budget {Budget:N0}");
            Assert.True(peak > Budget / 2, $"peak {peak:N0}: the stores hardly used their budget");

            for (var s = 0; s < blittable.Count; s++)
            {
                for (long key = 0; key < KeysPerStore; key++)
                {
                    Assert.True(blittable[s].TryGet(key, out var value), $"store b{s} lost key {key}");
                    Assert.Equal(Value(s, key), value);
                }
            }

            for (var s = 0; s < encoded.Count; s++)
            {
                for (long key = 0; key < KeysPerStore; key++)
                {
                    Assert.True(encoded[s].TryGet($"key-{key}", out var value), $"store e{s} lost key-{key}");
                    Assert.Equal(Value(100 + s, key), value);
                }
            }

            Assert.True(budget.InMemoryBytes <= Budget, $"{budget.InMemoryBytes} bytes in memory after reading every key back");

            // Closing stores gives their share to the others.
            for (var i = 0; i < 4; i++)
            {
                blittable[^1].Dispose();
                blittable.RemoveAt(blittable.Count - 1);
            }

            Assert.Equal(4, budget.Stores);
            Assert.Equal(Budget / 4, budget.ShareBytes);
        }
        finally
        {
            foreach (var store in blittable)
            {
                store.Dispose();
            }

            foreach (var store in encoded)
            {
                store.Dispose();
            }
        }

        Assert.Equal(0, budget.Stores);
    }

    [Fact]
    public void A_store_without_a_shared_budget_keeps_its_own()
    {
        using var store = new FasterBlittableStore<long, long>(new StoreOptions(Path.Combine(_directory, "own"), 1 << 18));
        for (long key = 0; key < 100_000; key++)
        {
            store.Put(key, key);
            Assert.True(store.InMemoryBytes <= 1 << 18);
        }

        Assert.Equal(1 << 18, store.Budget.TotalBytes);
        Assert.True(store.TryGet(17, out var value));
        Assert.Equal(17, value);
    }

    private static long Value(int store, long key) => (store * 1_000_000L) + key;

    private StoreOptions Options(StoreMemoryBudget budget, string name) => new(Path.Combine(_directory, name), 0) { Budget = budget };

    /// <summary>Writes every key of every store, sampling the budget's in-memory bytes as it goes.</summary>
    private static void Fill(List<FasterBlittableStore<long, long>> blittable, List<FasterEncodedStore<string, long>> encoded, StoreMemoryBudget budget, ref long peak)
    {
        for (long key = 0; key < KeysPerStore; key++)
        {
            for (var s = 0; s < blittable.Count; s++)
            {
                blittable[s].Put(key, Value(s, key));
            }

            for (var s = 0; s < encoded.Count; s++)
            {
                encoded[s].Put($"key-{key}", Value(100 + s, key));
            }

            if (key % 500 == 0)
            {
                peak = Math.Max(peak, budget.InMemoryBytes);
            }
        }

        peak = Math.Max(peak, budget.InMemoryBytes);
    }
}
