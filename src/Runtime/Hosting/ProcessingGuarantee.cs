namespace Faustish.Hosting;

/// <summary>What a crash may do to an app's results (<see cref="FaustishOptions.Guarantee"/>).</summary>
public enum ProcessingGuarantee
{
    /// <summary>
    /// The default. Every input record is processed at least once; nothing committed is lost. After a crash
    /// (kill -9, power loss, a failed commit), the records processed after the last commit are processed again:
    /// their table updates can be applied twice (a counter over-counts) and the records they sent can appear
    /// twice in output topics. A commit flushes changelogs and outputs first, then records the input positions.
    /// </summary>
    AtLeastOnce,

    /// <summary>
    /// Each input record's effects — table changes (changelog records), records sent, and its input position —
    /// become visible together, in one transaction per worker per commit, or not at all. After a crash at any
    /// point, tables and output topics equal those of a run without the crash. Readers see committed records
    /// only, so outputs appear once a commit interval; a worker whose commit fails or that loses partitions aborts
    /// its transaction and stops (restart it: it resumes from the last commit). Needs a transport that implements
    /// <see cref="Transport.ITransactionalTransport"/> (the embedded log does).
    /// </summary>
    ExactlyOnce,
}
