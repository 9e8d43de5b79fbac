using System;
using System.Linq;
using Faustish;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;

// The stream-agent tests' agents run only in the workers of those tests (FAUSTISH_E2E_STREAM_AGENTS=1): every other
// test's worker stays as lean as before, which matters to the tests that restart a worker twenty times.
AgentDefinition[] streamTestAgents = [SplitWcSentences.Definition, CountWcWords.Definition, AckStreamAgent.Definition, AckAsyncAgent.Definition, SumAmountBatches.Definition];
var model = AppModelRegistry.Current;
if (Environment.GetEnvironmentVariable(StreamTestAgents.Variable) != "1")
{
    // Their tables go with them: a table without its agent would be declared with another partition count.
    model = model with
    {
        Agents = [.. model.Agents.Where(agent => !streamTestAgents.Contains(agent))],
        Tables = [.. model.Tables.Where(table => !streamTestAgents.Any(agent => agent.Tables.Contains(table)))],
    };
}

return await FaustishApp.RunAsync(args, model);

namespace Faustish.EndToEnd.Worker
{
    /// <summary>Set to 1 in a worker's environment to run the stream-agent tests' agents too.</summary>
    public static class StreamTestAgents
    {
        public const string Variable = "FAUSTISH_E2E_STREAM_AGENTS";
    }
}
