using System;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Transport;
using System.ComponentModel;

namespace Faustish.Agents;

/// <summary>
/// One agent bound to one partition. The generator derives a class per agent whose
/// <see cref="ProcessBatch"/> is the consumer loop: decode key and value with generated code, call the user's
/// method, report each record done. Tables and topics the agent received are bound to this partition's work.
/// </summary>
// Public for generated code in users' assemblies, which derives from or calls it; not for users to call.
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class AgentPartition
{
    protected AgentPartition(AgentPartitionContext context) => Context = context ?? throw new ArgumentNullException(nameof(context));

    public AgentPartitionContext Context { get; }

    /// <summary>Processes every record of <paramref name="batch"/> in order.</summary>
    public abstract void ProcessBatch(RecordBatch batch);

    /// <summary>Calls the agent's <c>[OnStart]</c> methods, once, before the partition's first batch.</summary>
    public virtual void OnStart(CancellationToken cancellationToken)
    {
    }

    /// <summary>Calls the agent's <c>[OnStop]</c> methods, once, before the commit that ends the partition's work here.</summary>
    public virtual void OnStop(CancellationToken cancellationToken)
    {
    }

    /// <summary>Calls the timer method at <paramref name="timer"/> in <see cref="AgentDefinition.Timers"/>.</summary>
    public virtual void RunTimer(int timer, CancellationToken cancellationToken) =>
        throw new ArgumentOutOfRangeException(nameof(timer), timer, $"Agent {Context.Agent.TypeName} has no timer {timer}.");

    /// <summary>
    /// Finishes a <see cref="ValueTask"/> the user's method returned. Agents run on their own worker thread,
    /// and events of a partition are processed one after another, so waiting here keeps the order.
    /// </summary>
    protected static void Complete(ValueTask pending)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <inheritdoc cref="Complete(ValueTask)"/>
    protected static void Complete(Task pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        pending.GetAwaiter().GetResult();
    }
}
