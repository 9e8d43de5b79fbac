using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using Faustish.Generated.Codecs;
using Faustish.Serialization;
using Faustish.Serialization.Json;

namespace Faustish.Generators.Tests.Serialization;

/// <summary>
/// The generated codecs' exact-layout read (<c>TryScan</c>, with <see cref="JsonExactReader"/>): it reads what the codec
/// writes without Utf8JsonReader, and whatever it accepts, the reader's read (<c>ReadJson</c>) reads to the same value;
/// everything else is left to the reader, which reads it or says what is wrong.
/// </summary>
public sealed class SerializerExactLayoutTests
{
    private delegate bool Scan<T>(ReadOnlySpan<byte> data, ref int position, ulong members, int depth, out T value);

    // The scans as delegates (a record class's TryScan also takes an optional instance to read into).
    private static readonly Scan<PageView> PageViewScan = (ReadOnlySpan<byte> d, ref int p, ulong m, int depth, out PageView v) => PageViewJsonCodec.TryScan(d, ref p, m, depth, out v);
    private static readonly Scan<Address> AddressScan = (ReadOnlySpan<byte> d, ref int p, ulong m, int depth, out Address v) => AddressJsonCodec.TryScan(d, ref p, m, depth, out v);
    private static readonly Scan<Nullables> NullablesScan = (ReadOnlySpan<byte> d, ref int p, ulong m, int depth, out Nullables v) => NullablesJsonCodec.TryScan(d, ref p, m, depth, out v);
    private static readonly Scan<Customer> CustomerScan = CustomerJsonCodec.TryScan;
    private static readonly Scan<Click> ClickScan = ClickJsonCodec.TryScan;
    private static readonly Scan<GeoPoint> GeoPointScan = GeoPointJsonCodec.TryScan;
    private static readonly Scan<Numbers> NumbersScan = (ReadOnlySpan<byte> d, ref int p, ulong m, int depth, out Numbers v) => NumbersJsonCodec.TryScan(d, ref p, m, depth, out v);

    // Numbers' members the exact layout reads: I, L, D, M, Flag (bits 4, 6, 9, 10, 12); the others are read by the reader only.
    private const ulong ExactNumbers = (1UL << 4) | (1UL << 6) | (1UL << 9) | (1UL << 10) | (1UL << 12);

    private static readonly DateTimeOffset At = new(2024, 5, 6, 7, 8, 9, 123, TimeSpan.Zero);

    private static readonly Customer Zoe = new()
    {
        Name = "Zoë",
        Home = new Address("1 Main St", "Springfield", null),
        Visits = 42,
        Email = "z@example.com",
    };

