using System;
using System.Buffers;
using System.Buffers.Binary;
using Faustish.Serialization;
using System.ComponentModel;

namespace Faustish.Tables.Windows;

/// <summary>
/// A windowed table's store key: the user's key and the window's bounds. In the changelog it is the key's bytes
/// followed by the 8-byte big-endian start and end (Kafka Streams' windowed-key layout, plus the end so session
/// windows fit the same shape). For sliding windows the store holds one entry per event time (start = end).
/// </summary>
public readonly record struct WindowKey<TKey>(TKey Key, long StartMs, long EndMs);

/// <summary>Encodes <see cref="WindowKey{TKey}"/>: key bytes, then start and end as 8-byte big-endian numbers.</summary>
// Public for generated code in users' assemblies, which derives from or calls it; not for users to call.
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class WindowKeyCodec<TKey>(IRecordCodec<TKey> keyCodec) : IRecordCodec<WindowKey<TKey>>
{
    /// <summary>Bytes after the key.</summary>
    public const int SuffixLength = 16;

    public void Write(IBufferWriter<byte> output, WindowKey<TKey> value)
    {
        ArgumentNullException.ThrowIfNull(output);
        keyCodec.Write(output, value.Key);
        var span = output.GetSpan(SuffixLength);
        BinaryPrimitives.WriteInt64BigEndian(span, value.StartMs);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], value.EndMs);
        output.Advance(SuffixLength);
    }

    public WindowKey<TKey> Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < SuffixLength)
        {
            throw new RecordDecodeException($"A windowed key needs at least {SuffixLength} bytes; this one has {data.Length}.");
        }

        var suffix = data[^SuffixLength..];
        return new WindowKey<TKey>(keyCodec.Read(data[..^SuffixLength]),
            BinaryPrimitives.ReadInt64BigEndian(suffix), BinaryPrimitives.ReadInt64BigEndian(suffix[8..]));
    }
}

/// <summary>An event that came after its window closed.</summary>
/// <param name="Table">The windowed table's name.</param>
/// <param name="Policy">What the table does with late events.</param>
/// <param name="EventTimeMs">The time the write referred to.</param>
/// <param name="Window">A window the event missed.</param>
/// <param name="TableTimeMs">The table's time when the event came.</param>
/// <param name="Applied">True when the event still updated other (open) windows; such events are never dead-lettered.</param>
/// <param name="CloseTimeMs">When the missed window closed: its end plus the grace period (table time).</param>
public readonly record struct LateEvent(string Table, LateEvents Policy, long EventTimeMs, Window Window, long TableTimeMs, bool Applied, long CloseTimeMs);

/// <summary>
/// What a windowed table partition needs from the agent partition that writes it: the event's time, the
/// partition's stream time, the wall clock, and where late events go. <see cref="Agents.AgentPartitionContext"/>
/// implements it; tests can supply their own.
/// </summary>
public interface IWindowContext
{
    /// <summary>Timestamp of the event being processed (Unix ms).</summary>
    long EventTimeMs { get; }

    /// <summary>The partition's stream time (largest event timestamp seen), or -1.</summary>
    long StreamTimeMs { get; }

    /// <summary>The wall clock now (Unix ms).</summary>
    long WallClockMs { get; }

    /// <summary>An event came too late for a window: count it, log it, and dead-letter it if asked to.</summary>
    void OnLateEvent(in LateEvent late);
}
