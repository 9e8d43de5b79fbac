using System;
using System.Collections.Generic;
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
