using System.Linq;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Parsing;

/// <summary>
/// Whether a table's value type is one a collection expression (<c>[.. items, item]</c>) can build, and of what
/// elements: what lets a windowed table's indexer take the same assignments as a plain table's.
/// </summary>
internal static class CollectionValues
{
    private static readonly string[] BuildableInterfaces =
    [
        "System.Collections.Generic.IEnumerable`1",
        "System.Collections.Generic.IReadOnlyCollection`1",
        "System.Collections.Generic.IReadOnlyList`1",
        "System.Collections.Generic.ICollection`1",
        "System.Collections.Generic.IList`1",
    ];

    /// <summary>
    /// The element type of a collection expression that builds <paramref name="value"/>, or null when none does: arrays;
    /// the collection interfaces C# builds (<c>IReadOnlyList&lt;T&gt;</c>, <c>IList&lt;T&gt;</c>, …); types with a
    /// <c>[CollectionBuilder]</c> (<c>ImmutableArray&lt;T&gt;</c>); and classes or structs enumerating one element type
    /// with a public parameterless constructor and a public <c>Add(T)</c> (<c>List&lt;T&gt;</c>, <c>HashSet&lt;T&gt;</c>).
    /// </summary>
    public static ITypeSymbol? ElementType(ITypeSymbol value)
    {
        if (value is IArrayTypeSymbol { Rank: 1 } array)
        {
            return array.ElementType;
        }

        if (value is not INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct or TypeKind.Interface } named
            || named.SpecialType == SpecialType.System_String)
        {
            return null;
        }

        var enumerables = (named.TypeKind == TypeKind.Interface ? named.AllInterfaces.Add(named) : named.AllInterfaces)
            .Where(i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
            .ToList();
        if (enumerables.Count != 1)
        {
            return null;
        }

        var element = enumerables[0].TypeArguments[0];
        if (named.TypeKind == TypeKind.Interface)
        {
            return BuildableInterfaces.Contains(MetadataName(named.OriginalDefinition)) ? element : null;
        }

        if (named.GetAttributes().Any(a => a.AttributeClass is { } attribute && MetadataName(attribute) == "System.Runtime.CompilerServices.CollectionBuilderAttribute"))
        {
            return element;
        }

        var constructible = named.TypeKind == TypeKind.Struct
            || (named.TypeKind == TypeKind.Class && !named.IsAbstract
                && named.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility == Accessibility.Public));
        var adds = named.GetMembers("Add").OfType<IMethodSymbol>()
            .Any(m => !m.IsStatic && m.DeclaredAccessibility == Accessibility.Public && m.Parameters.Length == 1
                && SymbolEqualityComparer.Default.Equals(m.Parameters[0].Type, element));
        return constructible && adds ? element : null;
    }

    private static string MetadataName(INamedTypeSymbol type) =>
        (type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." : "") + type.MetadataName;
}
