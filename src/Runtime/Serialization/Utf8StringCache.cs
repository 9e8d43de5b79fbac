using System;
using System.Text;

namespace Faustish.Serialization;

/// <summary>
/// Recently decoded short strings, per thread, so that a hot key (a page path, a user id) decoded for every event is
/// the same string instance each time instead of a new allocation. Strings are immutable, so sharing one is invisible
/// to the code that receives it. A direct-mapped table: a slot holds the last string whose UTF-8 bytes hashed there.
/// </summary>
internal static class Utf8StringCache
{
    /// <summary>Longer strings are decoded every time (keys are short; long texts rarely repeat).</summary>
    public const int MaxBytes = 64;

    private const int Slots = 4096;

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
        var slot = hash.ToHashCode() & (Slots - 1);
        var bytes = table.Bytes.AsSpan(slot * MaxBytes, MaxBytes);
        ref var cached = ref table.Strings[slot];
        if (cached is not null && table.Lengths[slot] == utf8.Length && bytes[..utf8.Length].SequenceEqual(utf8))
        {
            return cached;
        }

        // Decode first: invalid UTF-8 throws and leaves the slot as it was.
        var text = encoding.GetString(utf8);
        utf8.CopyTo(bytes);
        table.Lengths[slot] = (byte)utf8.Length;
        cached = text;
        return text;
    }

    private sealed class Table
    {
        public readonly byte[] Bytes = new byte[Slots * MaxBytes];
        public readonly byte[] Lengths = new byte[Slots];
        public readonly string?[] Strings = new string?[Slots];
    }
}
