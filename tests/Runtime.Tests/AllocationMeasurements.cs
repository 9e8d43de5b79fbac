namespace Faustish.Tests;

/// <summary>
/// Tests that count the bytes a fetch or produce loop allocates run alone, after the others. With eight test classes at a
/// time (xunit.runner.json) a loop slowed by the others can run into the group's periodic work (a rebalance check that
/// assigns or re-reads partitions), which allocates and is not the per-record path being measured: one such run counted
/// 7,920 bytes in Group_consumer_fetch_loop_allocates_nothing.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurements
{
    public const string Name = "allocation measurements";
}
