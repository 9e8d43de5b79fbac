using System;
using System.Buffers;
using System.Buffers.Text;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace Faustish.Serialization.Json;

/// <summary>The kinds of JSON value a left-out member may hold and still be skipped (see <see cref="JsonExactReader.Skip"/>).</summary>
[Flags]
[EditorBrowsable(EditorBrowsableState.Never)]
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "JSON's own names for its kinds of value.")]
public enum JsonValueKinds
{
    None = 0,
    String = 1,
    Number = 2,
    Object = 4,
    Array = 8,
    Boolean = 16,
    Null = 32,
    Any = String | Number | Object | Array | Boolean | Null,
}

/// <summary>
/// Reads JSON in the one layout the generated writers produce (members in declaration order, no whitespace, escapes
/// of one character each, integers without fractions or exponents, dates as <c>yyyy-MM-ddTHH:mm:ss[.fffffff](Z|±HH:mm)</c>)
/// straight from the bytes, without <see cref="System.Text.Json.Utf8JsonReader"/>'s tokenizer. Used by generated
/// codecs' <c>TryScan</c>.
/// </summary>
/// <remarks>
/// Each method either consumes one value and returns <see langword="true"/>, or returns <see langword="false"/>
/// (the position is then of no use): it never throws and never guesses. Whatever it accepts,
/// <see cref="System.Text.Json.Utf8JsonReader"/> reads to the same value; everything else (valid JSON in another
/// layout, or invalid JSON) is left to <see cref="JsonRecordCodec{T}.Read(ReadOnlySpan{byte})"/>'s reader, which reads
/// it or says what is wrong.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JsonExactReader
{
    /// <summary>Deeper values are left to the reader (its limit is 64).</summary>
    public const int MaxDepth = 32;

    // What ends a string's plain run: its quote, an escape, or a control character (which JSON forbids in strings).
    private static readonly SearchValues<byte> StringStops = SearchValues.Create(
        [(byte)'"', (byte)'\\', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);

    // The same, and every byte that is not ASCII: while a string has been ASCII so far, one scan finds its end and shows
    // that its UTF-8 needs no validation.
    private static readonly SearchValues<byte> AsciiStringStops = SearchValues.Create([.. Enumerable.Range(0, 256).Select(b => (byte)b)
        .Where(b => b is (byte)'"' or (byte)'\\' or < 0x20 or >= 0x80)]);

    /// <summary>Consumes <paramref name="expected"/> (a member's <c>,"name":</c>, a brace) if the bytes at the position are exactly it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool ReadLiteral(ReadOnlySpan<byte> data, ref int position, ReadOnlySpan<byte> expected)
    {
        if ((uint)position > (uint)data.Length || !data[position..].StartsWith(expected))
        {
            return false;
        }

        position += expected.Length;
        return true;
    }

    /// <summary>Consumes <c>null</c> if it is next.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool ReadNull(ReadOnlySpan<byte> data, ref int position) => ReadLiteral(data, ref position, "null"u8);

    /// <summary>A string (see <see cref="StringBytes"/> for the escapes it takes), or <c>null</c> (as <see cref="JsonValueReader.ReadString"/>).</summary>
    public static bool ReadString(ReadOnlySpan<byte> data, ref int position, out string? value)
    {
        if (ReadNull(data, ref position))
        {
            value = null;
            return true;
        }

        if (!StringBytes(data, ref position, out var content, out var escaped))
        {
            value = null;
            return false;
        }

        value = escaped ? Unescape(content) : Encoding.UTF8.GetString(content);
        return true;
    }

    /// <summary><c>true</c> or <c>false</c>.</summary>
    public static bool ReadBoolean(ReadOnlySpan<byte> data, ref int position, out bool value)
    {
        value = ReadLiteral(data, ref position, "true"u8);
        return value || ReadLiteral(data, ref position, "false"u8);
    }

    /// <summary>An integer in the range of <see cref="int"/>, written without fraction or exponent.</summary>
    public static bool ReadInt32(ReadOnlySpan<byte> data, ref int position, out int value)
    {
        if (Integer(data, ref position, out var negative, out var magnitude) && magnitude <= (negative ? 2_147_483_648UL : int.MaxValue))
        {
            value = negative ? (int)(0 - (long)magnitude) : (int)magnitude;
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>An integer in the range of <see cref="long"/>, written without fraction or exponent.</summary>
    public static bool ReadInt64(ReadOnlySpan<byte> data, ref int position, out long value)
    {
        if (Integer(data, ref position, out var negative, out var magnitude) && magnitude <= (negative ? 9_223_372_036_854_775_808UL : long.MaxValue))
        {
            value = negative ? unchecked((long)(0 - magnitude)) : (long)magnitude;
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>
    /// A number in the range of <see cref="double"/>, parsed as <see cref="System.Text.Json.Utf8JsonReader.TryGetDouble"/>
    /// parses it (the same parser and format, once JSON's grammar holds); a number out of range is left to the reader.
    /// </summary>
    public static bool ReadDouble(ReadOnlySpan<byte> data, ref int position, out double value)
    {
        if (NumberAt(data, position, out var end, out var format) &&
            Utf8Parser.TryParse(data[position..end], out value, out var consumed, format) && consumed == end - position && double.IsFinite(value))
        {
            position = end;
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>A number in the range of <see cref="decimal"/>, parsed as <see cref="System.Text.Json.Utf8JsonReader.TryGetDecimal"/> parses it.</summary>
    public static bool ReadDecimal(ReadOnlySpan<byte> data, ref int position, out decimal value)
    {
        if (NumberAt(data, position, out var end, out var format) &&
            Utf8Parser.TryParse(data[position..end], out value, out var consumed, format) && consumed == end - position)
        {
            position = end;
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>
    /// Where the number at <paramref name="position"/> ends, if JSON's grammar holds, and the <see cref="Utf8Parser"/>
    /// format the reader parses it in ('e' when it has an exponent).
    /// </summary>
    private static bool NumberAt(ReadOnlySpan<byte> data, int position, out int end, out char format)
    {
        end = position;
        var number = SkipNumber(data, ref end, out var scientific);
        format = scientific ? 'e' : default;
        return number;
    }

    /// <summary>An enum of underlying type <see cref="int"/>, written as its number.</summary>
    public static bool ReadEnumInt32<TEnum>(ReadOnlySpan<byte> data, ref int position, out TEnum value)
        where TEnum : struct, Enum
    {
        value = default;
        if (Unsafe.SizeOf<TEnum>() != sizeof(int) || !ReadInt32(data, ref position, out var number))
        {
            return false;
        }

        value = Unsafe.As<int, TEnum>(ref number);
        return true;
    }

    /// <summary>An enum of underlying type <see cref="long"/>, written as its number.</summary>
    public static bool ReadEnumInt64<TEnum>(ReadOnlySpan<byte> data, ref int position, out TEnum value)
        where TEnum : struct, Enum
    {
        value = default;
        if (Unsafe.SizeOf<TEnum>() != sizeof(long) || !ReadInt64(data, ref position, out var number))
        {
            return false;
        }

        value = Unsafe.As<long, TEnum>(ref number);
        return true;
    }

    /// <summary>
    /// A date and time with offset as <see cref="System.Text.Json.Utf8JsonWriter"/> writes one:
    /// <c>"yyyy-MM-ddTHH:mm:ss[.f to .fffffff](Z|+HH:mm|-HH:mm)"</c>. Other ISO 8601 forms (no seconds, no offset,
    /// more digits) are left to the reader.
    /// </summary>
    public static bool ReadDateTimeOffset(ReadOnlySpan<byte> data, ref int position, out DateTimeOffset value)
    {
        value = default;
        // "yyyy-MM-ddTHH:mm:ss" and at least one more byte (the offset's first) within the quotes.
        if ((uint)position > (uint)data.Length || data.Length - position < 22)
        {
            return false;
        }

        var text = data.Slice(position, 21);
        if (text[0] != '"' || text[5] != '-' || text[8] != '-' || text[11] != 'T' || text[14] != ':' || text[17] != ':')
        {
            return false;
        }

        var year = (Digit(text[1]) * 1000) + (Digit(text[2]) * 100) + (Digit(text[3]) * 10) + Digit(text[4]);
        var month = TwoDigits(text[6], text[7]);
        var day = TwoDigits(text[9], text[10]);
        var hour = TwoDigits(text[12], text[13]);
        var minute = TwoDigits(text[15], text[16]);
        var second = TwoDigits(text[18], text[19]);
        // A byte that is no digit makes its field negative or too large for the checks below.
        if ((uint)(year - 1) > 9998 || (uint)(month - 1) > 11 || (uint)hour > 23 || (uint)minute > 59 || (uint)second > 59)
        {
            return false;
        }

        var leap = (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
        var daysBefore = DaysToMonth[month - 1] + (leap && month > 2 ? 1 : 0);
        var daysInMonth = DaysToMonth[month] - DaysToMonth[month - 1] + (leap && month == 2 ? 1 : 0);
        if ((uint)(day - 1) >= (uint)daysInMonth)
        {
            return false;
        }

        var p = position + 20;
        long fractionTicks = 0;
        if (data[p] == '.')
        {
            p++;
            var digits = 0;
            while (p < data.Length && IsDigit(data[p]))
            {
                if (++digits > 7)
                {
                    return false;
                }

                fractionTicks = (fractionTicks * 10) + (data[p++] - '0');
            }

            if (digits == 0)
            {
                return false;
            }

            fractionTicks *= FractionScale[digits];
        }

        var offsetMinutes = 0;
        if (p < data.Length && data[p] == 'Z')
        {
            p++;
        }
        else if (data.Length - p >= 6 && data[p] is (byte)'+' or (byte)'-' && data[p + 3] == ':')
        {
            var offsetHour = TwoDigits(data[p + 1], data[p + 2]);
            var offsetMinute = TwoDigits(data[p + 4], data[p + 5]);
            if ((uint)offsetMinute > 59 || (uint)((offsetHour * 60) + offsetMinute) > 14 * 60)
            {
                return false;
            }

            offsetMinutes = (data[p] == '-' ? -1 : 1) * ((offsetHour * 60) + offsetMinute);
            p += 6;
        }
        else
        {
            return false;
        }

        if (p >= data.Length || data[p] != '"')
        {
            return false;
        }

        var y = year - 1;
        long days = (y * 365L) + (y / 4) - (y / 100) + (y / 400) + daysBefore + day - 1;
        var ticks = (days * TimeSpan.TicksPerDay) + ((((hour * 60L) + minute) * 60) + second) * TimeSpan.TicksPerSecond + fractionTicks;
        var offsetTicks = offsetMinutes * TimeSpan.TicksPerMinute;
        if ((ulong)(ticks - offsetTicks) > (ulong)DateTime.MaxValue.Ticks)
        {
            return false;
        }

        value = new DateTimeOffset(ticks, new TimeSpan(offsetTicks));
        position = p + 1;
        return true;
    }

    // Days in a common year before each month, and how far a fraction of n digits is from 7 (ticks).
    private static readonly int[] DaysToMonth = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

    private static readonly long[] FractionScale = [1, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

    /// <summary>A digit's value; any other byte gives a value outside 0-9 (negative or over 9).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Digit(byte value) => (uint)(value - '0') <= 9 ? value - '0' : -100_000;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TwoDigits(byte tens, byte ones) => (Digit(tens) * 10) + Digit(ones);

    /// <summary>
    /// Skips one value of a left-out member, if it starts as one of <paramref name="kinds"/>: checked to be JSON (in this
    /// layout), not decoded.
    /// </summary>
    public static bool Skip(ReadOnlySpan<byte> data, ref int position, int depth, JsonValueKinds kinds)
    {
        if ((uint)position >= (uint)data.Length || depth > MaxDepth)
        {
            return false;
        }

        switch (data[position])
        {
            case (byte)'"':
                return (kinds & JsonValueKinds.String) != 0 && StringBytes(data, ref position, out _, out _);
            case (byte)'{':
                return (kinds & JsonValueKinds.Object) != 0 && SkipObject(data, ref position, depth);
            case (byte)'[':
                return (kinds & JsonValueKinds.Array) != 0 && SkipArray(data, ref position, depth);
            case (byte)'t':
                return (kinds & JsonValueKinds.Boolean) != 0 && ReadLiteral(data, ref position, "true"u8);
            case (byte)'f':
                return (kinds & JsonValueKinds.Boolean) != 0 && ReadLiteral(data, ref position, "false"u8);
            case (byte)'n':
                return (kinds & JsonValueKinds.Null) != 0 && ReadNull(data, ref position);
            default:
                return (kinds & JsonValueKinds.Number) != 0 && SkipNumber(data, ref position);
        }
    }

    private static bool SkipObject(ReadOnlySpan<byte> data, ref int position, int depth)
    {
        position++;
        if (Next(data, position) == '}')
        {
            position++;
            return true;
        }

        while (true)
        {
            if (!StringBytes(data, ref position, out _, out _) || Next(data, position) != ':')
            {
                return false;
            }

            position++;
            if (!Skip(data, ref position, depth + 1, JsonValueKinds.Any))
            {
                return false;
            }

            var next = Next(data, position++);
            if (next == '}')
            {
                return true;
            }

            if (next != ',')
            {
                return false;
            }
        }
    }

    private static bool SkipArray(ReadOnlySpan<byte> data, ref int position, int depth)
    {
        position++;
        if (Next(data, position) == ']')
        {
            position++;
            return true;
        }

        while (true)
        {
            if (!Skip(data, ref position, depth + 1, JsonValueKinds.Any))
            {
                return false;
            }

            var next = Next(data, position++);
            if (next == ']')
            {
                return true;
            }

            if (next != ',')
            {
                return false;
            }
        }
    }

    /// <summary>The byte at <paramref name="position"/>, or 0 (which no caller expects there) past the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Next(ReadOnlySpan<byte> data, int position) => (uint)position < (uint)data.Length ? data[position] : (byte)0;

    /// <summary>A number by JSON's grammar: <c>-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</summary>
    private static bool SkipNumber(ReadOnlySpan<byte> data, ref int position) => SkipNumber(data, ref position, out _);

    /// <inheritdoc cref="SkipNumber(ReadOnlySpan{byte}, ref int)"/>
    /// <param name="scientific">Whether it has an exponent (the reader then parses it in the 'e' format).</param>
    private static bool SkipNumber(ReadOnlySpan<byte> data, ref int position, out bool scientific)
    {
        scientific = false;
        var p = position;
        if (p < data.Length && data[p] == '-')
        {
            p++;
        }

        if (p >= data.Length || !IsDigit(data[p]))
        {
            return false;
        }

        if (data[p++] != '0')
        {
            p = DigitsEnd(data, p);
        }

        if (p < data.Length && data[p] == '.')
        {
            var end = DigitsEnd(data, p + 1);
            if (end == p + 1)
            {
                return false;
            }

            p = end;
        }

        if (p < data.Length && data[p] is (byte)'e' or (byte)'E')
        {
            scientific = true;
            p++;
            if (p < data.Length && data[p] is (byte)'+' or (byte)'-')
            {
                p++;
            }

            var end = DigitsEnd(data, p);
            if (end == p)
            {
                return false;
            }

            p = end;
        }

        // What follows must end the number: another digit (after a leading zero), point, exponent or sign would make the
        // token something else, which the reader decides.
        if (p < data.Length && (IsDigit(data[p]) || data[p] is (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+' or (byte)'-'))
        {
            return false;
        }

        position = p;
        return true;
    }

    /// <summary>An integer's sign and magnitude (at most 19 digits), followed by neither a digit, a fraction nor an exponent.</summary>
    private static bool Integer(ReadOnlySpan<byte> data, ref int position, out bool negative, out ulong magnitude)
    {
        magnitude = 0;
        var p = position;
        negative = p < data.Length && data[p] == '-';
        if (negative)
        {
            p++;
        }

        if (p >= data.Length || !IsDigit(data[p]))
        {
            return false;
        }

        var start = p;
        if (data[p] == '0')
        {
            p++;
        }
        else
        {
            while (p < data.Length && IsDigit(data[p]) && p - start < 19)
            {
                magnitude = (magnitude * 10) + (uint)(data[p++] - '0');
            }
        }

        if (p < data.Length && (IsDigit(data[p]) || data[p] is (byte)'.' or (byte)'e' or (byte)'E'))
        {
            return false;
        }

        position = p;
        return true;
    }

    /// <summary>
    /// A string's bytes between its quotes: valid UTF-8, no control characters, and escapes only of one character each
    /// (<c>\"</c>, <c>\n</c>, <c>\u00E9</c>; not of surrogates, which the reader pairs up): those the reader reads to the
    /// same text as <see cref="Unescape"/>.
    /// </summary>
    private static bool StringBytes(ReadOnlySpan<byte> data, ref int position, out ReadOnlySpan<byte> content, out bool escaped)
    {
        content = default;
        escaped = false;
        if ((uint)position >= (uint)data.Length || data[position] != '"')
        {
            return false;
        }

        var rest = data[(position + 1)..];
        var end = 0;
        var ascii = true;
        while (true)
        {
            var stop = rest[end..].IndexOfAny(ascii ? AsciiStringStops : StringStops);
            if (stop < 0)
            {
                return false;
            }

            end += stop;
            if (rest[end] == '"')
            {
                break;
            }

            if (rest[end] >= 0x80)
            {
                ascii = false; // validated below; scan on for the end only
                continue;
            }

            if (rest[end] != '\\' || EscapeLength(rest[end..]) is not (> 0 and var length))
            {
                return false;
            }

            escaped = true;
            end += length;
        }

        if (!ascii && !Utf8.IsValid(rest[..end]))
        {
            return false;
        }

        content = rest[..end];
        position += end + 2;
        return true;
    }

    /// <summary>The length of the escape at the start of <paramref name="escape"/>, or 0 for one left to the reader.</summary>
    private static int EscapeLength(ReadOnlySpan<byte> escape)
    {
        if (escape.Length < 2)
        {
            return 0;
        }

        switch (escape[1])
        {
            case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                return 2;
            case (byte)'u' when escape.Length >= 6 && Hex(escape[2..6], out var code) && !char.IsSurrogate((char)code):
                return 6;
            default:
                return 0;
        }
    }

    /// <summary>The text of a string's content checked by <see cref="StringBytes"/>, its escapes replaced.</summary>
    private static string Unescape(ReadOnlySpan<byte> content)
    {
        // Never more characters than bytes: a plain run decodes to at most as many, an escape of 2 or 6 to one.
        var rented = content.Length <= 256 ? null : ArrayPool<char>.Shared.Rent(content.Length);
        var buffer = rented is null ? stackalloc char[256] : rented;
        var written = 0;
        while (!content.IsEmpty)
        {
            var backslash = content.IndexOf((byte)'\\');
            var run = backslash < 0 ? content : content[..backslash];
            written += Encoding.UTF8.GetChars(run, buffer[written..]);
            if (backslash < 0)
            {
                break;
            }

            var escape = content[backslash..];
            buffer[written++] = escape[1] switch
            {
                (byte)'b' => '\b',
                (byte)'f' => '\f',
                (byte)'n' => '\n',
                (byte)'r' => '\r',
                (byte)'t' => '\t',
                (byte)'u' => Hex(escape[2..6], out var code) ? (char)code : '\0',
                var other => (char)other,
            };
            content = escape[(escape[1] == 'u' ? 6 : 2)..];
        }

        var text = new string(buffer[..written]);
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }

        return text;
    }

    private static bool Hex(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        foreach (var digit in digits)
        {
            var nibble = digit switch
            {
                >= (byte)'0' and <= (byte)'9' => digit - '0',
                >= (byte)'a' and <= (byte)'f' => digit - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => digit - 'A' + 10,
                _ => -1,
            };
            if (nibble < 0)
            {
                return false;
            }

            value = (value << 4) | nibble;
        }

        return true;
    }

    private static int DigitsEnd(ReadOnlySpan<byte> data, int p)
    {
        while (p < data.Length && IsDigit(data[p]))
        {
            p++;
        }

        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsDigit(byte value) => (uint)(value - '0') <= 9;
}
