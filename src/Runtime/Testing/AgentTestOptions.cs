using System;
using Faustish.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace Faustish.Testing;

/// <summary>How an agent's test context is set up: the services its constructor needs, and where its tables live.</summary>
public sealed class AgentTestOptions
{
    /// <summary>
    /// Services for the agent's constructor parameters that are not tables or topics. The test context's clock is
    /// already registered as <see cref="TimeProvider"/>.
    /// </summary>
    public IServiceCollection Services { get; } = new ServiceCollection();

    /// <summary>Where the agent's tables live: in memory (the default), or in FASTER stores in <see cref="DataDirectory"/>.</summary>
    public StoreKind Store { get; set; } = StoreKind.Memory;

    /// <summary>
    /// The folder of FASTER stores when <see cref="Store"/> is <see cref="StoreKind.Faster"/>; a new temporary folder,
    /// deleted when the context is disposed, if empty.
    /// </summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>
    /// The partition every event is put on (0 by default), as in Faust's test context: one agent instance with one set
    /// of tables sees every event, in the order they are put.
    /// </summary>
    public int Partition { get; set; }
}
