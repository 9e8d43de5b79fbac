using System;
using System.Buffers;
using System.Text.Json;

namespace Faustish.Serialization.Json;

/// <summary>
/// Base of the JSON codecs the generator emits for record types. The JSON is what
/// <see cref="JsonSerializer"/> reads and writes with <see cref="JsonSerializerDefaults.Web"/>
/// (camelCase names, case-insensitive names on read, numbers readable from strings), so producers and
/// consumers written with other tools interoperate.
/// </summary>
/// <remarks>
/// <see cref="Write"/> reuses one <see cref="Utf8JsonWriter"/> per thread and <see cref="Read"/> reads from the
/// span directly: neither allocates beyond what the value itself needs. Nested codecs call each other's
/// <see cref="WriteJson"/> and <see cref="ReadJson"/>.
/// </remarks>
public abstract class JsonRecordCodec<T> : IRecordCodec<T>
{
    // Same limits as JsonSerializer's defaults: depth 64, no comments, no trailing commas.
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    /// <summary>Writes <paramref name="value"/> as one JSON value.</summary>
    public abstract void WriteJson(Utf8JsonWriter writer, T value);

    /// <summary>
    /// Reads one JSON value. The reader is on the value's first token; on return it is on the value's last token
    /// (the same convention as <c>JsonConverter&lt;T&gt;.Read</c>).
    /// </summary>
    public abstract T ReadJson(ref Utf8JsonReader reader);

    /// <summary>
    /// Reads one JSON value, decoding only the members whose bits are set in <paramref name="members"/> (bit <c>i</c>:
    /// the codec's member <c>i</c>, in declaration order). A member left out is checked to start with a token of its
    /// kind and skipped, and the value gets the member's default; a token of another kind is read, and fails as the
    /// whole read would. Codecs that cannot leave members out read them all.
    /// </summary>
    public virtual T ReadJson(ref Utf8JsonReader reader, ulong members) => ReadJson(ref reader);

    /// <summary>
    /// Reads <paramref name="data"/> if it is exactly in the layout <see cref="WriteJson"/> writes (see
    /// <see cref="JsonExactReader"/>), the members in <paramref name="members"/> only, without the tokenizer; returns
    /// <see langword="false"/>, having built nothing, at the first byte that differs, and <see cref="Read(ReadOnlySpan{byte})"/>
    /// then reads the value with <see cref="Utf8JsonReader"/>. Generated object codecs override it; the value's own
    /// constructor may still throw, as it would in the reader's read.
    /// </summary>
    protected virtual bool TryReadExact(ReadOnlySpan<byte> data, ulong members, out T value)
    {
        value = default!;
        return false;
    }

    /// <summary>
    /// Reads <paramref name="data"/>, if it is in the layout <see cref="WriteJson"/> writes, into
    /// <paramref name="target"/>, setting the members in <paramref name="members"/> only; for a caller that holds the
    /// only reference to <paramref name="target"/> and reuses it for every record (the generated loop of an agent that
    /// only reads members of its value, and only while it runs). Returns <see langword="false"/> when the bytes are in
    /// another layout (or are <c>null</c>), or the codec cannot read into an instance: <paramref name="target"/> may then
    /// be partly set, and <see cref="Read(ReadOnlySpan{byte}, ulong)"/> reads the value. Generated codecs of positional
    /// records override it.
    /// </summary>
    public virtual bool TryReadInto(ReadOnlySpan<byte> data, ulong members, T target) => false;

    /// <inheritdoc />
    public void Write(IBufferWriter<byte> output, T value)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = JsonWriterCache.Rent(output);
        try
        {
            WriteJson(writer, value);
            writer.Flush();
        }
        finally
        {
            JsonWriterCache.Return(writer);
        }
    }

    /// <inheritdoc />
    public T Read(ReadOnlySpan<byte> data)
    {
        try
        {
            if (TryReadExact(data, ulong.MaxValue, out var exact))
            {
                return exact;
            }

            var reader = new Utf8JsonReader(data, ReaderOptions);
            if (!reader.Read())
            {
                JsonReadErrors.ThrowEmpty();
            }

            var value = ReadJson(ref reader);

            // With isFinalBlock the reader itself rejects anything but whitespace after the value.
            if (reader.Read())
            {
                JsonReadErrors.ThrowTrailingData();
            }

            return value;
        }
        catch (Exception exception) when (JsonReadErrors.IsDecodeFailure(exception))
        {
            throw JsonReadErrors.ToDecodeException(exception, data);
        }
    }

    /// <summary>
    /// Decodes a value as <see cref="Read(ReadOnlySpan{byte})"/> does, but only the members set in
    /// <paramref name="members"/> (see <see cref="ReadJson(ref Utf8JsonReader, ulong)"/>): a generated agent loop passes
    /// the members its agent reads. When this fails, the whole read decides: it succeeds where only a left-out member's
    /// default failed (a constructor that rejects it), and otherwise throws <see cref="RecordDecodeException"/> saying
    /// what is wrong and where.
    /// </summary>
    public T Read(ReadOnlySpan<byte> data, ulong members)
    {
        try
        {
            if (TryReadExact(data, members, out var exact))
            {
                return exact;
            }

            var reader = new Utf8JsonReader(data, ReaderOptions);
            if (reader.Read())
            {
                var value = ReadJson(ref reader, members);
                if (!reader.Read())
                {
                    return value;
                }
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Fall through to the whole read.
        }

        return Read(data);
    }
}
