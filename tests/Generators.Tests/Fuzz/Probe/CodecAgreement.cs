// Compiled twice: into the test assembly (so it is checked like any test code) and, from the embedded copy, into every
// fuzz input that has JSON codecs, where the generated probe calls it with the input's own codecs and values.
using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Faustish.Serialization;
using Faustish.Serialization.Json;

namespace Faustish.Generators.Tests.Fuzz.Probe;

/// <summary>
/// Checks that a generated codec agrees with <see cref="JsonSerializer"/> (web defaults and the type's attributes) on
/// one value: the same bytes written; what either writes, the codec reads back to an equal value; and variants that
/// JsonSerializer reads with web defaults — indented, names in other case, numbers in strings, unknown members —
/// the codec reads to the value JsonSerializer reads. Values are compared by JsonSerializer's own view of them.
/// </summary>
public static class CodecAgreement
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>Web defaults, but indented, names in upper case, numbers written as strings and unknown members in every object.</summary>
    private static readonly JsonSerializerOptions Variant = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        PropertyNamingPolicy = new UpperCase(),
        NumberHandling = JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { AddUnknownMembers } },
    };

    private static readonly JsonElement Unknown = JsonDocument.Parse("""{"a":[1,"x",null,{"b":true,"c":{}}],"d":-1.5e3}""").RootElement.Clone();

    /// <summary>Adds to <paramref name="failures"/> every way <paramref name="codec"/> disagrees with JsonSerializer on <paramref name="value"/>.</summary>
    public static void Check<T>(List<string> failures, string label, IRecordCodec<T> codec, T value)
    {
        if (codec is not JsonRecordCodec<T>)
        {
            return; // Kafka's primitive encodings are not JSON.
        }

        try
        {
            var expected = JsonSerializer.SerializeToUtf8Bytes(value, Web);
            var written = Encode(codec, value);
            if (!expected.AsSpan().SequenceEqual(written))
            {
                failures.Add($"{label}: the codec writes {Show(written)} but JsonSerializer writes {Show(expected)}");
                return;
            }

            ReadsAsJsonSerializer(failures, label, codec, expected, "JsonSerializer's own bytes");
            ReadsAsJsonSerializer(failures, label, codec, JsonSerializer.SerializeToUtf8Bytes(value, Variant), "indented, names in upper case, numbers in strings, unknown members");
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            failures.Add($"{label}: {exception.GetType().Name}: {exception.Message}");
        }
    }

    /// <summary>Where JsonSerializer reads <paramref name="json"/>, the codec reads it to the same value; where it cannot, neither can the codec.</summary>
    private static void ReadsAsJsonSerializer<T>(List<string> failures, string label, IRecordCodec<T> codec, byte[] json, string variant)
    {
        string? byJsonSerializer;
        try
        {
            byJsonSerializer = Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(JsonSerializer.Deserialize<T>(json, Web), Web));
        }
        catch (JsonException)
        {
            byJsonSerializer = null;
        }

        string? byCodec;
        string? codecError = null;
        try
        {
            byCodec = Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(codec.Read(json), Web));
        }
        catch (RecordDecodeException exception)
        {
            byCodec = null;
            codecError = exception.Message;
        }

        if (byJsonSerializer != byCodec)
        {
            failures.Add($"{label} ({variant}): reading {Show(json)}, JsonSerializer gets {byJsonSerializer ?? "an error"} but the codec gets {byCodec ?? "an error: " + codecError}");
        }
    }

    private static byte[] Encode<T>(IRecordCodec<T> codec, T value)
    {
        var output = new ArrayBufferWriter<byte>();
        codec.Write(output, value);
        return output.WrittenSpan.ToArray();
    }

    private static string Show(ReadOnlySpan<byte> json)
    {
        var text = Encoding.UTF8.GetString(json);
        return text.Length <= 400 ? text : string.Concat(text.AsSpan(0, 400), "...");
    }

    private static void AddUnknownMembers(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        var first = typeInfo.CreateJsonPropertyInfo(typeof(JsonElement), "zzUnknownFirst");
        first.Get = _ => Unknown;
        typeInfo.Properties.Insert(0, first);
        var last = typeInfo.CreateJsonPropertyInfo(typeof(string), "zzUnknownLast");
        last.Get = _ => "ignored";
        typeInfo.Properties.Add(last);
    }

    private sealed class UpperCase : JsonNamingPolicy
    {
        public override string ConvertName(string name) => name.ToUpperInvariant();
    }
}
