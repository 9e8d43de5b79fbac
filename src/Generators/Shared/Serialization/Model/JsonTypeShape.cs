namespace Faustish.Generators.Serialization;

/// <summary>What a JSON value of some .NET type looks like, as far as the emitter needs to read and write it.</summary>
internal enum JsonShapeKind
{
    Boolean,
    Byte,
    SByte,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Single,
    Double,
    Decimal,
    Char,
    String,
    DateTime,
    DateTimeOffset,
    TimeSpan,
    Guid,

    /// <summary><c>byte[]</c>, as a base64 string.</summary>
    Bytes,

    /// <summary>An enum; see <see cref="JsonTypeShape.EnumAsString"/>.</summary>
    Enum,

    /// <summary>A class or struct with its own codec.</summary>
    Object,

    /// <summary><c>Nullable&lt;T&gt;</c> of <see cref="JsonTypeShape.Element"/>.</summary>
    Nullable,

    /// <summary>A JSON array; see <see cref="JsonTypeShape.Collection"/>.</summary>
    Array,

    /// <summary>A JSON object with string keys; see <see cref="JsonTypeShape.Collection"/>.</summary>
    Dictionary,
}

/// <summary>How a collection is built on read and walked on write.</summary>
internal enum JsonCollectionKind
{
    None,

    /// <summary><c>T[]</c>: built as a list, then copied; written with an index loop.</summary>
    Array,

    /// <summary><c>List&lt;T&gt;</c>: written with an index loop.</summary>
    List,

    /// <summary><c>IEnumerable&lt;T&gt;</c>, <c>IList&lt;T&gt;</c>, <c>IReadOnlyList&lt;T&gt;</c>, ...: read as a <c>List&lt;T&gt;</c>, written with foreach.</summary>
    ListInterface,

    /// <summary><c>Dictionary&lt;string, T&gt;</c>.</summary>
    Dictionary,

    /// <summary><c>IReadOnlyDictionary&lt;string, T&gt;</c> or <c>IDictionary&lt;string, T&gt;</c>: read as a <c>Dictionary&lt;string, T&gt;</c>.</summary>
    DictionaryInterface,
}

/// <summary>
/// The JSON shape of a member's type. <see cref="TypeName"/> is <c>global::</c>-qualified without nullable reference
/// annotations (<c>Nullable&lt;T&gt;</c> is written <c>T?</c>); for <see cref="JsonShapeKind.Object"/> and
/// <see cref="JsonShapeKind.Enum"/> it is also the key of the type's codec.
/// </summary>
internal sealed record JsonTypeShape(
    JsonShapeKind Kind,
    string TypeName,
    string MangledName,
    bool IsReferenceType,
    JsonTypeShape? Element = null,
    JsonCollectionKind Collection = JsonCollectionKind.None,
    bool EnumAsString = false,
    JsonShapeKind EnumUnderlying = JsonShapeKind.Int32);
