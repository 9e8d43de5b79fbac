using System;
using System.Buffers;
using System.Buffers.Text;
using System.ComponentModel;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Faustish.Serialization.Json;

/// <summary>
/// Reads JSON scalars the way <see cref="JsonSerializer"/> does with <see cref="JsonSerializerDefaults.Web"/>:
/// numbers also from strings (<c>"42"</c>), strict token types otherwise. Each method expects the reader on the
/// value's token and fails with a message that says what was expected and what was found. Used by generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JsonValueReader
{
    private const NumberStyles IntegerStyle = NumberStyles.AllowLeadingSign;
    private const NumberStyles FloatStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    public static bool ReadBoolean(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        var other => JsonReadErrors.ThrowUnexpectedToken<bool>(other, "a boolean"),
    };

    public static byte ReadByte(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetByte(out var value) ? value : ReadNumberSlow<byte>(ref reader, IntegerStyle, "a Byte");

    public static sbyte ReadSByte(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetSByte(out var value) ? value : ReadNumberSlow<sbyte>(ref reader, IntegerStyle, "an SByte");

    public static short ReadInt16(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt16(out var value) ? value : ReadNumberSlow<short>(ref reader, IntegerStyle, "an Int16");

    public static ushort ReadUInt16(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetUInt16(out var value) ? value : ReadNumberSlow<ushort>(ref reader, IntegerStyle, "a UInt16");

    public static int ReadInt32(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : ReadNumberSlow<int>(ref reader, IntegerStyle, "an Int32");

    public static uint ReadUInt32(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetUInt32(out var value) ? value : ReadNumberSlow<uint>(ref reader, IntegerStyle, "a UInt32");

    public static long ReadInt64(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : ReadNumberSlow<long>(ref reader, IntegerStyle, "an Int64");

    public static ulong ReadUInt64(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out var value) ? value : ReadNumberSlow<ulong>(ref reader, IntegerStyle, "a UInt64");

    public static float ReadSingle(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetSingle(out var value) ? value : ReadNumberSlow<float>(ref reader, FloatStyle, "a Single");

    public static double ReadDouble(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value) ? value : ReadNumberSlow<double>(ref reader, FloatStyle, "a Double");

    public static decimal ReadDecimal(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out var value) ? value : ReadNumberSlow<decimal>(ref reader, FloatStyle | NumberStyles.AllowExponent, "a Decimal");

    /// <summary>A string, or <see langword="null"/> for JSON <c>null</c> (as JsonSerializer, whatever the member's annotation).</summary>
    public static string? ReadString(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        var other => JsonReadErrors.ThrowUnexpectedToken<string?>(other, "a string"),
    };

    /// <summary>A string of exactly one UTF-16 code unit.</summary>
    public static char ReadChar(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return JsonReadErrors.ThrowUnexpectedToken<char>(reader.TokenType, "a one-character string");
        }

        // One UTF-16 unit is at most 3 UTF-8 bytes, or 6 when escaped.
        if (reader.ValueSpan.Length <= 6)
        {
            Span<char> buffer = stackalloc char[6];
            if (reader.CopyString(buffer) == 1)
            {
                return buffer[0];
            }
        }

        JsonReadErrors.ThrowInvalidValue($"a string of length {reader.GetString()!.Length}", "a one-character string");
        return default;
    }

    public static DateTime ReadDateTime(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTime(out var value))
        {
            return value;
        }

        return InvalidString<DateTime>(ref reader, "an ISO 8601 date and time");
    }

    public static DateTimeOffset ReadDateTimeOffset(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var value))
        {
            return value;
        }

        return InvalidString<DateTimeOffset>(ref reader, "an ISO 8601 date and time with offset");
    }

    public static Guid ReadGuid(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String && reader.TryGetGuid(out var value))
        {
            return value;
        }

        return InvalidString<Guid>(ref reader, "a GUID");
    }

    /// <summary>A time span in the constant ("c") format, e.g. <c>"1.02:03:04.005"</c>, as JsonSerializer writes it.</summary>
    public static TimeSpan ReadTimeSpan(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            Span<byte> buffer = stackalloc byte[64];
            var length = reader.ValueIsEscaped ? Unescape(ref reader, buffer) : -2;
            ReadOnlySpan<byte> text = length == -2 ? reader.ValueSpan : length >= 0 ? buffer[..length] : default;
            if (text.Length > 0
                && (char.IsAsciiDigit((char)text[0]) || text[0] == (byte)'-')
                && char.IsAsciiDigit((char)text[^1])
                && Utf8Parser.TryParse(text, out TimeSpan value, out var consumed, 'c')
                && consumed == text.Length)
            {
                return value;
            }
        }

        return InvalidString<TimeSpan>(ref reader, "a time span (d.hh:mm:ss.fffffff)");
    }

    /// <summary>Base64 bytes, or <see langword="null"/> for JSON <c>null</c>.</summary>
    public static byte[]? ReadBytes(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.String && reader.TryGetBytesFromBase64(out var value))
        {
            return value;
        }

        return InvalidString<byte[]>(ref reader, "a base64 string");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T ReadNumberSlow<T>(ref Utf8JsonReader reader, NumberStyles style, string expected)
        where T : INumberBase<T>
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            // A number, but not one that fits (too large, or a fraction for an integer).
            JsonReadErrors.ThrowInvalidValue(System.Text.Encoding.UTF8.GetString(reader.ValueSpan), expected);
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            // "an Int32" -> "a number (Int32)"
            JsonReadErrors.ThrowUnexpectedToken(reader.TokenType, $"a number ({expected[(expected.IndexOf(' ', StringComparison.Ordinal) + 1)..]})");
        }

        // JsonNumberHandling.AllowReadingFromString: the whole string must be the number, no whitespace.
        Span<byte> buffer = stackalloc byte[128];
        var length = reader.ValueIsEscaped ? Unescape(ref reader, buffer) : -2;
        ReadOnlySpan<byte> text = length == -2 ? reader.ValueSpan : length >= 0 ? buffer[..length] : default;
        if (text.Length > 0 && T.TryParse(text, style, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        JsonReadErrors.ThrowInvalidValue($"the string \"{reader.GetString()}\"", expected);
        return default!;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T InvalidString<T>(ref Utf8JsonReader reader, string expected)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            JsonReadErrors.ThrowUnexpectedToken(reader.TokenType, $"a string ({expected})");
        }

        JsonReadErrors.ThrowInvalidValue($"\"{reader.GetString()}\"", expected);
        return default!;
    }

    /// <summary>Unescapes the current string into <paramref name="buffer"/>; -1 when it does not fit.</summary>
    private static int Unescape(ref Utf8JsonReader reader, scoped Span<byte> buffer) =>
        reader.ValueSpan.Length <= buffer.Length ? reader.CopyString(buffer) : -1;

    /// <summary>
    /// Copies the current property name (or string), unescaped, into <paramref name="buffer"/> for a
    /// case-insensitive comparison. Returns the number of characters, or -1 when the name cannot fit, in which
    /// case it cannot equal any name of at most <paramref name="buffer"/>.Length characters either.
    /// </summary>
    public static int CopyName(ref Utf8JsonReader reader, scoped Span<char> buffer)
    {
        var raw = reader.ValueSpan;
        if (!reader.ValueIsEscaped)
        {
            // Each UTF-16 unit needs at least one UTF-8 byte and at most three.
            if (raw.Length > buffer.Length * 3)
            {
                return -1;
            }

            var status = System.Text.Unicode.Utf8.ToUtf16(raw, buffer, out _, out var written);
            return status == OperationStatus.Done ? written : -1;
        }

        // Escaped: at most 6 bytes ("\uXXXX") per UTF-16 unit.
        if (raw.Length > buffer.Length * 6)
        {
            return -1;
        }

        var rented = ArrayPool<char>.Shared.Rent(raw.Length);
        try
        {
            var length = reader.CopyString(rented);
            if (length > buffer.Length)
            {
                return -1;
            }

            rented.AsSpan(0, length).CopyTo(buffer);
            return length;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Whether trimmed text is an integer as JsonStringEnumConverter accepts one inside a string (<c>"3"</c>, <c>"-1"</c>):
    /// an optional sign, then digits only.
    /// </summary>
    public static bool IsIntegerText(ReadOnlySpan<char> text)
    {
        var start = text.Length > 0 && text[0] is '+' or '-' ? 1 : 0;
        if (start == text.Length)
        {
            return false;
        }

        for (var i = start; i < text.Length; i++)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}
