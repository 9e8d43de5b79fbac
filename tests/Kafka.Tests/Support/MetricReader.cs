using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using Faustish.Hosting;

namespace Faustish.Kafka.Tests.Support;

/// <summary>Reads instruments of the <c>Faustish</c> meter on demand, as an exporter would (observable ones are observed at each read).</summary>
internal sealed class MetricReader : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _values = new(StringComparer.Ordinal);
    private readonly Lock _sync = new();

    public MetricReader(params string[] names)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == FaustishMetrics.MeterName && names.Contains(instrument.Name, StringComparer.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Set(instrument.Name, value));
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Set(instrument.Name, value));
        _listener.Start();
    }

    /// <summary>The instrument's value now; throws if no Faustish meter publishes it.</summary>
    public long Read(string name)
    {
        lock (_sync)
        {
            _values.Remove(name);
        }

        _listener.RecordObservableInstruments();
        lock (_sync)
        {
            return _values.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"{name} was not observed");
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Set(string name, long value)
    {
        lock (_sync)
        {
            _values[name] = value;
        }
    }
}