    [Fact]
    public void What_a_codec_writes_is_read_in_the_exact_layout_to_an_equal_value()
    {
        AssertExact(PageViewJsonCodec.Instance, PageViewScan, new PageView("/home", "alice", At));
        AssertExact(PageViewJsonCodec.Instance, PageViewScan, new PageView("/a b/~", "", At.ToOffset(TimeSpan.FromHours(-8)).AddTicks(1)));
        AssertExact(PageViewJsonCodec.Instance, PageViewScan, new PageView("Zoë \"q\" <b>&\n\t\\ 中文", "\0\u007f", At));
        AssertExact(PageViewJsonCodec.Instance, PageViewScan, new PageView("/", "bob", DateTimeOffset.MaxValue));
        AssertExact(PageViewJsonCodec.Instance, PageViewScan, new PageView("/", "bob", new DateTimeOffset(2030, 6, 15, 1, 2, 3, new TimeSpan(-13, -45, 0))));
        AssertExact(AddressJsonCodec.Instance, AddressScan, new Address("1 Main St", "Springfield", null));
        AssertExact(ClickJsonCodec.Instance, ClickScan, new Click(long.MinValue, int.MaxValue, At));
        AssertExact(ClickJsonCodec.Instance, ClickScan, new Click(long.MaxValue, int.MinValue, DateTimeOffset.MinValue));

        AssertExact(GeoPointJsonCodec.Instance, GeoPointScan, new GeoPoint(0.1 + 0.2, -1.7976931348623157E+308));
        AssertExact(GeoPointJsonCodec.Instance, GeoPointScan, new GeoPoint(double.Epsilon, -0.0));
        AssertExact(NumbersJsonCodec.Instance, NumbersScan, new Numbers(1, -1, -300, 300, -7, 7, long.MinValue, 18, 1.5f, 1e-300, 79228162514264337593543950335m, 'x', true), ExactNumbers);
        AssertExact(NumbersJsonCodec.Instance, NumbersScan, new Numbers(0, 0, 0, 0, int.MaxValue, 0, 0, 0, 0, 0.1, -0.0000000000000000000000000001m, 'x', false), ExactNumbers);

        // Members of kinds the exact layout does not read (a list, a Guid, a byte array) are skipped when left out.
        var customer = AssertExact(CustomerJsonCodec.Instance, CustomerScan, Zoe, members: ~0x4UL);
        Assert.Empty(customer.Others);
        AssertExact(NullablesJsonCodec.Instance, NullablesScan, new Nullables(5, Color.Blue, null, "t", null, null), members: 0xB);
        AssertExact(NullablesJsonCodec.Instance, NullablesScan, new Nullables(null, null, null, null, Guid.NewGuid(), [1, 2]), members: 0xB);
    }

    [Fact]
    public void Json_in_another_layout_or_of_kinds_the_exact_layout_does_not_read_is_read_by_the_reader()
    {
        // Another order, whitespace, an escape: the exact read declines, Read still reads it.
        foreach (var json in new[]
        {
            """{"user":"alice","page":"/home","at":"2024-05-06T07:08:09.123+00:00"}""",
            """{ "page": "/home", "user": "alice", "at": "2024-05-06T07:08:09.123+00:00" }""",
            """{"PAGE":"/home","user":"alice","at":"2024-05-06T07:08:09.123+00:00"}""",
            """{"page":"/home","user":"alice","at":"2024-05-06T07:08:09.1230000001+00:00"}""",
        })
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            var position = 0;
            Assert.False(PageViewJsonCodec.TryScan(bytes, ref position, ulong.MaxValue, 1, out _), json);
            var view = PageViewJsonCodec.Instance.Read(bytes);
            Assert.Equal(("/home", "alice"), (view.Page, view.User));
            Assert.Equal(At.UtcTicks, view.At.UtcTicks);
        }

        // The writer escapes what is not ASCII (JavaScriptEncoder.Default); an emoji as two escaped surrogates, which are left to the reader.
        var escaped = SerializerAssert.Encode(PageViewJsonCodec.Instance, new PageView("/é/中文/😀", "", At));
        var start = 0;
        Assert.False(PageViewJsonCodec.TryScan(escaped, ref start, ulong.MaxValue, 1, out _));
        Assert.Equal("/é/中文/😀", PageViewJsonCodec.Instance.Read(escaped).Page);

