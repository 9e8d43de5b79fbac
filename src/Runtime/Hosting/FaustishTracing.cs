using System;
using System.Collections.Generic;
using System.Diagnostics;
using Faustish.Transport;

namespace Faustish.Hosting;

/// <summary>
/// The app's traces, on activity source <c>Faustish</c>: a span per event batch and per commit. Records sent while a
/// batch span is recorded carry its W3C <c>traceparent</c> header, and the batch that reads them continues that
/// trace, so one trace follows an event from agent to agent across topics. With no listener (no exporter
/// configured) nothing is created: the hot path pays one check per batch.
/// </summary>
public static class FaustishTracing
{
    public const string SourceName = "Faustish";

    /// <summary>The W3C trace-context header name.</summary>
    public const string TraceParentHeader = "traceparent";

    // Links to other traces a batch continues; more would only bloat the span.
    private const int MaxLinks = 32;

    internal static ActivitySource Source { get; } = new(SourceName, "0.1.0");

    /// <summary>Starts the span of one batch, a child of the trace its first traced record carries; null when nobody listens.</summary>
    internal static Activity? StartBatch(string agent, string worker, RecordBatch batch)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var parent = default(ActivityContext);
        List<ActivityLink>? links = null;
        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var record = ref batch[i];
            if (record.HeadersLength == 0 || !TryReadContext(batch.EncodedHeadersOf(in record), out var context))
            {
                continue;
            }

            if (parent == default)
            {
                parent = context;
            }
            else if (context.TraceId != parent.TraceId && (links ??= []).Count < MaxLinks)
            {
                links.Add(new ActivityLink(context));
            }
        }

        var activity = Source.StartActivity($"process {batch.Topic}", ActivityKind.Consumer, parent, links: links);
        activity?.SetTag("faustish.agent", agent);
        activity?.SetTag("faustish.worker", worker);
        activity?.SetTag("messaging.destination.name", batch.Topic);
        activity?.SetTag("messaging.destination.partition.id", batch.Partition);
        activity?.SetTag("messaging.batch.message_count", batch.Count);
        return activity;
    }

    /// <summary>Starts the span of one commit; null when nobody listens.</summary>
    internal static Activity? StartCommit(string worker)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("commit", ActivityKind.Internal, default(ActivityContext));
        activity?.SetTag("faustish.worker", worker);
        return activity;
    }

    /// <summary>The headers that carry the current span to the records sent under it; null when nothing is traced.</summary>
    internal static IReadOnlyList<RecordHeader>? CurrentHeaders()
    {
        var current = Activity.Current;
        if (current is null || current.Source != Source || !current.Recorded)
        {
            return null;
        }

        return [RecordHeader.Utf8(TraceParentHeader, current.Id!)];
    }

    private static bool TryReadContext(ReadOnlySpan<byte> encodedHeaders, out ActivityContext context)
    {
        foreach (var header in RecordHeaderEncoding.Read(encodedHeaders))
        {
            if (header.Name == TraceParentHeader && ActivityContext.TryParse(header.ValueAsString(), null, out context))
            {
                return true;
            }
        }

        context = default;
        return false;
    }
}
