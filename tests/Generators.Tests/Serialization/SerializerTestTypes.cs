using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

// Types the generated JSON codecs are tested on. The [Topic]/[Table] classes at the bottom make the generator emit
// a codec for each key and value type.
namespace Faustish.Generators.Tests.Serialization;

public sealed record PageView(string Page, string User, DateTimeOffset At);

public enum Color
{
    Red = 1,
    Green = 2,
    Blue = 4,
}

[JsonConverter(typeof(JsonStringEnumConverter))]
public enum Priority
{
    Low,
    Normal,
    High,
    [JsonStringEnumMemberName("urgent!")]
    Urgent,
}

public enum Tiny : byte
{
    Zero,
    Max = 255,
}

public sealed record Address(string Street, string City, string? Zip);

public readonly record struct GeoPoint(double Lat, double Lon);

public readonly record struct Click(long UserId, int Page, DateTimeOffset At);

public sealed class Customer
{
    public required string Name { get; init; }

    public Address? Home { get; init; }

    public IReadOnlyList<Address> Others { get; init; } = [];

    public int Visits { get; set; }

    public string Note { get; init; } = "default note";

    [JsonPropertyName("e_mail")]
    public string? Email { get; set; }

    [JsonIgnore]
    public string Secret { get; set; } = "hidden";

    public string Computed => Name + "!";
}

public sealed record Numbers(
    byte B,
    sbyte SB,
    short S,
    ushort US,
    int I,
    uint UI,
    long L,
    ulong UL,
    float F,
    double D,
    decimal M,
    char C,
    bool Flag);

public sealed record Temporal(DateTime When, DateTimeOffset At, TimeSpan Took, Guid Id, DateTime? MaybeWhen, TimeSpan? MaybeTook);

public sealed record Nullables(int? Count, Color? Color, GeoPoint? Where, string? Text, Guid? Id, byte[]? Blob);

public sealed record Enums(
    Color Color,
    Priority Priority,
    [property: JsonConverter(typeof(JsonStringEnumConverter))] Color ColorName,
    [property: JsonConverter(typeof(JsonStringEnumConverter))] Color? MaybeColorName,
    Tiny Tiny,
    Priority? MaybePriority);

public sealed record Collections(
    int[] Ints,
    List<string> Names,
    IReadOnlyList<Address> Addresses,
    IList<double> Doubles,
    IEnumerable<Color> Colors,
    Dictionary<string, int> Counts,
    IReadOnlyDictionary<string, Address> ByName,
    List<int?> MaybeInts,
    List<List<string>> Nested,
    byte[] Blob,
    string?[]? MaybeStrings);

public sealed class Order
{
    [JsonRequired]
    public Guid Id { get; set; }

    public required Customer Customer { get; init; }

    [JsonPropertyOrder(-1)]
    public string Kind { get; set; } = "order";

    public List<OrderLine> Lines { get; set; } = new();

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Coupon { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Discount { get; set; }
}

public sealed record OrderLine(string Sku, int Quantity, decimal Price);

public record struct MutablePoint
{
    public int X { get; set; }

    public int Y { get; set; }
}

public sealed class WithConstructors
{
    public WithConstructors()
    {
        Label = "parameterless";
    }

    [JsonConstructor]
    public WithConstructors(string label, int size = 7)
    {
        Label = label;
        Size = size;
    }

    public string Label { get; }

    public int Size { get; }
}

public sealed class SetsRequired
{
    [SetsRequiredMembers]
    public SetsRequired(string name) => Name = name;

    public required string Name { get; init; }
}

public record BaseEvent(string Source)
{
    public int Version { get; init; } = 1;
}

public sealed record DerivedEvent(string Source, string Detail) : BaseEvent(Source);

public sealed record Envelope<T>(string Kind, T Payload);

// Its constructor rejects a null note: a read that leaves Note out gets the whole read instead.
public sealed record Checked(string Name, string Note)
{
    public string Note { get; } = Note ?? throw new ArgumentNullException(nameof(Note));
}

public sealed record Text(string Value);

#pragma warning disable CA1711 // names from the domain of the test
public static class Outer
{
    public sealed record Inner(int Value);
}
#pragma warning restore CA1711

[Topic("page-views", Partitions = 4)]
public sealed partial class PageViewsTopic : Topic<string, PageView>;

[Topic("customers")]
public sealed partial class CustomersTopic : Topic<Guid, Customer>;

[Topic("numbers")]
public sealed partial class NumbersTopic : Topic<int, Numbers>;

[Topic("temporal")]
public sealed partial class TemporalTopic : Topic<long, Temporal>;

[Topic("nullables")]
public sealed partial class NullablesTopic : Topic<string, Nullables>;

[Topic("enums")]
public sealed partial class EnumsTopic : Topic<Color, Enums>;

[Topic("collections")]
public sealed partial class CollectionsTopic : Topic<string, Collections>;

[Topic("orders")]
public sealed partial class OrdersTopic : Topic<string, Order>;

[Topic("clicks")]
public sealed partial class ClicksTopic : Topic<GeoPoint, Click>;

[Topic("points")]
public sealed partial class PointsTopic : Topic<string, MutablePoint>;

[Topic("constructed")]
public sealed partial class ConstructedTopic : Topic<string, WithConstructors>;

[Topic("sets-required")]
public sealed partial class SetsRequiredTopic : Topic<string, SetsRequired>;

[Topic("events")]
public sealed partial class EventsTopic : Topic<string, DerivedEvent>;

[Topic("envelopes")]
public sealed partial class EnvelopesTopic : Topic<string, Envelope<PageView>>;

[Topic("checked")]
public sealed partial class CheckedTopic : Topic<string, Checked>;

[Topic("texts")]
public sealed partial class TextsTopic : Topic<string, Faustish.Generators.Tests.Serialization.Other.Text>;

[Topic("inner")]
public sealed partial class InnerTopic : Topic<string, Outer.Inner>;

[Topic("lists")]
public sealed partial class ListsTopic : Topic<string, List<PageView>>;

[Table("priorities")]
public sealed partial class PrioritiesTable : Table<string, Priority>;

[Table("same-name")]
public sealed partial class SameNameTable : Table<string, Text>;
