using System;
using System.Buffers.Text;
using System.ComponentModel;
using System.Text.Json;

namespace Faustish.Serialization.Json;

/// <summary>Writes the JSON scalars that <see cref="Utf8JsonWriter"/> has no direct method for, as JsonSerializer does. Used by generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JsonValueWriter
{
    /// <summary>A one-character string.</summary>
    public static void WriteChar(Utf8JsonWriter writer, char value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(new ReadOnlySpan<char>(in value));
    }

    /// <summary>The constant ("c") format, e.g. <c>"1.02:03:04.0050000"</c>.</summary>
    public static void WriteTimeSpan(Utf8JsonWriter writer, TimeSpan value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<byte> buffer = stackalloc byte[26];
        Utf8Formatter.TryFormat(value, buffer, out var written, 'c');
        writer.WriteStringValue(buffer[..written]);
    }
}
