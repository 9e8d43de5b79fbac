namespace Faustish.Transport;

/// <summary>
/// A transport that can lose its connection to the brokers it depends on (Kafka), and says so: the metrics
/// <c>faustish.transport.brokers_unavailable</c> and <c>faustish.transport.outages</c> read it.
/// </summary>
internal interface ITransportHealth
{
    /// <summary>Whether the transport cannot reach any broker right now (it keeps retrying meanwhile).</summary>
    bool BrokersUnavailable { get; }

    /// <summary>How many times since it opened the transport lost every broker.</summary>
    long Outages { get; }
}
