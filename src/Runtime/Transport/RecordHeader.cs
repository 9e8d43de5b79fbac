using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;

namespace Faustish.Transport;

/// <summary>A record header: a name and a byte value, as in Kafka.</summary>
public sealed record RecordHeader(string Name, byte[] Value)
{
    public static RecordHeader Utf8(string name, string value) => new(name, Encoding.UTF8.GetBytes(value));

    public string ValueAsString() => Encoding.UTF8.GetString(Value);
}

/// <summary>
/// The compact binary form headers take inside a <see cref="RecordBatch"/> and the embedded log:
/// <c>count:int32, then per header nameLength:int32 name:utf8 valueLength:int32 value</c>, big-endian.
/// Headers are rare (dead letters, tracing), so they are parsed only when asked for.
/// </summary>
internal static class RecordHeaderEncoding
{
    public static int SizeOf(IReadOnlyList<RecordHeader>? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return 0;
        }

        var size = 4;
        foreach (var header in headers)
        {
            size += 8 + Encoding.UTF8.GetByteCount(header.Name) + header.Value.Length;
        }

        return size;
    }

    /// <summary>Writes headers into <paramref name="destination"/>, which must be <see cref="SizeOf"/> bytes long.</summary>
    public static void Write(IReadOnlyList<RecordHeader>? headers, Span<byte> destination)
    {
        if (headers is null || headers.Count == 0)
        {
            return;
        }

        BinaryPrimitives.WriteInt32BigEndian(destination, headers.Count);
        var at = 4;
        foreach (var header in headers)
        {
            var nameLength = Encoding.UTF8.GetBytes(header.Name, destination[(at + 4)..]);
            BinaryPrimitives.WriteInt32BigEndian(destination[at..], nameLength);
            at += 4 + nameLength;
            BinaryPrimitives.WriteInt32BigEndian(destination[at..], header.Value.Length);
            header.Value.CopyTo(destination[(at + 4)..]);
            at += 4 + header.Value.Length;
        }
    }

    public static IReadOnlyList<RecordHeader> Read(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty)
        {
            return [];
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(encoded);
        var headers = new List<RecordHeader>(count);
        var at = 4;
        for (var i = 0; i < count; i++)
        {
            var nameLength = BinaryPrimitives.ReadInt32BigEndian(encoded[at..]);
            var name = Encoding.UTF8.GetString(encoded.Slice(at + 4, nameLength));
            at += 4 + nameLength;
            var valueLength = BinaryPrimitives.ReadInt32BigEndian(encoded[at..]);
            headers.Add(new RecordHeader(name, encoded.Slice(at + 4, valueLength).ToArray()));
            at += 4 + valueLength;
        }

        return headers;
    }
}
