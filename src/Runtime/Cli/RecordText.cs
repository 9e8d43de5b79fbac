using System;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Faustish.Serialization;
using Faustish.Topics;
using Faustish.Transport;

namespace Faustish.Cli;

/// <summary>How the CLI shows bytes that do not decode.</summary>
public enum RawBytes
{
    /// <summary>Lower-case hexadecimal, prefixed <c>hex:</c>.</summary>
    Hex,

    /// <summary>Standard base64, prefixed <c>base64:</c>.</summary>
    Base64,
}

/// <summary>
/// Renders records for people, one line each: keys as <c>send --key</c> takes them, values as JSON (as
/// <c>send --value</c> takes them), and bytes that do not decode as <c>hex:…</c> or <c>base64:…</c> with the reason.
/// </summary>
internal static class RecordText
{
    /// <summary><c>{topic}[{partition}]@{offset} {time} key=… value=…</c>.</summary>
    public static string Line(TopicDefinition? topic, RecordBatch batch, in BatchRecord record, RawBytes raw) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{batch.Topic}[{batch.Partition}]@{record.Offset} {Time(record.TimestampMs)} key={Key(topic, batch.KeyOf(in record), record.KeyIsNull, raw)} value={Value(topic, batch.ValueOf(in record), record.ValueIsNull, raw)}");

    public static string Time(long timestampMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(timestampMs).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    public static string Key(TopicDefinition? topic, ReadOnlySpan<byte> key, bool isNull, RawBytes raw)
    {
        if (isNull)
        {
            return "(none)";
        }

        if (topic is null)
        {
            return Bytes(key, raw);
        }

        try
        {
            return topic.FormatKey(key);
        }
        catch (RecordDecodeException e)
        {
            return $"{Bytes(key, raw)} (does not decode as {topic.KeyType.Name}: {e.Message})";
        }
    }

    public static string Value(TopicDefinition? topic, ReadOnlySpan<byte> value, bool isNull, RawBytes raw)
    {
        if (isNull)
        {
            return "(tombstone)";
        }

        if (topic is null)
        {
            return Bytes(value, raw);
        }

        try
        {
            var text = topic.FormatValue(value);
            // Primitive values are shown as the JSON send --value takes: strings in quotes.
            return topic.ValueType == typeof(string) ? "\"" + JsonEncodedText.Encode(text, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping) + "\"" : text;
        }
        catch (RecordDecodeException e)
        {
            return $"{Bytes(value, raw)} (does not decode as {topic.ValueType.Name}: {e.Message})";
        }
    }

    /// <summary>Bytes as <c>hex:…</c> or <c>base64:…</c>, so the reader knows which.</summary>
    public static string Bytes(ReadOnlySpan<byte> bytes, RawBytes raw) =>
        raw == RawBytes.Base64 ? "base64:" + Convert.ToBase64String(bytes) : "hex:" + Convert.ToHexStringLower(bytes);

    /// <summary>A header's value as text when it is UTF-8, otherwise as raw bytes.</summary>
    public static string HeaderValue(RecordHeader header, RawBytes raw)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(header.Value);
        }
        catch (DecoderFallbackException)
        {
            return Bytes(header.Value, raw);
        }
    }
}
