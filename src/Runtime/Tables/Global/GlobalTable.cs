using Faustish.Tables;

namespace Faustish;

/// <summary>
/// Base of a <c>[Table]</c> every worker holds whole (Faust's <c>GlobalTable</c>, Kafka Streams' <c>GlobalKTable</c>):
/// any agent can read any key locally, whatever partition it processes, and any agent can write it. Each worker keeps
/// its own copy, restored from the table's changelog at start and kept up to date by following all of its
/// partitions; a write is visible at once to the worker that made it and to the others after its commit.
/// </summary>
/// <remarks>
/// Concurrent writers of one key end with the value last written to the changelog (each worker converges on the
/// changelog's order). Meant for reference data that fits in memory: every worker holds all of it.
/// </remarks>
public abstract class GlobalTable<TKey, TValue> : Table<TKey, TValue> where TKey : notnull
{
    protected GlobalTable(TableShard<TKey, TValue> shard)
        : base(shard)
    {
    }
}
