using System;
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
        var hash = new HashCode();
        hash.AddBytes(utf8);
        var code = hash.ToHashCode() | 1; // 0 marks an empty slot
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
