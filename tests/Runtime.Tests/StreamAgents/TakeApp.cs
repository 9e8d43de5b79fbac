using System;
using System.Linq;
using System.Threading.Tasks;
using Faustish;

namespace Faustish.Tests.StreamAgents;

[Topic("take-amounts", Partitions = 2)]
public sealed partial class TakeAmounts : Topic<string, long>;

/// <summary>Each batch: its size and the values it held, joined, under the key "batch".</summary>
[Topic("take-batches", Partitions = 1)]
public sealed partial class TakeBatches : Topic<string, string>;

/// <summary>Batches of up to 10 amounts, or fewer after 5 seconds; each batch sent as the list of its values.</summary>
[Agent(typeof(TakeAmounts))]
public sealed partial class BatchAmounts(TakeBatches batches)
{
    public async Task ProcessAsync(Stream<string, long> amounts)
    {
        await foreach (var batch in amounts.Where(amount => amount >= 0).Take(10, TimeSpan.FromSeconds(5)))
        {
            batches.Send("batch", string.Join(",", batch));
        }
    }
}
