using System;
using System.Buffers;

namespace Faustish.Serialization;

/// <summary>
/// Turns keys or values into bytes and back. The generator emits one per record type (JSON over
/// <see cref="System.Text.Json.Utf8JsonReader"/>/<see cref="System.Text.Json.Utf8JsonWriter"/>); primitive
/// keys and values use Kafka's own encodings (<see cref="PrimitiveCodecs"/>).
/// </summary>
public interface IRecordCodec<T>
{
    /// <summary>Appends the encoded value to <paramref name="output"/>.</summary>
    void Write(IBufferWriter<byte> output, T value);

    /// <summary>Decodes a value, or throws <see cref="RecordDecodeException"/> saying what is wrong and where.</summary>
    T Read(ReadOnlySpan<byte> data);
}
