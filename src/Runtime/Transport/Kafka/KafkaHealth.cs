using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Faustish.Transport.Kafka;

/// <summary>
/// Watches the transport's clients for broker trouble. librdkafka retries everything by itself (deliveries,
/// fetches, reconnects); what it lacks is a word to the operator. When a client reports that every broker is down
/// (<see cref="ErrorCode.Local_AllBrokersDown"/>) and the cluster does not answer a metadata request either, this logs
/// what is waiting (deliveries, fetches, commits), marks the brokers unavailable (<see cref="BrokersUnavailable"/>, the <c>faustish.transport.brokers_unavailable</c> gauge), and
/// probes the cluster every second until it answers, then logs how long the outage lasted. Other client errors
/// (connection failures, timeouts) are logged at most once per <see cref="LogInterval"/> per client and kind, with the
/// number of similar ones left out.
/// </summary>
internal sealed class KafkaHealth : ITransportHealth, IDisposable
{
    /// <summary>At most one log line per kind of error in this interval; an outage is re-announced as often.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger;
    private readonly string _servers;
    private readonly Func<TimeSpan, bool> _probe;
    private readonly ConcurrentDictionary<object, Func<string?>> _waiting = new();
    private readonly ConcurrentDictionary<(string Client, ErrorCode Code), RateLimit> _limits = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _sync = new();
    private Task? _prober;
    private int _unavailable;
    private int _suspected;
    private long _outages;
    private long _downSince;

    /// <param name="logger">Where outages and client errors are logged.</param>
    /// <param name="servers">The bootstrap servers, for messages.</param>
    /// <param name="probe">Asks the cluster something within the timeout; true when it answered.</param>
    public KafkaHealth(ILogger logger, string servers, Func<TimeSpan, bool> probe)
    {
        _logger = logger;
        _servers = servers;
        _probe = probe;
    }

    public bool BrokersUnavailable => Volatile.Read(ref _unavailable) != 0;

    public long Outages => Interlocked.Read(ref _outages);

    /// <summary>
    /// Registers a client's description of what it waits for while brokers are down (null when nothing); shown when an
    /// outage starts and while it lasts. Dispose the result when the client closes.
    /// </summary>
    public IDisposable Register(Func<string?> waitingFor)
    {
        var key = new object();
        _waiting[key] = waitingFor;
        return new Registration(this, key);
    }

    /// <summary>An error callback of one of the transport's clients (runs on a librdkafka thread).</summary>
    public void OnClientError(string client, Error error)
    {
        if (error.IsFatal)
        {
            _logger.LogCritical("Kafka {Client} failed fatally: {Reason} ({Code}); it cannot go on", client, error.Reason, error.Code);
            return;
        }

        switch (error.Code)
        {
            case ErrorCode.Local_AllBrokersDown:
                MarkUnavailable(client, error.Reason);
                break;
            case ErrorCode.Local_Authentication or ErrorCode.SaslAuthenticationFailed or ErrorCode.Local_Ssl
                or ErrorCode.TopicAuthorizationFailed or ErrorCode.GroupAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed:
                Log(error.Code, LogLevel.Error, client, error.Reason, "check the security settings (Faustish:Kafka:Common:security.protocol, sasl.*, ssl.*)");
                break;
            case ErrorCode.Local_Transport or ErrorCode.Local_Resolve:
                // Connections come and go (brokers close idle ones, restart, move leaders); an outage of all is a warning of its own.
                Log(error.Code, LogLevel.Information, client, error.Reason, "librdkafka reconnects");
                break;
            default:
                Log(error.Code, LogLevel.Warning, client, error.Reason, "librdkafka retries");
                break;
        }
    }

    /// <summary>
    /// Logs a problem of kind <paramref name="code"/> met by <paramref name="client"/>, unless the same client logged one of
    /// that kind within <see cref="LogInterval"/>.
    /// </summary>
    public void Log(ErrorCode code, LogLevel level, string client, string reason, string action)
    {
        var limit = _limits.GetOrAdd((client, code), static _ => new RateLimit());
        if (limit.TryEnter(out var suppressed))
        {
            if (suppressed > 0)
            {
                _logger.Log(level, "Kafka {Client}: {Reason} ({Code}); {Action} (and {Suppressed} more like it in the last {Interval:F0} s)",
                    client, reason, code, action, suppressed, LogInterval.TotalSeconds);
            }
            else
            {
                _logger.Log(level, "Kafka {Client}: {Reason} ({Code}); {Action}", client, reason, code, action);
            }
        }
    }

