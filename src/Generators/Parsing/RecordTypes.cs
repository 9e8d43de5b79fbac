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
        // The 'unmanaged' constraint of blittable stores implies 'struct', which Nullable<T> does not meet.
        type.IsUnmanagedType && type.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T,
        type.IsReferenceType);

    /// <summary>
    /// The JSON codec models a key and value type need, or false when the codecs cannot serve one of them (the
    /// serialization analyzer reports the same problem; the generator emits a stand-in for the class).
    /// </summary>
    public static bool TryCodecs(ITypeSymbol key, ITypeSymbol value, out EquatableArray<JsonCodecModel> codecs, out string unsupportedReason)
    {
        codecs = default;
        unsupportedReason = "";
        if (!JsonCodecModelBuilder.TryBuild(key, out var keyCodecs, out JsonCodecProblem? keyProblem))
        {
            unsupportedReason = $"its key type cannot be serialized: {keyProblem}";
            return false;
        }

        if (!JsonCodecModelBuilder.TryBuild(value, out var valueCodecs, out JsonCodecProblem? valueProblem))
        {
            unsupportedReason = $"its value type cannot be serialized: {valueProblem}";
            return false;
        }

        var all = new List<JsonCodecModel>(keyCodecs);
        all.AddRange(valueCodecs);
        codecs = all.ToEquatableArray();
        return true;
    }
}
