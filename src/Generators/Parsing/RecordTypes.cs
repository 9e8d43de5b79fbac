using Faustish.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Parsing;

/// <summary>Describes a key or value type: its name, its codec, and what the store and loop need to know.</summary>
internal static class RecordTypes
{
    public static RecordTypeRef Describe(ITypeSymbol type) => new(
        SymbolNames.Qualified(type),
        CodecExpression(type),
        type.IsUnmanagedType,
        type.IsReferenceType);

    /// <summary>Kafka's primitive encodings for string, int, long and double; a generated JSON codec otherwise.</summary>
    public static string CodecExpression(ITypeSymbol type) => type.SpecialType switch
    {
        SpecialType.System_String => "global::Faustish.Serialization.PrimitiveCodecs.Utf8String",
        SpecialType.System_Int32 => "global::Faustish.Serialization.PrimitiveCodecs.Int32BigEndian",
        SpecialType.System_Int64 => "global::Faustish.Serialization.PrimitiveCodecs.Int64BigEndian",
        SpecialType.System_Double => "global::Faustish.Serialization.PrimitiveCodecs.DoubleBigEndian",
        _ => $"global::Faustish.Generated.Codecs.{type.Name}JsonCodec.Instance",
    };
}
