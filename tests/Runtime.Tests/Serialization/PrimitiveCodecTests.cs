using System;
using System.Buffers;
using Faustish.Serialization;
using Faustish.Topics;

namespace Faustish.Tests.Serialization;

public sealed class PrimitiveCodecTests
{
    [Fact]
    public void Numbers_use_Kafkas_big_endian_encodings()
    {
        Assert.Equal(new byte[] { 0, 0, 1, 2 }, Encode(PrimitiveCodecs.Int32BigEndian, 258));
        Assert.Equal(new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe }, Encode(PrimitiveCodecs.Int64BigEndian, -2L));
        Assert.Equal(new byte[] { 0x3f, 0xf0, 0, 0, 0, 0, 0, 0 }, Encode(PrimitiveCodecs.DoubleBigEndian, 1.0));
        Assert.Equal(-2L, PrimitiveCodecs.Int64BigEndian.Read(Encode(PrimitiveCodecs.Int64BigEndian, -2L)));
    }

    [Fact]
    public void Strings_are_plain_UTF8_and_invalid_bytes_are_a_clear_error()
    {
        Assert.Equal("zürich ✓"u8.ToArray(), Encode(PrimitiveCodecs.Utf8String, "zürich ✓"));
        var error = Assert.Throws<RecordDecodeException>(() => PrimitiveCodecs.Utf8String.Read([0xff, 0xfe]));
        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_length_says_what_was_expected()
    {
        var error = Assert.Throws<RecordDecodeException>(() => PrimitiveCodecs.Int64BigEndian.Read([1, 2, 3]));
        Assert.Contains("Expected 8 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("has 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_from_the_command_line_is_parsed_per_codec()
    {
        Assert.Equal(Encode(PrimitiveCodecs.Int64BigEndian, 42L), CodecText.Encode(PrimitiveCodecs.Int64BigEndian, " 42 "));
        Assert.Equal("42", CodecText.Format(PrimitiveCodecs.Int64BigEndian, Encode(PrimitiveCodecs.Int64BigEndian, 42L)));
        var error = Assert.Throws<RecordDecodeException>(() => CodecText.Encode(PrimitiveCodecs.Int32BigEndian, "forty-two"));
        Assert.Contains("'forty-two' is not an int", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Encode<T>(IRecordCodec<T> codec, T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        codec.Write(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }
}
