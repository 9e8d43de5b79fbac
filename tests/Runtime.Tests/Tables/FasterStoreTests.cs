using System;
using System.IO;
using System.Linq;
using Faustish.Serialization;
using Faustish.Tables;
using Faustish.Tables.Faster;

namespace Faustish.Tests.Tables;

public sealed class FasterStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-store-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void A_blittable_store_puts_gets_deletes_and_scans()
    {
        using var store = new FasterBlittableStore<long, long>(new StoreOptions(Path.Combine(_directory, "a"), 1 << 20));
        for (long key = 0; key < 1_000; key++)
        {
            store.Put(key, key * 10);
        }

        Assert.True(store.TryGet(42, out var value));
        Assert.Equal(420, value);
        Assert.False(store.TryGet(5_000, out _));
        Assert.True(store.Delete(42));
        Assert.False(store.Delete(42));
        Assert.False(store.TryGet(42, out _));
        store.Put(7, 70_000);
        var entries = store.Scan().ToDictionary(e => e.Key, e => e.Value);
        Assert.Equal(999, entries.Count);
        Assert.Equal(70_000, entries[7]);
        Assert.DoesNotContain(42L, entries.Keys);
    }

    [Fact]
    public void An_encoded_store_keeps_string_keys_beyond_its_memory_budget_by_spilling_to_disk()
    {
        // 64 KiB of log memory for 50,000 string keys: most records live on disk and are read back from it.
        using var store = new FasterEncodedStore<string, long>(new StoreOptions(Path.Combine(_directory, "b"), 1 << 16),
            PrimitiveCodecs.Utf8String, PrimitiveCodecs.Int64BigEndian);
        for (var i = 0; i < 50_000; i++)
        {
            store.Put($"key-{i}", i);
        }

        for (var i = 0; i < 50_000; i += 997)
        {
            Assert.True(store.TryGet($"key-{i}", out var value), $"key-{i} is missing");
            Assert.Equal(i, value);
        }

        store.Put("key-3", -3);
        Assert.True(store.TryGet("key-3", out var updated));
        Assert.Equal(-3, updated);
    }

    [Fact]
    public void Increments_are_one_read_modify_write_and_start_from_zero()
    {
        using var longs = new FasterBlittableStore<long, long>(new StoreOptions(Path.Combine(_directory, "d"), 1 << 20));
        using var strings = new FasterEncodedStore<string, double>(new StoreOptions(Path.Combine(_directory, "e"), 1 << 16),
            PrimitiveCodecs.Utf8String, PrimitiveCodecs.DoubleBigEndian);
        IStateStore<long, long> counts = longs;
        IStateStore<string, double> sums = strings;
        for (var i = 0; i < 30_000; i++)
        {
            Assert.True(counts.TryAdd(i % 100, 2, out _));
            Assert.True(sums.TryAdd($"k{i % 3_000}", 0.5, out _));
        }

        Assert.True(counts.TryAdd(7, -1, out var seven));
        Assert.Equal(599, seven);
        Assert.True(longs.TryGet(99, out var last));
        Assert.Equal(600, last);
        Assert.True(strings.TryGet("k2999", out var half));
        Assert.Equal(5.0, half);
        IStateStore<string, string> text = new InMemoryStore<string, string>();
        Assert.False(text.TryAdd("a", "b", out _));
    }

    [Fact]
    public void Opening_a_store_discards_files_of_an_earlier_run()
    {
        var folder = Path.Combine(_directory, "c");
        using (var first = new FasterBlittableStore<long, long>(new StoreOptions(folder, 1 << 20)))
        {
            first.Put(1, 1);
        }

        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "stale.txt"), "left over");
        using var second = new FasterBlittableStore<long, long>(new StoreOptions(folder, 1 << 20));
        Assert.False(second.TryGet(1, out _));
        Assert.False(File.Exists(Path.Combine(folder, "stale.txt")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
