using System;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Faustish.Serialization;
using Faustish.Transport;

namespace Faustish.Topics;

/// <summary>What the runtime knows about a topic without knowing its types: name, partitions, type names.</summary>
public abstract class TopicDefinition
{
    /// <summary>Where a stream agent's records of this topic enter its stream.</summary>
    internal abstract Streams.IStreamInput CreateStreamInput(Streams.StreamRun run);

    protected TopicDefinition(string name, int partitions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        Name = name;
        Partitions = partitions;
    }

    public string Name { get; }

    public int Partitions { get; }

    /// <summary>
    /// How long records are kept, as declared (<c>[Topic(Retention = "1h")]</c>); null: the transport's default. Throws
    /// when it is not a duration.
    /// </summary>
    public string? Retention
    {
        get;
        init
        {
            RetentionMs = value is null ? null : TopicRetention.ParseMilliseconds(value, $"[Topic(\"{Name}\")] Retention");
            field = value;
        }
    }

    /// <summary><see cref="Retention"/> in milliseconds.</summary>
    public long? RetentionMs { get; private set; }

    /// <summary>How large each partition may grow before its oldest segments are deleted; null or 0: no limit.</summary>
    public long? RetentionBytes
    {
        get;
        init => field = value is null or 0 ? null
            : value > 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(RetentionBytes), value, $"[Topic(\"{Name}\")] RetentionBytes is {value}: declare a positive size in bytes, or 0 for no limit.");
    }

    public abstract Type KeyType { get; }

    public abstract Type ValueType { get; }

    /// <summary>
    /// Whether events of this topic take their time from their value (<c>[Topic(Timestamp = ...)]</c>) rather than from
    /// the record's own timestamp.
    /// </summary>
    public virtual bool HasEventTimestamp => false;

    /// <summary>
    /// What the event time is read from, as messages name it: a member of the value type (<c>PageView.At</c>) or a
    /// method of the topic class (<c>PageViews.EventTime(key, value, recordTimestampMs)</c>). The generator sets it with
    /// <see cref="TopicDefinition{TKey, TValue}.Timestamp"/>; null when there is none.
    /// </summary>
    public string? TimestampSource { get; init; }

    /// <summary>Encodes a key given as text (a CLI argument): strings as they are, numbers parsed, others as JSON.</summary>
    public abstract byte[] EncodeKeyText(string text);

    /// <summary>
    /// Encodes a value given as JSON text (for every value type: a string value is a JSON string, <c>"the quick"</c>),
    /// checking it against the value type. Throws <see cref="RecordDecodeException"/> naming what is wrong.
    /// </summary>
    public abstract byte[] EncodeValueText(string json);

    /// <summary>Renders encoded key bytes as text for people (CLI, logs). Throws <see cref="RecordDecodeException"/> when they do not decode.</summary>
    public abstract string FormatKey(ReadOnlySpan<byte> key);

    /// <summary>Renders encoded value bytes as text for people (CLI, logs). Throws <see cref="RecordDecodeException"/> when they do not decode.</summary>
    public abstract string FormatValue(ReadOnlySpan<byte> value);

    /// <summary>Decodes a record into its key and value, boxed (the test context's <c>Sent&lt;T&gt;()</c>; not for hot paths).</summary>
    /// <summary>
    /// The time a record of this topic counts at when another part reads it beside an agent's own (a join's right side, a
    /// table's source): the time its value gives (<c>[Topic(Timestamp = ...)]</c>), else its own timestamp, which is also
    /// what a record gets whose value does not decode or gives no usable time (whoever applies it reports that).
    /// </summary>
    internal virtual long EventTimeOf(RecordBatch batch, in BatchRecord record) => record.TimestampMs;

    internal virtual (object? Key, object? Value) Decode(ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull) =>
        throw new NotSupportedException($"Topic '{Name}' ({GetType().Name}) cannot decode records into values.");
}

