using System.Collections.Generic;
using System.Threading.Tasks;
using Faustish;

namespace Faustish.Tests.StreamAgents;

[Topic("ask-numbers", Partitions = 4)]
public sealed partial class AskNumbers : Topic<string, long>;

/// <summary>Replies to each number with its double; stays silent on negative numbers (so an ask of one times out).</summary>
[Agent(typeof(AskNumbers), Concurrency = 2)]
public sealed partial class Doubler
{
    private readonly long _factor = 2;

    public async IAsyncEnumerable<long> ProcessAsync(Stream<string, long> numbers)
    {
        await foreach (var number in numbers)
        {
            if (number >= 0)
            {
                // An await of its own between the event and its reply: the reply still finds its asker.
                if (number % 100 == 0)
                {
                    await Task.Yield();
                }

                yield return number * _factor;
            }
        }
    }
}
