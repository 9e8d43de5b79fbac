using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Faustish.Tests.Routing;

/// <summary>
/// A deterministic mix of record keys as Kafka clients encode them: UTF-8 strings of 0–40 characters (ASCII and
/// non-ASCII, including surrogate pairs), Kafka's big-endian int and long encodings, and random byte arrays of 0–40
/// bytes. The first key is the empty key.
/// </summary>
internal static class PartitionerKeyCorpus
{
    public const int Seed = 20_261_126;

    // Text elements to build strings from: ASCII, Latin-1, CJK, Cyrillic, and astral-plane characters.
    private static readonly string[] Elements =
    [
        "a", "b", "z", "A", "Q", "0", "7", "-", "_", ":", "/", " ", "é", "ß", "ñ", "ø", "Ж", "я", "中", "文", "日",
        "€", "✓", "😀", "🎉", "𝄞",
    ];

    public static List<byte[]> Create(int count)
    {
        var random = new Random(Seed);
        var keys = new List<byte[]>(count) { Array.Empty<byte>() };
        var text = new StringBuilder();
        for (var i = 1; i < count; i++)
        {
            switch (i % 6)
            {
                case 0:
                case 1:
                    text.Clear();
                    var chars = random.Next(0, 41);
                    while (text.Length < chars)
                    {
                        var element = Elements[random.Next(Elements.Length)];
                        if (text.Length + element.Length > chars)
                        {
                            element = Elements[random.Next(11)]; // one UTF-16 unit, fits exactly
                        }

                        text.Append(element);
                    }

                    keys.Add(Encoding.UTF8.GetBytes(text.ToString()));
                    break;
                case 2:
                    // Kafka's IntegerSerializer: 4 bytes big-endian. Small ids and the full range.
                    var intKey = new byte[4];
                    BinaryPrimitives.WriteInt32BigEndian(intKey, random.Next(2) == 0 ? i : random.Next(int.MinValue, int.MaxValue));
                    keys.Add(intKey);
                    break;
                case 3:
                    // Kafka's LongSerializer: 8 bytes big-endian.
                    var longKey = new byte[8];
                    BinaryPrimitives.WriteInt64BigEndian(longKey, random.Next(2) == 0 ? i : random.NextInt64(long.MinValue, long.MaxValue));
                    keys.Add(longKey);
                    break;
                case 4:
                    var bytes = new byte[random.Next(0, 41)];
                    random.NextBytes(bytes);
                    keys.Add(bytes);
                    break;
                default:
                    keys.Add(Encoding.UTF8.GetBytes("user-" + i.ToString(CultureInfo.InvariantCulture)));
                    break;
            }
        }

        return keys;
    }
}
