using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Faustish.Topics;
using Faustish.Transport;

namespace Faustish.Cli;

/// <summary>What <c>topic read</c> reads: which partitions, from where, for how long.</summary>
/// <param name="Partition">One partition, or all of them.</param>
/// <param name="FromOffset">The offset to start at in each partition read (the first stored record if lower, nothing from a partition that ends before it); null: the beginning.</param>
/// <param name="FromEnd">Start after the last record (with <paramref name="Follow"/>: only records written from now on).</param>
/// <param name="Follow">Keep waiting for new records until cancelled (Ctrl+C) instead of stopping at the end.</param>
/// <param name="Limit">Stop after this many records.</param>
/// <param name="Raw">How bytes that do not decode are shown.</param>
internal sealed record TopicReadRequest(int? Partition, long? FromOffset, bool FromEnd, bool Follow, long? Limit, RawBytes Raw);

/// <summary>
/// <c>topic read</c>: prints a topic's records, one line each, decoded with the topic's codecs, through
/// <see cref="ITransport"/> (the embedded log or Kafka alike). Without <c>--follow</c> each partition is read up to its
/// high watermark as it was when reading began, so the command ends even while producers write.
/// </summary>
internal static class TopicPrinter
{
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(30);

    public static int Run(ITransport transport, string topic, TopicDefinition? definition, TopicReadRequest request, TextWriter output,
        CancellationToken cancellationToken)
    {
        var partitionCount = transport.GetPartitionCount(topic)
            ?? throw new InvalidOperationException($"Topic '{topic}' does not exist on {transport.Description}.");
        if (request.Partition is { } only && (only < 0 || only >= partitionCount))
        {
            throw new InvalidOperationException($"Topic '{topic}' has partitions 0 to {partitionCount - 1}; --partition {only} is not one of them.");
        }

        if (request.FromOffset is < 0)
        {
            throw new InvalidOperationException($"--from-offset {request.FromOffset} is negative; give an offset of 0 or more, or --from-end.");
        }

        var partitions = request.Partition is { } p ? [p] : Enumerable.Range(0, partitionCount).ToArray();
        var readers = new List<IPartitionReader>();
        try
        {
            foreach (var partition in partitions)
            {
                readers.Add(Open(transport, new TopicPartition(topic, partition), request));
            }

            var printed = 0L;
            var batch = new RecordBatch();
            if (!request.Follow)
            {
                foreach (var reader in readers)
                {
                    while (reader.Fetch(batch, 500, TimeSpan.FromMilliseconds(200), cancellationToken))
                    {
                        if (Print(batch, definition, request, output, ref printed))
                        {
                            return 0;
                        }
                    }
                }

                return 0;
            }

            // Follow: visit every partition in turn, briefly, until cancelled.
            var slice = TimeSpan.FromMilliseconds(Math.Max(10, 200 / readers.Count));
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var reader in readers)
                {
                    if (reader.Fetch(batch, 500, slice, cancellationToken) && Print(batch, definition, request, output, ref printed))
                    {
                        return 0;
                    }
                }

                output.Flush();
            }

            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0; // Ctrl+C ends --follow: that is how it is meant to stop.
        }
        finally
        {
            output.Flush();
            foreach (var reader in readers)
            {
                reader.Dispose();
            }
        }
    }

    private static IPartitionReader Open(ITransport transport, TopicPartition partition, TopicReadRequest request)
    {
        var marks = transport.GetWatermarks(partition);
        long start;
        if (request.FromEnd)
        {
            start = marks.High;
        }
        else if (request.FromOffset is { } offset)
        {
            if (offset > marks.High && request.Partition is not null)
            {
                throw new InvalidOperationException(
                    $"--from-offset {offset} is past the end of {partition} (its records are at offsets {marks.Low} to {marks.High - 1}).");
            }

            // Reading every partition, one may simply not have that many records yet: it has nothing to show.
            start = Math.Clamp(offset, marks.Low, marks.High);
        }
        else
        {
            start = marks.Low;
        }

        var reader = transport.OpenReader(partition, start);
        return request.Follow ? reader : PartitionReading.UpTo(reader, partition, marks.High, StallTimeout);
    }

    /// <summary>Prints the batch; true once the limit is reached.</summary>
    private static bool Print(RecordBatch batch, TopicDefinition? definition, TopicReadRequest request, TextWriter output, ref long printed)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            output.WriteLine(RecordText.Line(definition, batch, in batch[i], request.Raw));
            if (++printed >= request.Limit)
            {
                return true;
            }
        }

        return false;
    }
}
