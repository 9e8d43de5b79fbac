using System.Collections.Generic;
using Faustish.Generators.Model;
using Faustish.Generators.Serialization;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Parsing;

/// <summary>Describes key and value types: their names, their codecs, and what the store and loop need to know.</summary>
internal static class RecordTypes
{
    public static RecordTypeRef Describe(ITypeSymbol type) => new(
        SymbolNames.Qualified(type),
        JsonCodecModelBuilder.GetReference(type),
        type.IsUnmanagedType,
        type.IsReferenceType);

    /// <summary>
    /// The JSON codec models a key and value type need, or false when the serializer cannot handle one of them
    /// (an analyzer reports why; the generator emits nothing for the class).
    /// </summary>
    public static bool TryCodecs(ITypeSymbol key, ITypeSymbol value, out EquatableArray<JsonCodecModel> codecs, out string unsupportedReason)
    {
        codecs = default;
        unsupportedReason = "";
        if (!JsonCodecModelBuilder.TryBuild(key, out var keyCodecs, out var keyReason))
        {
            unsupportedReason = $"its key type cannot be serialized: {keyReason}";
            return false;
        }

        if (!JsonCodecModelBuilder.TryBuild(value, out var valueCodecs, out var valueReason))
        {
            unsupportedReason = $"its value type cannot be serialized: {valueReason}";
            return false;
        }

        var all = new List<JsonCodecModel>(keyCodecs);
        all.AddRange(valueCodecs);
        codecs = all.ToEquatableArray();
        return true;
    }
}