        // A list is asked for: the reader reads the customer.
        var customer = SerializerAssert.Encode(CustomerJsonCodec.Instance, Zoe);
        var at = 0;
        Assert.False(CustomerJsonCodec.TryScan(customer, ref at, ulong.MaxValue, 1, out _));
        Assert.Equal("Zoë", CustomerJsonCodec.Instance.Read(customer).Name);
    }

    [Fact]
    public void Whatever_the_exact_layout_accepts_the_reader_reads_to_the_same_value()
    {
        var random = new Random(20261202);
        var accepted = 0;
        var tried = 0;
        accepted += Mutate(PageViewJsonCodec.Instance, PageViewScan, new PageView("/p/1", "u-42", At), 3, random, ref tried);
        accepted += Mutate(PageViewJsonCodec.Instance, PageViewScan, new PageView("é", "中", At.ToOffset(TimeSpan.FromHours(5.5))), 3, random, ref tried);
        accepted += Mutate(ClickJsonCodec.Instance, ClickScan, new Click(-1234567, 0, At), 3, random, ref tried);
        accepted += Mutate(AddressJsonCodec.Instance, AddressScan, new Address("a", "b", "c"), 3, random, ref tried);
        accepted += Mutate(CustomerJsonCodec.Instance, CustomerScan, Zoe, 7, random, ref tried);
        accepted += Mutate(NullablesJsonCodec.Instance, NullablesScan, new Nullables(7, Color.Green, new GeoPoint(1.5, -2), "x", null, null), 6, random, ref tried);
        accepted += Mutate(GeoPointJsonCodec.Instance, GeoPointScan, new GeoPoint(12.345678901234567, -1e-7), 2, random, ref tried);
        accepted += Mutate(NumbersJsonCodec.Instance, NumbersScan, new Numbers(1, 2, 3, 4, 5, 6, 7, 8, 9.5f, 10.25, 11.125m, 'c', true), 13, random, ref tried);

        // Enough of the mutations keep the layout (a digit for a digit, a letter in a string) for the comparison to mean something.
        Assert.True(accepted > tried / 20, $"The exact layout accepted {accepted} of {tried} mutated inputs.");
    }

    [Fact]
    public void A_positional_record_is_read_into_a_given_instance_member_by_member()
    {
        const ulong Page = 0x1, At = 0x4;
        var target = new PageView("-", "unchanged", default);
        var first = SerializerAssert.Encode(PageViewJsonCodec.Instance, new PageView("/home", "alice", SerializerExactLayoutTests.At));
        Assert.True(PageViewJsonCodec.Instance.TryReadInto(first, Page | At, target));
        Assert.Equal(new PageView("/home", "unchanged", SerializerExactLayoutTests.At), target);

        var second = SerializerAssert.Encode(PageViewJsonCodec.Instance, new PageView("/about", "bob", SerializerExactLayoutTests.At.AddDays(1)));
        Assert.True(PageViewJsonCodec.Instance.TryReadInto(second, Page | At, target));
        Assert.Equal(new PageView("/about", "unchanged", SerializerExactLayoutTests.At.AddDays(1)), target);

        // Not in the layout, or null: the caller reads a new value instead.
        Assert.False(PageViewJsonCodec.Instance.TryReadInto("""{ "page": "/x", "user": "u", "at": "2024-05-06T07:08:09Z" }"""u8, Page, target));
        Assert.False(PageViewJsonCodec.Instance.TryReadInto("null"u8, Page, target));

        // A class that is no positional record is never read into an instance.
        Assert.False(CustomerJsonCodec.Instance.TryReadInto(SerializerAssert.Encode(CustomerJsonCodec.Instance, Zoe), 0x1, new Customer { Name = "x" }));
    }

    [Theory]
    [InlineData("2024-02-29T23:59:59+00:00", true)]
    [InlineData("2024-02-29T23:59:59.1234567-08:00", true)]
    [InlineData("2024-02-29T23:59:59.1Z", true)]
    [InlineData("2024-12-31T00:00:00+14:00", true)]
    [InlineData("2024-12-31T00:00:00-14:00", true)]
    [InlineData("0001-01-01T00:00:00+00:00", true)]
    [InlineData("9999-12-31T23:59:59.9999999+00:00", true)]
    [InlineData("2024-01-01T00:00:00-00:00", true)]
    [InlineData("2023-02-29T00:00:00+00:00", false)]
    [InlineData("2024-13-01T00:00:00+00:00", false)]
    [InlineData("2024-01-01T24:00:00+00:00", false)]
    [InlineData("2024-01-01T23:60:00+00:00", false)]
    [InlineData("2024-01-01T23:59:60+00:00", false)]
    [InlineData("2024-01-01T00:00:00+14:01", false)]
    [InlineData("2024-01-01T00:00:00+01:60", false)]
    [InlineData("0001-01-01T00:00:00+01:00", false)]
    [InlineData("9999-12-31T23:59:59-01:00", false)]
    [InlineData("2024-01-01T00:00:00", false)]
    [InlineData("2024-01-01T00:00+00:00", false)]
    [InlineData("2024-01-01", false)]
    [InlineData("2024-01-01T00:00:00.+00:00", false)]
    [InlineData("2024-01-01T00:00:00.12345678+00:00", false)]
    [InlineData("2024-01-01t00:00:00+00:00", false)]
    [InlineData("2024-01-01T00:00:00+0100", false)]
    public void A_date_the_exact_layout_reads_is_the_date_the_reader_reads(string text, bool exact)
    {
        var json = Encoding.UTF8.GetBytes("\"" + text + "\"");
        var position = 0;
        Assert.Equal(exact, JsonExactReader.ReadDateTimeOffset(json, ref position, out var value));
        if (exact)
        {
            Assert.Equal(json.Length, position);
            AssertSameDate(json, value);
        }
    }

    [Fact]
    public void Dates_the_exact_layout_reads_are_the_dates_the_reader_reads()
    {
        var random = new Random(1202);
        var accepted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            // Fields near and past their limits, so both sides of every check are taken.
            var text = string.Create(CultureInfo.InvariantCulture,
                $"\"{random.Next(0, 10_000):D4}-{random.Next(0, 14):D2}-{random.Next(0, 33):D2}T{random.Next(0, 26):D2}:{random.Next(0, 62):D2}:{random.Next(0, 62):D2}" +
                $"{(random.Next(3) == 0 ? "" : "." + random.Next(0, 100_000_000).ToString("D8", CultureInfo.InvariantCulture)[..random.Next(1, 9)])}" +
                $"{random.Next(4) switch { 0 => "Z", 1 => "", _ => (random.Next(2) == 0 ? "+" : "-") + random.Next(0, 16).ToString("D2", CultureInfo.InvariantCulture) + ":" + random.Next(0, 61).ToString("D2", CultureInfo.InvariantCulture) }}\"");
            var json = Encoding.UTF8.GetBytes(text);
            var position = 0;
            if (JsonExactReader.ReadDateTimeOffset(json, ref position, out var value))
            {
                accepted++;
                Assert.Equal(json.Length, position);
                AssertSameDate(json, value);
            }
        }

        Assert.True(accepted > 1_000, $"Only {accepted} of 20,000 dates were read in the exact layout.");
    }

    [Fact]
    public void Doubles_and_decimals_the_exact_layout_reads_are_those_the_reader_reads()
    {
        var random = new Random(2026);
        var readDoubles = 0;
        var readDecimals = 0;
        for (var i = 0; i < 20_000; i++)
        {
            // Numbers of JSON's grammar and near it: signs, leading zeros, long mantissas, fractions, exponents.
            var text = new StringBuilder();
            if (random.Next(3) == 0)
            {
                text.Append('-');
            }

            var digits = random.Next(5) == 0 ? random.Next(18, 45) : random.Next(1, 8);
            for (var d = 0; d < digits; d++)
            {
                text.Append((char)('0' + random.Next(10)));
            }

            if (random.Next(2) == 0)
            {
                text.Append('.');
                for (var d = random.Next(0, 30); d > 0; d--)
                {
                    text.Append((char)('0' + random.Next(10)));
                }
            }

            if (random.Next(3) == 0)
            {
                text.Append(random.Next(2) == 0 ? 'e' : 'E').Append(random.Next(3) switch { 0 => "+", 1 => "-", _ => "" })
                    .Append(random.Next(0, 400).ToString(CultureInfo.InvariantCulture));
            }

            var json = Encoding.UTF8.GetBytes(text.ToString());
            var position = 0;
            if (JsonExactReader.ReadDouble(json, ref position, out var number))
            {
                readDoubles++;
                Assert.Equal(json.Length, position);
                var reader = new Utf8JsonReader(json);
                reader.Read();
                Assert.True(reader.TryGetDouble(out var expected), $"The reader rejects {text}");
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(number));
            }

            position = 0;
            if (JsonExactReader.ReadDecimal(json, ref position, out var money))
            {
                readDecimals++;
                Assert.Equal(json.Length, position);
                var reader = new Utf8JsonReader(json);
                reader.Read();
                Assert.True(reader.TryGetDecimal(out var expected), $"The reader rejects {text}");
                Assert.Equal(decimal.GetBits(expected), decimal.GetBits(money));
            }
        }

        Assert.True(readDoubles > 5_000 && readDecimals > 5_000, $"Read {readDoubles} doubles and {readDecimals} decimals of 20,000 numbers.");
    }

    [Theory]
    [InlineData("0", true, 0)]
    [InlineData("-0", true, 0)]
    [InlineData("2147483647", true, int.MaxValue)]
    [InlineData("-2147483648", true, int.MinValue)]
    [InlineData("2147483648", false, 0)]
    [InlineData("-2147483649", false, 0)]
    [InlineData("01", false, 0)]
    [InlineData("1.0", false, 0)]
    [InlineData("1e3", false, 0)]
    [InlineData("-", false, 0)]
    [InlineData("\"1\"", false, 0)]
    [InlineData("99999999999999999999", false, 0)]
    public void Integers_are_read_as_the_reader_reads_them_or_left_to_it(string json, bool exact, int expected)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var position = 0;
        Assert.Equal(exact, JsonExactReader.ReadInt32(bytes, ref position, out var value));
        if (exact)
        {
            Assert.Equal(expected, value);
            var reader = new Utf8JsonReader(bytes);
            reader.Read();
            Assert.Equal(expected, reader.GetInt32());
        }
    }

    [Theory]
    [InlineData("""{"a":[1,-2.5e+3,true,false,null,{"b":{}},[]],"c":"d"}""", true)]
    [InlineData("""{"a":1,}""", false)]
    [InlineData("""{"a" :1}""", false)]
    [InlineData("""[1,2""", false)]
    [InlineData("""{"a":01}""", false)]
    [InlineData("""{"a":1.}""", false)]
    [InlineData("{\"a\":\"\u0001\"}", false)]
    [InlineData("""{"a":"\ud83d\ude00"}""", false)]
    [InlineData("""{"a":"\x"}""", false)]
    [InlineData("""{"a":"\u00e9\n\"\/"}""", true)]
    [InlineData("""{"a":tru}""", false)]
    public void Skipped_values_are_json_in_the_exact_layout(string json, bool exact)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var position = 0;
        Assert.Equal(exact, JsonExactReader.Skip(bytes, ref position, 1, JsonValueKinds.Any) && position == bytes.Length);
        if (exact)
        {
            var reader = new Utf8JsonReader(bytes);
            reader.Read();
            reader.Skip();
            Assert.False(reader.Read());
        }
    }

    [Fact]
    public void A_string_of_invalid_utf8_is_left_to_the_reader()
    {
        byte[] bytes = [.. "\"a"u8, 0xC3, 0x28, .. "\""u8];
        var position = 0;
        Assert.False(JsonExactReader.ReadString(bytes, ref position, out _));
        position = 0;
        Assert.False(JsonExactReader.Skip(bytes, ref position, 1, JsonValueKinds.String));
    }

    private static T AssertExact<T>(JsonRecordCodec<T> codec, Scan<T> scan, T value, ulong members = ulong.MaxValue)
    {
        var bytes = SerializerAssert.Encode(codec, value);
        var position = 0;
        Assert.True(scan(bytes, ref position, members, 1, out var exact), $"Not read in the exact layout: {Encoding.UTF8.GetString(bytes)}");
        Assert.Equal(bytes.Length, position);
        var (ok, byReader) = ReaderRead(codec, bytes, members);
        Assert.True(ok);
        Assert.Equal(Encoding.UTF8.GetString(SerializerAssert.Encode(codec, byReader!)), Encoding.UTF8.GetString(SerializerAssert.Encode(codec, exact)));
        if (members == ulong.MaxValue)
        {
            SerializerAssert.DeepEqual(value, exact, "$");
        }

        return exact;
    }

    /// <summary>
    /// Mutates the written bytes of <paramref name="value"/> (a byte replaced, removed or inserted, once or twice) and, for
    /// every member mask, checks that what the exact layout accepts the reader reads to a value that writes the same
    /// bytes. Returns how many (input, mask) pairs the exact layout accepted.
    /// </summary>
    private static int Mutate<T>(JsonRecordCodec<T> codec, Scan<T> scan, T value, int memberCount, Random random, ref int tried)
    {
        ReadOnlySpan<byte> alphabet = "\"\\{}[]:,09-.eEtfnulZT+ \t\n\u00e9xA"u8;
        var original = SerializerAssert.Encode(codec, value);
        var accepted = 0;
        for (var i = 0; i < 2_000; i++)
        {
            var bytes = new List<byte>(original);
            for (var m = random.Next(1, 3); m > 0; m--)
            {
                var at = random.Next(bytes.Count);
                var replacement = random.Next(10) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
                switch (random.Next(3))
                {
                    case 0:
                        bytes[at] = replacement;
                        break;
                    case 1:
                        bytes.RemoveAt(at);
                        break;
                    default:
                        bytes.Insert(at, replacement);
                        break;
                }
            }

            var data = bytes.ToArray();
            foreach (var members in new[] { ulong.MaxValue, (ulong)random.NextInt64() & ((1UL << memberCount) - 1), 0UL })
            {
                tried++;
                var position = 0;
                bool exactOk;
                T exact;
                try
                {
                    exactOk = scan(data, ref position, members, 1, out exact) && position == data.Length;
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    // The value's own constructor or a required member: the reader's read must fail the same way.
                    Assert.False(ReaderRead(codec, data, members).Ok, $"The exact read threw {exception.GetType().Name} where the reader read {Encoding.UTF8.GetString(data)}");
                    continue;
                }

                if (!exactOk)
                {
                    continue;
                }

                accepted++;
                var (ok, byReader) = ReaderRead(codec, data, members);
                var json = Encoding.UTF8.GetString(data);
                Assert.True(ok, $"The exact layout read what the reader rejects (members 0x{members:X}): {json}");
                Assert.Equal(Encoding.UTF8.GetString(SerializerAssert.Encode(codec, byReader!)), Encoding.UTF8.GetString(SerializerAssert.Encode(codec, exact)));
            }
        }

        return accepted;
    }

    /// <summary>The reader's read of <paramref name="data"/> (ReadJson with the members, no trailing data), as Read did before the exact layout.</summary>
    private static (bool Ok, T? Value) ReaderRead<T>(JsonRecordCodec<T> codec, byte[] data, ulong members)
    {
        try
        {
            var reader = new Utf8JsonReader(data, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read())
            {
                return (false, default);
            }

            var value = codec.ReadJson(ref reader, members);
            return reader.Read() ? (false, default) : (true, value);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return (false, default);
        }
    }

    private static void AssertSameDate(byte[] json, DateTimeOffset value)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        Assert.True(reader.TryGetDateTimeOffset(out var expected), $"The reader rejects {Encoding.UTF8.GetString(json)}");
        Assert.Equal(expected.Ticks, value.Ticks);
        Assert.Equal(expected.Offset, value.Offset);
    }
}
