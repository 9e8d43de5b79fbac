using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Faustish.Serialization;

/// <summary>
/// Recently decoded short strings, per thread, so that a hot key (a page path, a user id) decoded for every event is
/// the same string instance each time instead of a new allocation. Strings are immutable, so sharing one is invisible
/// to the code that receives it. An open-addressing table of up to <see cref="MaxEntries"/> strings of at most
/// <see cref="MaxBytes"/> UTF-8 bytes; when it fills up it starts over, so a thread that sees more distinct keys than
/// that pays what decoding without the cache costs (one string per event) and little more.
/// </summary>
internal static class Utf8StringCache
{
    /// <summary>Longer strings are decoded every time (keys are short; long texts rarely repeat).</summary>
    public const int MaxBytes = 64;

    /// <summary>Distinct strings kept per thread (the table has twice as many slots, so probes stay short).</summary>
    public const int MaxEntries = 4096;

    private const int Slots = MaxEntries * 2;

    [ThreadStatic]
    private static Table? t_table;

    /// <summary>The string of <paramref name="utf8"/>: a cached instance when the same bytes were decoded recently.</summary>
    public static string Get(ReadOnlySpan<byte> utf8, UTF8Encoding encoding)
    {
        if (utf8.Length > MaxBytes)
        {
            return encoding.GetString(utf8);
        }

        if (utf8.IsEmpty)
        {
            return "";
        }

        var table = t_table ??= new Table();
        var code = Hash(utf8) | 1; // 0 marks an empty slot
        var slot = code & (Slots - 1);
        while (true)
        {
            var stored = table.Codes[slot];
            if (stored == 0)
            {
                break;
            }

            if (stored == code && table.Lengths[slot] == utf8.Length && table.Bytes.AsSpan(slot * MaxBytes, utf8.Length).SequenceEqual(utf8))
            {
                return table.Strings[slot]!;
            }

            slot = (slot + 1) & (Slots - 1);
        }

        // Decode first: invalid UTF-8 throws and leaves the table as it was.
        var text = encoding.GetString(utf8);
        if (table.Count == MaxEntries)
        {
            table.Clear();
            slot = code & (Slots - 1);
        }

        utf8.CopyTo(table.Bytes.AsSpan(slot * MaxBytes, MaxBytes));
        table.Lengths[slot] = (byte)utf8.Length;
        table.Codes[slot] = code;
        table.Strings[slot] = text;
        table.Count++;
        return text;
    }

    // A per-process random seed, as HashCode has, so keys chosen to collide in one process do not in another.
    private static readonly ulong Seed = (ulong)Random.Shared.NextInt64() | 1;

    /// <summary>
    /// A hash of at most <see cref="MaxBytes"/> bytes, eight at a time (HashCode.AddBytes feeds four bytes at a time
    /// through HashCode.Add; a lookup with it took about twice as long in a micro-benchmark of short keys).
    /// </summary>
    private static int Hash(ReadOnlySpan<byte> utf8)
    {
        const ulong Multiplier = 0x9E3779B97F4A7C15;
        ref var start = ref MemoryMarshal.GetReference(utf8);
        var length = utf8.Length;
        var hash = Seed ^ ((ulong)length * Multiplier);
        if (length >= sizeof(ulong))
        {
            var last = length - sizeof(ulong);
            for (var i = 0; i < last; i += sizeof(ulong))
            {
                hash = Mix(hash, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)));
            }

            // The last eight bytes (overlapping the ones before when the length is not a multiple of eight).
            hash = Mix(hash, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, last)));
        }
        else if (length >= sizeof(uint))
        {
            var low = Unsafe.ReadUnaligned<uint>(ref start);
            var high = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, length - sizeof(uint)));
            hash = Mix(hash, low | ((ulong)high << 32));
        }
        else
        {
            hash = Mix(hash, start | ((ulong)Unsafe.Add(ref start, length >> 1) << 8) | ((ulong)Unsafe.Add(ref start, length - 1) << 16));
        }

        hash ^= hash >> 29;
        hash *= Multiplier;
        return (int)(hash ^ (hash >> 32));

        static ulong Mix(ulong hash, ulong value) => BitOperations.RotateLeft((hash ^ value) * Multiplier, 27);
    }

    private sealed class Table
    {
        public readonly byte[] Bytes = new byte[Slots * MaxBytes];
        public readonly byte[] Lengths = new byte[Slots];
        public readonly int[] Codes = new int[Slots];
        public readonly string?[] Strings = new string?[Slots];
        public int Count;

        public void Clear()
        {
            Array.Clear(Codes);
            Array.Clear(Strings);
            Count = 0;
        }
    }
}
