using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Faustish.Serialization;

/// <summary>
/// Kafka's own encodings for primitive keys and values, so records interoperate with other Kafka clients
/// (Kafka's <c>StringSerializer</c>, <c>IntegerSerializer</c>, <c>LongSerializer</c>, <c>DoubleSerializer</c>).
/// </summary>
public static class PrimitiveCodecs
{
    public static IRecordCodec<string> Utf8String { get; } = new StringCodec();
    public static IRecordCodec<int> Int32BigEndian { get; } = new Int32Codec();
    public static IRecordCodec<long> Int64BigEndian { get; } = new Int64Codec();
    public static IRecordCodec<double> DoubleBigEndian { get; } = new DoubleCodec();

    /// <summary>UTF-8 bytes, as Kafka's <c>StringSerializer</c>. Short strings read repeatedly on a thread (keys) are
    /// one instance each (<see cref="Utf8StringCache"/>), so decoding a hot key allocates nothing.</summary>
    public sealed class StringCodec : IRecordCodec<string>
    {
        public void Write(IBufferWriter<byte> output, string value)
        {
            ArgumentNullException.ThrowIfNull(output);
            ArgumentNullException.ThrowIfNull(value);
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
            output.Advance(Encoding.UTF8.GetBytes(value, span));
        }

        public string Read(ReadOnlySpan<byte> data)
        {
            try
            {
                return Utf8StringCache.Get(data, Utf8);
            }
            catch (DecoderFallbackException ex)
            {
                throw new RecordDecodeException("Expected UTF-8 text for a string, but the bytes are not valid UTF-8.", ex);
            }
        }

        private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    }

    /// <summary>Four bytes, big-endian, as Kafka's <c>IntegerSerializer</c>.</summary>
    public sealed class Int32Codec : IRecordCodec<int>
    {
        public void Write(IBufferWriter<byte> output, int value)
        {
            ArgumentNullException.ThrowIfNull(output);
            BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), value);
            output.Advance(4);
        }

        public int Read(ReadOnlySpan<byte> data) => data.Length == 4
            ? BinaryPrimitives.ReadInt32BigEndian(data)
            : throw WrongSize("an int (Kafka IntegerSerializer)", 4, data.Length);
    }

    /// <summary>Eight bytes, big-endian, as Kafka's <c>LongSerializer</c>.</summary>
    public sealed class Int64Codec : IRecordCodec<long>
    {
        public void Write(IBufferWriter<byte> output, long value)
        {
            ArgumentNullException.ThrowIfNull(output);
            BinaryPrimitives.WriteInt64BigEndian(output.GetSpan(8), value);
            output.Advance(8);
        }

        public long Read(ReadOnlySpan<byte> data) => data.Length == 8
            ? BinaryPrimitives.ReadInt64BigEndian(data)
            : throw WrongSize("a long (Kafka LongSerializer)", 8, data.Length);
    }

    /// <summary>Eight bytes, big-endian IEEE 754, as Kafka's <c>DoubleSerializer</c>.</summary>
    public sealed class DoubleCodec : IRecordCodec<double>
    {
        public void Write(IBufferWriter<byte> output, double value)
        {
            ArgumentNullException.ThrowIfNull(output);
            BinaryPrimitives.WriteDoubleBigEndian(output.GetSpan(8), value);
            output.Advance(8);
        }

        public double Read(ReadOnlySpan<byte> data) => data.Length == 8
            ? BinaryPrimitives.ReadDoubleBigEndian(data)
            : throw WrongSize("a double (Kafka DoubleSerializer)", 8, data.Length);
    }

    private static RecordDecodeException WrongSize(string what, int expected, int actual) =>
        new($"Expected {expected} bytes for {what}, but the record has {actual}.");
}