/// <summary>
/// The event time of a record, in Unix milliseconds, taken from its decoded key and value and its own timestamp (see
/// <see cref="TopicDefinition{TKey, TValue}.Timestamp"/>).
/// </summary>
/// <param name="key">The record's key, as decoded (null for a record without key).</param>
/// <param name="value">The record's value, as decoded (null for a record without value: it keeps <paramref name="recordTimestampMs"/>).</param>
/// <param name="recordTimestampMs">The record's own timestamp (the producer's or broker's time).</param>
public delegate long TopicTimestamp<TKey, TValue>(TKey key, TValue value, long recordTimestampMs);

/// <summary>A topic's name, partition count and codecs. The generator emits one per <c>[Topic]</c> class.</summary>
public sealed class TopicDefinition<TKey, TValue>(string name, int partitions, IRecordCodec<TKey> keyCodec, IRecordCodec<TValue> valueCodec)
    : TopicDefinition(name, partitions)
{
    public IRecordCodec<TKey> KeyCodec { get; } = keyCodec ?? throw new ArgumentNullException(nameof(keyCodec));

    public IRecordCodec<TValue> ValueCodec { get; } = valueCodec ?? throw new ArgumentNullException(nameof(valueCodec));

    /// <summary>
    /// Where an event's time comes from when the topic declares <c>[Topic(Timestamp = ...)]</c>: the generator sets it
    /// (with <see cref="TopicDefinition.TimestampSource"/>). Null: events keep their records' own timestamps. It may
    /// return a negative time (not usable) or throw (a user's method): read it with <see cref="TryGetEventTime"/>, which
    /// turns both into the failure to report.
    /// </summary>
    public TopicTimestamp<TKey, TValue>? Timestamp { get; init; }

    public override bool HasEventTimestamp => Timestamp is not null;

    internal override long EventTimeOf(RecordBatch batch, in BatchRecord record)
    {
        if (Timestamp is null || record.KeyIsNull || record.ValueIsNull)
        {
            return record.TimestampMs;
        }

        try
        {
            return TryGetEventTime(KeyCodec.Read(batch.KeyOf(in record)), ValueCodec.Read(batch.ValueOf(in record)), record.TimestampMs, out var time, out _)
                ? time
                : record.TimestampMs;
        }
        catch (RecordDecodeException)
        {
            return record.TimestampMs;
        }
    }

    /// <summary>
    /// The event time of a decoded record: <see cref="Timestamp"/>'s, or <paramref name="recordTimestampMs"/> when the
    /// topic has none. False, with the exception to hand to the error policy, when the time is not usable (before
    /// 1970-01-01) or <see cref="Timestamp"/> threw.
    /// </summary>
    public bool TryGetEventTime(TKey key, TValue value, long recordTimestampMs, out long eventTimeMs, [NotNullWhen(false)] out RecordDecodeException? unusable)
    {
        unusable = null;
        if (Timestamp is not { } timestamp)
        {
            eventTimeMs = recordTimestampMs;
            return true;
        }

        try
        {
            eventTimeMs = timestamp(key, value, recordTimestampMs);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            eventTimeMs = -1;
            unusable = EventTimestamps.Failed(this, exception);
            return false;
        }

        if (eventTimeMs < 0)
        {
            unusable = EventTimestamps.Unusable(this, eventTimeMs);
            return false;
        }

        return true;
    }

    public override Type KeyType => typeof(TKey);

    internal override Streams.IStreamInput CreateStreamInput(Streams.StreamRun run) => new StreamInput<TKey, TValue>(run, this);

    public override Type ValueType => typeof(TValue);

    public override byte[] EncodeKeyText(string text) => CodecText.Encode(KeyCodec, text);

    public override byte[] EncodeValueText(string json) => CodecText.EncodeJson(ValueCodec, json);

    public override string FormatKey(ReadOnlySpan<byte> key)
    {
        _ = KeyCodec.Read(key); // JSON is shown as it was written, once the codec reads it.
        return CodecText.Format(KeyCodec, key);
    }

    public override string FormatValue(ReadOnlySpan<byte> value)
    {
        _ = ValueCodec.Read(value);
        return CodecText.Format(ValueCodec, value);
    }

    internal override (object? Key, object? Value) Decode(ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull) =>
        (keyIsNull ? null : KeyCodec.Read(key), valueIsNull ? null : ValueCodec.Read(value));
}

