using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Faustish.Serialization;
using Faustish.Tables;
using Faustish.Transport;

namespace Faustish.Tests.Tables;

public sealed class TableShardTests
{
    private sealed class Counts(TableShard<string, long> shard) : Table<string, long>(shard);

    private static readonly TableDefinition<string, long> Definition = new("counts", 0, PrimitiveCodecs.Utf8String, PrimitiveCodecs.Int64BigEndian,
        static _ => new InMemoryStore<string, long>(), static shard => new Counts(shard));

    [Fact]
    public void The_changelog_gets_only_the_latest_value_of_each_key_per_flush()
    {
        var shard = (TableShard<string, long>)Definition.OpenShard(3, StoreKind.Memory, new StoreOptions("unused", 1 << 16));
        var table = (Counts)shard.Table;
        for (var i = 0; i < 10_000; i++)
        {
            table.Increment($"page-{i % 10}");
        }

        table["other"] = 5;
        table["other"] += 1;
        Assert.Equal(11, shard.PendingWrites);

        var producer = new RecordingProducer();
        shard.FlushChangelog(producer, new TopicPartition("app-counts-changelog", 3));
        Assert.Equal(11, producer.Records.Count);
        Assert.All(producer.Records, r => Assert.Equal(3, r.Partition.Partition));
        Assert.Contains(producer.Records, r => r.Key == "page-7" && r.Value == 1_000);
        Assert.Contains(producer.Records, r => r.Key == "other" && r.Value == 6);
        Assert.Equal(0, shard.PendingWrites);

        shard.FlushChangelog(producer, new TopicPartition("app-counts-changelog", 3));
        Assert.Equal(11, producer.Records.Count);
    }

    [Fact]
    public void A_full_write_cache_flushes_only_the_keys_over_its_limit_to_the_changelog_and_the_store_and_loses_no_write()
    {
        var shard = (TableShard<string, long>)Definition.OpenShard(0, StoreKind.Memory, new StoreOptions("unused", 1 << 16));
        var table = (Counts)shard.Table;
        var changelog = new TopicPartition("app-counts-changelog", 0);
        var producer = new RecordingProducer();
        var expected = new Dictionary<string, long>();
        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < 100; i++)
            {
                var key = $"page-{(i * 7 + round) % 100}";
                table.Increment(key);
                expected[key] = expected.GetValueOrDefault(key) + 1;
            }

            shard.FlushChangelogIfFull(producer, changelog, maxPendingKeys: 40);
            Assert.Equal(40, shard.PendingWrites); // 100 keys written, the 60 over the limit flushed
        }

        table["extra"] = 9;
        expected["extra"] = 9;
        Assert.Equal(41, shard.PendingWrites);
        shard.FlushChangelogIfFull(producer, changelog, maxPendingKeys: 40); // one over: one goes
        Assert.Equal(40, shard.PendingWrites);
        var sent = producer.Records.Count;
        shard.FlushChangelogIfFull(producer, changelog, maxPendingKeys: 40); // at the limit: nothing goes
        Assert.Equal(sent, producer.Records.Count);
        table.Remove("page-3");
        expected.Remove("page-3");
        shard.FlushChangelogIfFull(producer, changelog, maxPendingKeys: 40);
        Assert.Equal(40, shard.PendingWrites);

        // The table reads every key right, flushed early or not; the commit's flush sends the rest.
        Assert.All(expected, e => Assert.Equal(e.Value, table[e.Key]));
        Assert.False(table.ContainsKey("page-3"));
        shard.FlushChangelog(producer, changelog);
        Assert.Equal(0, shard.PendingWrites);

        // The changelog's latest record per key, and the store behind the cache, both equal the table.
        var replayed = new Dictionary<string, long>();
        foreach (var record in producer.Records)
        {
            if (record.Tombstone)
            {
                replayed.Remove(record.Key);
            }
            else
            {
                replayed[record.Key] = record.Value;
            }
        }

        Assert.Equal(expected.OrderBy(e => e.Key), replayed.OrderBy(e => e.Key));
        Assert.Equal(expected.OrderBy(e => e.Key), shard.Scan().OrderBy(e => e.Key)); // the cache is empty: the store's entries
        Assert.True(producer.Records.Count > 100, $"{producer.Records.Count} changelog records: the early flushes sent keys more than once");
    }

    [Fact]
    public void Removing_a_key_writes_a_tombstone_and_a_missing_key_reads_as_default()
    {
        var shard = (TableShard<string, long>)Definition.OpenShard(0, StoreKind.Memory, new StoreOptions("unused", 1 << 16));
        var table = (Counts)shard.Table;
        Assert.Equal(0, table["never"]);
        Assert.False(table.ContainsKey("never"));
        table["gone"] = 1;
        Assert.True(table.Remove("gone"));

        var producer = new RecordingProducer();
        shard.FlushChangelog(producer, new TopicPartition("c", 0));
        var record = Assert.Single(producer.Records);
        Assert.Equal("gone", record.Key);
        Assert.True(record.Tombstone);
    }

    [Fact]
    public void Restore_applies_puts_and_tombstones_in_order()
    {
        var batch = new RecordBatch();
        batch.Reset("c", 0);
        Add(batch, "a", 1);
        Add(batch, "b", 2);
        Add(batch, "a", 3);
        batch.Add(3, 4, 0, "b"u8, false, default, true, default);
        var shard = (TableShard<string, long>)Definition.OpenShard(0, StoreKind.Memory, new StoreOptions("unused", 1 << 16));

        var applied = ((ITableShard)shard).Restore(new OneBatchReader(batch), CancellationToken.None);

        Assert.Equal(4, applied);
        Assert.True(shard.TryGet("a", out var a));
        Assert.Equal(3, a);
        Assert.False(shard.TryGet("b", out _));
        Assert.Equal(0, shard.PendingWrites);
    }

    private static void Add(RecordBatch batch, string key, long value)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        batch.Add(batch.Count, batch.Count + 1, 0, System.Text.Encoding.UTF8.GetBytes(key), false, bytes, false, default);
    }

    private sealed class OneBatchReader(RecordBatch batch) : IPartitionReader
    {
        private bool _done;

        public long Position => _done ? batch.Count : 0;

        public bool Fetch(RecordBatch target, int maxRecords, TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (_done)
            {
                return false;
            }

            target.Reset(batch.Topic, batch.Partition);
            for (var i = 0; i < batch.Count; i++)
            {
                ref readonly var r = ref batch[i];
                target.Add(r.Offset, r.NextOffset, r.TimestampMs, batch.KeyOf(in r), r.KeyIsNull, batch.ValueOf(in r), r.ValueIsNull, default);
            }

            _done = true;
            return true;
        }

        public void Dispose()
        {
        }
    }

    internal sealed class RecordingProducer : IRecordProducer
    {
        public List<(TopicPartition Partition, string Key, long Value, bool Tombstone)> Records { get; } = [];

        public void Produce(TopicPartition partition, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull,
            long timestampMs, IReadOnlyList<RecordHeader>? headers = null) =>
            Records.Add((partition, System.Text.Encoding.UTF8.GetString(key), valueIsNull ? 0 : System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(value), valueIsNull));

        public void Flush(CancellationToken cancellationToken)
        {
        }

        public void Dispose()
        {
        }
    }
}
