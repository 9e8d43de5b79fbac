namespace Faustish.Agents;

/// <summary>What a worker's live state says about a key (web table views).</summary>
internal enum TableLookupOutcome
{
    /// <summary>The worker holds the partition and the key: <see cref="TableLookup.Json"/> is its value.</summary>
    Found,

    /// <summary>The worker holds the partition; the key is not in the table.</summary>
    Missing,

    /// <summary>The worker holds the partition, whose tables are still restoring.</summary>
    Restoring,

    /// <summary>Another worker (or process) holds the partition.</summary>
    NotHere,
}

/// <param name="Json">The value as JSON (the table's codec), when found.</param>
/// <param name="RestoreApplied">Changelog records replayed so far, when restoring.</param>
/// <param name="RestoreRemaining">Changelog offsets left to replay, when restoring.</param>
internal readonly record struct TableLookup(TableLookupOutcome Outcome, string? Json = null, long RestoreApplied = 0, long RestoreRemaining = 0)
{
    public static TableLookup Missing => new(TableLookupOutcome.Missing);

    public static TableLookup NotHere => new(TableLookupOutcome.NotHere);

    public static TableLookup Found(string json) => new(TableLookupOutcome.Found, json);

    public static TableLookup InRestore(long applied, long remaining) => new(TableLookupOutcome.Restoring, null, applied, remaining);
}

/// <summary>One entry of a table as people read it: its partition (-1 for a global table), key as text, value as JSON.</summary>
internal readonly record struct TableEntry(int Partition, string Key, string Json);