/// <summary>Moves between text typed by people and a codec's bytes.</summary>
internal static class CodecText
{
    /// <summary>Parses <paramref name="text"/> as a <typeparamref name="T"/> and encodes it with <paramref name="codec"/>.</summary>
    public static byte[] Encode<T>(IRecordCodec<T> codec, string text)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(text);
        var value = Parse(codec, text);
        var buffer = new ArrayBufferWriter<byte>();
        codec.Write(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Parses <paramref name="json"/> as one JSON value of type <typeparamref name="T"/> and encodes it with
    /// <paramref name="codec"/>: the same text means the same value whatever the codec, so a string is written in quotes
    /// and stored without them.
    /// </summary>
    public static byte[] EncodeJson<T>(IRecordCodec<T> codec, string json)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(json);
        if (codec is not (PrimitiveCodecs.StringCodec or PrimitiveCodecs.Int32Codec or PrimitiveCodecs.Int64Codec or PrimitiveCodecs.DoubleCodec))
        {
            // The generated decoder throws naming the member (as a JSON path); what it reads is stored as its encoder writes it.
            var decoded = codec.Read(Encoding.UTF8.GetBytes(json));
            var encoded = new ArrayBufferWriter<byte>();
            codec.Write(encoded, decoded);
            return encoded.WrittenSpan.ToArray();
        }

        JsonElement element;
        try
        {
            using var document = JsonDocument.Parse(json);
            element = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            var hint = codec is PrimitiveCodecs.StringCodec ? $" A string is written in JSON quotes: '\"{Truncate(json)}\"'." : "";
            throw new RecordDecodeException($"'{Truncate(json)}' is not JSON ({ex.Message}).{hint}", ex) { Path = "$" };
        }

        object value = codec switch
        {
            PrimitiveCodecs.StringCodec => element.ValueKind == JsonValueKind.String ? element.GetString()! : throw NotA(element, "a JSON string (in quotes)"),
            PrimitiveCodecs.Int32Codec => element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var i) ? i : throw NotA(element, "an int"),
            PrimitiveCodecs.Int64Codec => element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var l) ? l : throw NotA(element, "a long"),
            _ => element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var d) ? d : throw NotA(element, "a double"),
        };
        var buffer = new ArrayBufferWriter<byte>();
        codec.Write(buffer, (T)value);
        return buffer.WrittenSpan.ToArray();

        static RecordDecodeException NotA(JsonElement element, string expected) =>
            new($"$: expected {expected} but found {Truncate(element.GetRawText())}.") { Path = "$" };
    }

    private static string Truncate(string text) => text.Length <= 60 ? text : text[..57] + "...";

    /// <summary>Parses text: JSON for JSON codecs, plain text for Kafka's primitive encodings.</summary>
    public static T Parse<T>(IRecordCodec<T> codec, string text)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(text);
        object parsed = codec switch
        {
            PrimitiveCodecs.StringCodec => text,
            PrimitiveCodecs.Int32Codec => ParseNumber(text, static s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture), "an int"),
            PrimitiveCodecs.Int64Codec => ParseNumber(text, static s => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture), "a long"),
            PrimitiveCodecs.DoubleCodec => ParseNumber(text, static s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture), "a double"),
            _ => codec.Read(Encoding.UTF8.GetBytes(text))!,
        };
        return (T)parsed;
    }

    public static string Format<T>(IRecordCodec<T> codec, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(codec);
        return codec switch
        {
            PrimitiveCodecs.StringCodec or PrimitiveCodecs.Int32Codec or PrimitiveCodecs.Int64Codec or PrimitiveCodecs.DoubleCodec =>
                Convert.ToString(codec.Read(bytes), CultureInfo.InvariantCulture) ?? "",
            _ => Encoding.UTF8.GetString(bytes),
        };
    }

    private static object ParseNumber<TNumber>(string text, Func<string, TNumber> parse, string what) where TNumber : notnull
    {
        try
        {
            return parse(text.Trim());
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new RecordDecodeException($"'{text}' is not {what}.", ex);
        }
    }
}
