using System;
using System.Collections.Generic;
using System.Threading;
using Faustish.Transport;

namespace Faustish.Tables.Global;

/// <summary>
/// One worker's whole copy of a global table: a shard holding every partition, restored from all changelog
/// partitions at start and following them afterwards. Writes go to the changelog partition of their key.
/// </summary>
internal sealed class GlobalTableReplica : IDisposable
{
    private readonly List<IPartitionReader> _readers = [];
    private readonly RecordBatch _batch = new(256, 16 * 1024);
    private readonly string _changelog;

    public GlobalTableReplica(TableDefinition table, string appId, int partitions, ITransport transport, StoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(transport);
        _changelog = table.ChangelogTopic(appId);
        Shard = table.OpenShard(-1, StoreKind.Memory, options);
        Shard.RouteChangelogByKey(partitions);
        for (var partition = 0; partition < partitions; partition++)
        {
            var changelog = new TopicPartition(_changelog, partition);
            var end = transport.GetWatermarks(changelog).High;
            var reader = transport.OpenReader(changelog, Offsets.Beginning);
            _readers.Add(reader);
            using var restore = new ChangelogRestore(Shard, reader, end, _batch, ownsReader: false);
            Restored += restore.RunToEnd(cancellationToken);
        }
    }

    public ITableShard Shard { get; }

    /// <summary>Changelog records applied at start.</summary>
    public long Restored { get; }

    /// <summary>Applies what other workers (and this one) committed to the changelog since the last call.</summary>
    public void CatchUp(CancellationToken cancellationToken)
    {
        foreach (var reader in _readers)
        {
            Shard.CatchUp(reader, _batch, cancellationToken);
        }
    }

    /// <summary>Sends this worker's writes since the last flush to the changelog partitions of their keys.</summary>
    public void FlushChangelog(IRecordProducer producer) => Shard.FlushChangelog(producer, new TopicPartition(_changelog, 0));

    public void Dispose()
    {
        foreach (var reader in _readers)
        {
            reader.Dispose();
        }

        Shard.Dispose();
    }
}
