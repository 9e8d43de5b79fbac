using System;
using System.Threading.Tasks;
using Faustish;

namespace Faustish.EndToEnd.Worker;

/// <summary>Amounts keyed by their sequence number (the allocation test's stream agent input).</summary>
[Topic("alloc-amounts", Partitions = 2)]
public sealed partial class AllocAmounts : Topic<long, long>;

/// <summary>Sum of the amounts per account.</summary>
[Table("alloc-account-totals")]
public sealed partial class AllocAccountTotals : Table<long, long>;

/// <summary>
/// A stream agent with <c>GroupBy</c> and <c>Take</c>: the amounts regrouped by account (amount % <see cref="Accounts"/>),
/// then summed per account in batches of up to 100 (or fewer after a second).
/// </summary>
[Agent(typeof(AllocAmounts))]
public sealed partial class SumAmountBatches(AllocAccountTotals totals)
{
    public const long Accounts = 1_000;

    public async Task ProcessAsync(Stream<long, long> amounts)
    {
        await foreach (var batch in amounts.GroupBy(amount => amount % Accounts, "account").Take(100, TimeSpan.FromSeconds(1)))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                totals[batch[i] % Accounts] += batch[i];
            }
        }
    }
}