    /// <summary>
    /// A client says every broker is unreachable: ask the cluster first (one client's connections can all be down while
    /// the cluster answers, e.g. an idle client still backing off its reconnects after an outage ended); when it does not
    /// answer, say so once and probe until it does.
    /// </summary>
    public void MarkUnavailable(string client, string reason)
    {
        if (Interlocked.CompareExchange(ref _suspected, 1, 0) != 0)
        {
            return;
        }

        Volatile.Write(ref _downSince, Stopwatch.GetTimestamp());
        lock (_sync)
        {
            if (_stop.IsCancellationRequested || (_prober is not null && !_prober.IsCompleted))
            {
                Volatile.Write(ref _suspected, 0);
                return;
            }

            _prober = Task.Run(() => ConfirmThenProbeUntilBackAsync(client, reason));
        }
    }

    private async Task ConfirmThenProbeUntilBackAsync(string client, string reason)
    {
        try
        {
            if (Answers())
            {
                _logger.LogInformation("Kafka {Client} lost its connections to every broker ({Reason}), but the cluster answers; librdkafka reconnects",
                    client, reason);
                return;
            }

            Interlocked.Increment(ref _outages);
            Volatile.Write(ref _unavailable, 1);
            _logger.LogWarning("Kafka brokers {Servers} are unreachable ({Client}: {Reason}). Waiting for them and retrying; waiting: {Waiting}",
                _servers, client, reason, DescribeWaiting());
            await ProbeUntilBackAsync().ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _suspected, 0);
        }
    }

    private bool Answers()
    {
        try
        {
            return _probe(ProbeInterval * 2);
        }
        catch (Exception e) when (e is KafkaException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
    }

    private async Task ProbeUntilBackAsync()
    {
        var nextReminder = Stopwatch.GetTimestamp() + (long)(LogInterval.TotalSeconds * Stopwatch.Frequency);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(ProbeInterval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (Answers())
            {
                var down = Stopwatch.GetElapsedTime(Volatile.Read(ref _downSince));
                Volatile.Write(ref _unavailable, 0);
                _logger.LogInformation("Kafka brokers {Servers} are reachable again after {Seconds:F1} s", _servers, down.TotalSeconds);
                return;
            }

            if (Stopwatch.GetTimestamp() >= nextReminder)
            {
                nextReminder = Stopwatch.GetTimestamp() + (long)(LogInterval.TotalSeconds * Stopwatch.Frequency);
                _logger.LogWarning("Kafka brokers {Servers} still unreachable after {Seconds:F0} s; retrying. Waiting: {Waiting}",
                    _servers, Stopwatch.GetElapsedTime(Volatile.Read(ref _downSince)).TotalSeconds, DescribeWaiting());
            }
        }
    }

    private string DescribeWaiting()
    {
        var parts = new List<string>();
        foreach (var describe in _waiting.Values)
        {
            string? part;
            try
            {
                part = describe();
            }
            catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
            {
                part = null;
            }

            if (!string.IsNullOrEmpty(part))
            {
                parts.Add(part);
            }
        }

        if (parts.Count == 0)
        {
            return "nothing yet";
        }

        parts.Sort(StringComparer.Ordinal);
        return parts.Count > 10 ? string.Join("; ", parts.GetRange(0, 10)) + $"; and {parts.Count - 10} more" : string.Join("; ", parts);
    }

    /// <summary>Stops probing; waits for a probe under way.</summary>
    public void Dispose()
    {
        Task? prober;
        lock (_sync)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            _stop.Cancel();
            prober = _prober;
        }

        try
        {
            prober?.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // The probe's failure does not matter any more.
        }

        _stop.Dispose();
    }

    private sealed class Registration(KafkaHealth owner, object key) : IDisposable
    {
        public void Dispose() => owner._waiting.TryRemove(key, out _);
    }

    /// <summary>One log line per interval; counts what it holds back.</summary>
    private sealed class RateLimit
    {
        private readonly Lock _gate = new();
        private long _next;
        private int _suppressed;

        public bool TryEnter(out int suppressed)
        {
            lock (_gate)
            {
                var now = Stopwatch.GetTimestamp();
                if (now < _next)
                {
                    _suppressed++;
                    suppressed = 0;
                    return false;
                }

                _next = now + (long)(LogInterval.TotalSeconds * Stopwatch.Frequency);
                suppressed = _suppressed;
                _suppressed = 0;
                return true;
            }
        }
    }
}
