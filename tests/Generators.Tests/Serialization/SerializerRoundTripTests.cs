using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using Faustish.Generated.Codecs;
using Faustish.Serialization;
using OtherText = Faustish.Generators.Tests.Serialization.Other.Text;

namespace Faustish.Generators.Tests.Serialization;

/// <summary>
/// Generated codecs against System.Text.Json with JsonSerializerDefaults.Web, both ways: what the codec writes
/// JsonSerializer reads back equal, what JsonSerializer writes the codec reads back equal (and the bytes match).
/// </summary>
public sealed class SerializerRoundTripTests
{
    private const string Tricky = "quote \" backslash \\ slash / newline \n tab \t cr \r nul \0 bell \u0007 html <b>&amp;</b> 'apos' + ` é ü 中文 😀 \u2028 \uFFFF";

    private static readonly Address Home = new("1 Main St", "Springfield", "12345");

    private static readonly Dictionary<string, Action> Cases = new()
    {
        ["positional record"] = () => Check(PageViewJsonCodec.Instance, new PageView("/home", "alice", new DateTimeOffset(2024, 5, 6, 7, 8, 9, 123, TimeSpan.Zero))),
        ["escaped strings"] = () => Check(PageViewJsonCodec.Instance, new PageView(Tricky, "", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.FromHours(5.5)))),
        ["class with init, required, renamed and ignored members"] = () => Check(CustomerJsonCodec.Instance, new Customer
        {
            Name = "Zoë \"Z\"",
            Home = Home,
            Others = [new Address("2 Side St", "Shelbyville", null), Home],
            Visits = 42,
            Note = "vip",
            Email = "z@example.com",
            Secret = "hidden",
        }),
        ["class with null members"] = () => Check(CustomerJsonCodec.Instance, new Customer { Name = "nobody", Home = null, Email = null }),
        ["numbers at their minimum"] = () => Check(NumbersJsonCodec.Instance, new Numbers(
            byte.MinValue, sbyte.MinValue, short.MinValue, ushort.MinValue, int.MinValue, uint.MinValue, long.MinValue, ulong.MinValue,
            float.MinValue, double.MinValue, decimal.MinValue, '\0', false)),
        ["numbers at their maximum"] = () => Check(NumbersJsonCodec.Instance, new Numbers(
            byte.MaxValue, sbyte.MaxValue, short.MaxValue, ushort.MaxValue, int.MaxValue, uint.MaxValue, long.MaxValue, ulong.MaxValue,
            float.MaxValue, double.MaxValue, decimal.MaxValue, '\uFFFF', true)),
        ["numbers with fractions and tiny values"] = () => Check(NumbersJsonCodec.Instance, new Numbers(
            1, -1, -300, 300, -7, 7, -9_007_199_254_740_993, 18_446_744_073_709_551_000,
            float.Epsilon, double.Epsilon, 0.1000000000000000000000000001m, '"', true)),
        ["numbers: doubles that need 17 digits"] = () => Check(NumbersJsonCodec.Instance, new Numbers(
            0, 0, 0, 0, 0, 0, 0, 0, 0.1f + 0.2f, 0.1 + 0.2, -123456789.987654321m, 'é', false)),
        ["dates, offsets, time spans and guids"] = () => Check(TemporalJsonCodec.Instance, new Temporal(
            new DateTime(2024, 2, 29, 23, 59, 59, DateTimeKind.Utc).AddTicks(1234567),
            new DateTimeOffset(2024, 2, 29, 23, 59, 59, TimeSpan.FromHours(-8)).AddTicks(1),
            new TimeSpan(3, 4, 5, 6, 789),
            Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
            new DateTime(2000, 1, 1, 12, 0, 0, DateTimeKind.Unspecified),
            TimeSpan.FromTicks(-123456789))),
        ["extreme dates"] = () => Check(TemporalJsonCodec.Instance, new Temporal(
            DateTime.MinValue, DateTimeOffset.MaxValue, TimeSpan.MinValue, Guid.Empty, DateTime.MaxValue, TimeSpan.MaxValue)),
        ["date offsets with minutes"] = () => Check(TemporalJsonCodec.Instance, new Temporal(
            new DateTime(1999, 12, 31, 0, 0, 0, DateTimeKind.Utc),
            new DateTimeOffset(2030, 6, 15, 1, 2, 3, new TimeSpan(13, 45, 0)),
            TimeSpan.Zero, Guid.NewGuid(), null, null)),
        ["nullable members, all null"] = () => Check(NullablesJsonCodec.Instance, new Nullables(null, null, null, null, null, null)),
        ["nullable members, all set"] = () => Check(NullablesJsonCodec.Instance, new Nullables(-5, Color.Blue, new GeoPoint(51.5, -0.12), "text", Guid.NewGuid(), [0, 1, 2, 255])),
        ["enums as numbers and strings"] = () => Check(EnumsJsonCodec.Instance, new Enums(Color.Green, Priority.High, Color.Blue, Color.Red, Tiny.Max, Priority.Low)),
        ["enums: undefined values, renamed members, nulls"] = () => Check(EnumsJsonCodec.Instance, new Enums((Color)99, Priority.Urgent, (Color)0, null, Tiny.Zero, null)),
        ["collections"] = () => Check(CollectionsJsonCodec.Instance, new Collections(
            [1, -2, int.MaxValue],
            ["a", Tricky, ""],
            [Home, new Address("x", "y", null)],
            [1.5, -0.25, 1e300],
            [Color.Red, Color.Blue],
            new Dictionary<string, int> { ["one"] = 1, ["Two"] = 2, [Tricky] = 3 },
            new Dictionary<string, Address> { ["home"] = Home },
            [1, null, 3],
            [["a"], [], ["b", "c"]],
            [1, 2, 3],
            ["x", null])),
        ["empty and null collections"] = () => Check(CollectionsJsonCodec.Instance, new Collections(
            [], [], [], [], [], new Dictionary<string, int>(), new Dictionary<string, Address>(), [], [], [], null)),
        ["required members, property order and ignore conditions"] = () => Check(OrderJsonCodec.Instance, new Order
        {
            Id = Guid.NewGuid(),
            Customer = new Customer { Name = "c", Others = [Home] },
            Kind = "rush",
            Lines = [new OrderLine("sku-1", 2, 9.99m), new OrderLine("sku-2", 1, 0m)],
            Coupon = "SAVE10",
            Discount = 10,
        }),
        ["ignore conditions leave out null and default"] = () => Check(OrderJsonCodec.Instance, new Order { Id = Guid.Empty, Customer = new Customer { Name = "c" } }),
        ["record struct of value types"] = () => Check(ClickJsonCodec.Instance, new Click(long.MaxValue, -1, new DateTimeOffset(2024, 3, 10, 2, 30, 0, TimeSpan.FromHours(1)))),
        ["struct with settable properties"] = () => Check(MutablePointJsonCodec.Instance, new MutablePoint { X = -3, Y = 4 }),
        ["[JsonConstructor] with a default parameter"] = () => Check(WithConstructorsJsonCodec.Instance, new WithConstructors("made", 12)),
        ["[SetsRequiredMembers] constructor"] = () => Check(SetsRequiredJsonCodec.Instance, new SetsRequired("named")),
        ["derived record with a base init property"] = () => Check(DerivedEventJsonCodec.Instance, new DerivedEvent("src", "detail") { Version = 3 }),
        ["closed generic record"] = () => Check(EnvelopeOfPageViewJsonCodec.Instance, new Envelope<PageView>("view", new PageView("/", "bob", DateTimeOffset.UnixEpoch))),
        ["two types with the same simple name"] = () =>
        {
            Check(Faustish_Generators_Tests_Serialization_TextJsonCodec.Instance, new Text("plain"));
            Check(Faustish_Generators_Tests_Serialization_Other_TextJsonCodec.Instance, new OtherText("body", 3));
        },
        ["nested type"] = () => Check(Outer_InnerJsonCodec.Instance, new Outer.Inner(7)),
        ["list as the value"] = () => Check(ListOfPageViewJsonCodec.Instance, [new PageView("a", "b", DateTimeOffset.UnixEpoch), new PageView("c", "d", DateTimeOffset.MaxValue)]),
        ["string enum as the value"] = () => Check(PriorityJsonCodec.Instance, Priority.Urgent),
        ["number enum as the key"] = () => Check(ColorJsonCodec.Instance, Color.Blue),
        ["guid as the key"] = () => Check(GuidJsonCodec.Instance, Guid.NewGuid()),
        ["struct as the key"] = () => Check(GeoPointJsonCodec.Instance, new GeoPoint(-90, 180)),
    };

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in Cases.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Round_trips_with_System_Text_Json(string name) => Cases[name]();

    [Fact]
    public void Has_at_least_twenty_cases() => Assert.True(Cases.Count >= 20);

    [Fact]
    public void Writes_the_json_JsonSerializer_writes_for_a_positional_record()
    {
        var bytes = SerializerAssert.Encode(PageViewJsonCodec.Instance, new PageView("/a\"b", "u", new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(2))));
        Assert.Equal("""{"page":"/a\u0022b","user":"u","at":"2024-01-02T03:04:05+02:00"}""", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Keeps_initializer_values_of_members_missing_from_the_json()
    {
        var customer = CustomerJsonCodec.Instance.Read("""{"name":"n"}"""u8);
        Assert.Equal("default note", customer.Note);
        Assert.Equal("hidden", customer.Secret);
        Assert.Empty(customer.Others);

        var viaStj = JsonSerializer.Deserialize<Customer>("""{"name":"n"}""", SerializerAssert.Web)!;
        Assert.Equal(viaStj.Note, customer.Note);
    }

    [Fact]
    public void Uses_the_constructor_parameter_default_when_the_json_lacks_it()
    {
        var value = WithConstructorsJsonCodec.Instance.Read("""{"label":"l"}"""u8);
        Assert.Equal(7, value.Size);
        Assert.Equal(JsonSerializer.Deserialize<WithConstructors>("""{"label":"l"}""", SerializerAssert.Web)!.Size, value.Size);
    }

    [Fact]
    public void Reads_a_json_null_as_a_null_record()
    {
        Assert.Null(PageViewJsonCodec.Instance.Read("null"u8));
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        PageViewJsonCodec.Instance.Write(output, null!);
        Assert.Equal("null", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Codec_expression_types_implement_IRecordCodec()
    {
        IRecordCodec<PageView> codec = PageViewJsonCodec.Instance;
        Assert.NotNull(codec);
    }

    private static void Check<T>(IRecordCodec<T> codec, T value) => SerializerAssert.RoundTripsWithSystemTextJson(codec, value);
}
