using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Faustish.Serialization;
using FASTER.core;

namespace Faustish.Tables.Faster;

/// <summary>
/// How keys or values of one type are laid out as bytes in a FASTER store: types without references as they are in
/// memory (so numbers can be added in place), others as their codec writes them. Each instance owns one pinned
/// buffer, reused for every write: a <see cref="SpanByte"/> it returns is valid until the next <see cref="Write"/>.
/// </summary>
internal abstract class StoreBytes<T>
{
    /// <summary>
    /// The layout for <typeparamref name="T"/>: raw when it holds no references, else through <paramref name="codec"/>.
    /// </summary>
    public static StoreBytes<T> For(IRecordCodec<T>? codec) =>
        !RuntimeHelpers.IsReferenceOrContainsReferences<T>() ? new RawStoreBytes<T>()
        : codec is not null ? new CodecStoreBytes<T>(codec)
        : throw new ArgumentNullException(nameof(codec), $"{typeof(T)} has references: a FASTER store needs its codec to keep it as bytes.");

    /// <summary>Whether values are kept as they are in memory (then <see cref="Numeric"/> sums work on the bytes).</summary>
    public abstract bool IsRaw { get; }

    /// <summary>Encodes <paramref name="value"/> into this layout's pinned buffer.</summary>
    public abstract SpanByte Write(T value);

    public abstract T Read(ReadOnlySpan<byte> bytes);
}

/// <summary>Values without references, byte for byte as in memory (a <c>long</c> is its 8 bytes).</summary>
internal sealed class RawStoreBytes<T> : StoreBytes<T>
{
    private readonly byte[] _buffer = GC.AllocateArray<byte>(Unsafe.SizeOf<T>(), pinned: true);

    public override bool IsRaw => true;

    public override SpanByte Write(T value)
    {
        Unsafe.WriteUnaligned(ref _buffer[0], value);
        return SpanByte.FromFixedSpan(_buffer.AsSpan());
    }

    public override T Read(ReadOnlySpan<byte> bytes) => bytes.Length == Unsafe.SizeOf<T>()
        ? Unsafe.ReadUnaligned<T>(ref MemoryMarshal.GetReference(bytes))
        : throw new InvalidOperationException($"A stored {typeof(T)} takes {Unsafe.SizeOf<T>()} bytes; this one has {bytes.Length}: the store holds data of another type.");
}

/// <summary>Values with references (strings, records), as their codec writes them.</summary>
internal sealed class CodecStoreBytes<T>(IRecordCodec<T> codec) : StoreBytes<T>
{
    private readonly PinnedBufferWriter _buffer = new(256);

    public override bool IsRaw => false;

    public override SpanByte Write(T value)
    {
        _buffer.Reset();
        codec.Write(_buffer, value);
        return SpanByte.FromFixedSpan(_buffer.WrittenSpan);
    }

    public override T Read(ReadOnlySpan<byte> bytes) => codec.Read(bytes);
}

/// <summary>An <see cref="IBufferWriter{T}"/> over a pinned array that grows by doubling and is reused after <see cref="Reset"/>.</summary>
internal sealed class PinnedBufferWriter(int capacity) : IBufferWriter<byte>
{
    private byte[] _buffer = GC.AllocateArray<byte>(capacity, pinned: true);
    private int _written;

    public Span<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public void Reset() => _written = 0;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        var grown = GC.AllocateArray<byte>((int)Math.Max(needed, Math.Min((long)_buffer.Length * 2, Array.MaxLength)), pinned: true);
        _buffer.AsSpan(0, _written).CopyTo(grown);
        _buffer = grown;
    }
}

/// <summary>
/// FASTER's callbacks for a store of byte keys and values: reads decode the value straight from the record (no copy
/// into an intermediate buffer); upserts copy bytes (<see cref="SpanByteFunctions{Key, Output, Context}"/>); a
/// read-modify-write adds the input to a raw numeric value in place.
/// </summary>
internal sealed class StoreFunctions<TValue>(StoreBytes<TValue> values) : SpanByteFunctions<SpanByte, TValue, Empty>
{
    public override bool SingleReader(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref TValue dst, ref ReadInfo readInfo)
    {
        dst = values.Read(value.AsReadOnlySpan());
        return true;
    }

    public override bool ConcurrentReader(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref TValue dst, ref ReadInfo readInfo)
    {
        dst = values.Read(value.AsReadOnlySpan());
        return true;
    }

    public override bool InitialUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref TValue output, ref RMWInfo rmwInfo)
    {
        // Missing counts as zero: the first sum is the input itself.
        input.CopyTo(ref value);
        output = values.Read(value.AsReadOnlySpan());
        return true;
    }

    public override bool InPlaceUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref TValue output, ref RMWInfo rmwInfo)
    {
        if (value.Length != Unsafe.SizeOf<TValue>())
        {
            return false;
        }

        ref var bytes = ref value.AsSpan()[0];
        var sum = Numeric.Sum(Unsafe.ReadUnaligned<TValue>(ref bytes), Unsafe.ReadUnaligned<TValue>(ref input.AsSpan()[0]));
        Unsafe.WriteUnaligned(ref bytes, sum);
        output = sum;
        return true;
    }

    public override bool CopyUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte oldValue, ref SpanByte newValue, ref TValue output, ref RMWInfo rmwInfo)
    {
        var sum = Numeric.Sum(values.Read(oldValue.AsReadOnlySpan()), Unsafe.ReadUnaligned<TValue>(ref input.AsSpan()[0]));
        Unsafe.WriteUnaligned(ref newValue.AsSpan()[0], sum);
        output = sum;
        return true;
    }
}
