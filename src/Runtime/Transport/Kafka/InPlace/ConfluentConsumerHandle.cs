using System;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Faustish.Transport.Kafka.InPlace;

/// <summary>
/// The two internals of a Confluent.Kafka consumer the in-place fetch path needs, reached by reflection and checked
/// when a consumer is opened, so that a Confluent.Kafka whose shape changed fails at start with what to do:
/// <list type="bullet">
/// <item>its <c>rd_kafka_t*</c>: <see cref="IClient.Handle"/> is public, the <c>SafeKafkaHandle</c> inside it
/// (<c>Handle.LibrdkafkaHandle</c>) is internal;</item>
/// <item>its <c>handlerException</c> field: Confluent.Kafka's rebalance callback catches whatever the assigned, revoked
/// or lost handler (or its own assignment calls) throw, unassigns, and keeps the exception for <c>Consume</c> to throw
/// after <c>rd_kafka_consumer_poll</c> returns. Polling in place, we throw it ourselves, and clear it, as <c>Consume</c>
/// does (else <c>Close</c> would throw it again).</item>
/// </list>
/// </summary>
internal sealed class ConfluentConsumerHandle : IDisposable
{
    private const string HandleProperty = "LibrdkafkaHandle";
    private const string HandlerExceptionField = "handlerException";
    private const BindingFlags Internal = BindingFlags.Instance | BindingFlags.NonPublic;

    private readonly object _consumer;
    private readonly SafeHandle _handle;
    private readonly FieldInfo _handlerException;
    private bool _released;

    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Checked at run time: a missing member fails with advice to use FetchPath=Client.")]
    public ConfluentConsumerHandle(IClient consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        _consumer = consumer;
        var handle = typeof(Handle).GetProperty(HandleProperty, Internal)?.GetValue(consumer.Handle) as SafeHandle;
        var field = consumer.GetType().GetField(HandlerExceptionField, Internal);
        if (handle is null || handle.IsInvalid || field is null || field.FieldType != typeof(Exception))
        {
            var missing = handle is null || handle.IsInvalid ? $"Handle.{HandleProperty} (a SafeHandle of rd_kafka_t*)" : $"{consumer.GetType().Name}.{HandlerExceptionField} (an Exception field)";
            throw new InvalidOperationException(
                $"The in-place Kafka fetch path needs Confluent.Kafka's internal {missing}, which Confluent.Kafka " +
                $"{typeof(IClient).Assembly.GetName().Version} does not have (checked against 2.16.0). " +
                "Set Faustish:Kafka:FetchPath to Client to fetch through Confluent.Kafka's Consume instead.");
        }

        // Keeps rd_kafka_t alive while we may poll it, even if Confluent.Kafka's consumer is disposed first.
        var added = false;
        handle.DangerousAddRef(ref added);
        _handle = handle;
        _handlerException = field;
        Pointer = handle.DangerousGetHandle();
    }

    /// <summary>The consumer's <c>rd_kafka_t*</c>.</summary>
    public nint Pointer { get; }

    /// <summary>Throws, and clears, what Confluent.Kafka's rebalance callback caught during the last poll, as its <c>Consume</c> does.</summary>
    public void ThrowCallbackFailure()
    {
        if (_handlerException.GetValue(_consumer) is Exception failure)
        {
            _handlerException.SetValue(_consumer, null);
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    public void Dispose()
    {
        if (!_released)
        {
            _released = true;
            _handle.DangerousRelease();
        }
    }
}
