using System;
using System.Collections.Generic;
using System.Threading;
using Faustish.Serialization;
using Faustish.Tables;
using Faustish.Tables.Windows;
using Faustish.Transport;

namespace Faustish.Tests.Windows;

/// <summary>A windowed table of counts whose close callback records what it saw.</summary>
internal sealed class Counts(WindowedTableShard<string, long> shard) : WindowedTable<string, long>(shard)
{
    public List<(string Key, Window Window, long Value)> Closed { get; } = [];

    protected override void OnWindowClosed(string key, Window window, long value) => Closed.Add((key, window, value));
}

/// <summary>Stands in for the agent partition: the event's time, stream time, the wall clock, and late events.</summary>
internal sealed class FakeWindowContext : IWindowContext
{
    public long EventTimeMs { get; set; }

    public long StreamTimeMs { get; set; } = -1;

    public long WallClockMs { get; set; }

    public List<LateEvent> Late { get; } = [];

    public void OnLateEvent(in LateEvent late) => Late.Add(late);

    /// <summary>An event arrives: its time becomes the event time, and stream time moves up to it.</summary>
    public void At(long timeMs)
    {
        EventTimeMs = timeMs;
        StreamTimeMs = Math.Max(StreamTimeMs, timeMs);
    }
}

/// <summary>A changelog partition in memory: what flushes produce, restores read.</summary>
internal sealed class MemoryChangelog : IRecordProducer
{
    public List<(byte[] Key, byte[]? Value)> Records { get; } = [];

    public void Produce(TopicPartition partition, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull,
        long timestampMs, IReadOnlyList<RecordHeader>? headers = null) =>
        Records.Add((key.ToArray(), valueIsNull ? null : value.ToArray()));

    public void Flush(CancellationToken cancellationToken)
    {
    }

    public void Dispose()
    {
    }

    /// <summary>Windows of <paramref name="key"/> that the changelog holds a tombstone for.</summary>
    public List<WindowKey<string>> Tombstones(string key)
    {
        var codec = new WindowKeyCodec<string>(PrimitiveCodecs.Utf8String);
        var found = new List<WindowKey<string>>();
        foreach (var (k, v) in Records)
        {
            if (k.Length > 0 && v is null && codec.Read(k) is var windowKey && windowKey.Key == key)
            {
                found.Add(windowKey);
            }
        }

        return found;
    }

    public IPartitionReader Reader() => new ChangelogReader(Records);

    private sealed class ChangelogReader(List<(byte[] Key, byte[]? Value)> records) : IPartitionReader
    {
        public long Position { get; private set; }

        public bool Fetch(RecordBatch batch, int maxRecords, TimeSpan timeout, CancellationToken cancellationToken)
        {
            batch.Reset("changelog", 0);
            while (Position < records.Count && batch.Count < maxRecords)
            {
                var (key, value) = records[(int)Position];
                batch.Add(Position, Position + 1, 0, key, false, value ?? [], value is null, []);
                Position++;
            }

            return batch.Count > 0;
        }

        public void Dispose()
        {
        }
    }
}

internal static class WindowTestKit
{
    public const long Second = 1000;
    public const long Minute = 60 * Second;

    public static WindowedTableDefinition<string, long> Definition(string window, string? expires = null,
        LateEvents late = LateEvents.Drop, WindowClose closeOn = WindowClose.StreamTime, WindowTime relativeTo = WindowTime.Stream) =>
        new("counts", 0, new WindowOptions(window, expires, late, closeOn, relativeTo), PrimitiveCodecs.Utf8String, PrimitiveCodecs.Int64BigEndian,
            static shard => new Counts(shard));

    public static (WindowedTableShard<string, long> Shard, Counts Table, FakeWindowContext Context) Open(WindowedTableDefinition<string, long> definition)
    {
        var shard = (WindowedTableShard<string, long>)definition.OpenShard(0, StoreKind.Memory, new StoreOptions("unused", 1 << 16));
        var context = new FakeWindowContext();
        shard.Bind(context);
        return (shard, (Counts)shard.Table, context);
    }

    public static List<(long Start, long End, long Value)> WindowsOf(Counts table, string key) =>
        table.Windows(key).ConvertAll(w => (w.StartMs, w.EndMs, w.Value));

    private static List<TOut> ConvertAll<TIn, TOut>(this IReadOnlyList<TIn> items, Func<TIn, TOut> convert)
    {
        var result = new List<TOut>(items.Count);
        foreach (var item in items)
        {
            result.Add(convert(item));
        }

        return result;
    }
}
