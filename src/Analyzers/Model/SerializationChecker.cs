using System.Collections.Concurrent;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Faustish.Analyzers.Model;

/// <summary>What is wrong with a key or value type: the member path, the offending type, and why.</summary>
internal sealed class SerializationProblem(string path, ITypeSymbol type, string reason, bool isCycle)
{
    /// <summary>Where the problem is, from the root type: <c>Order.Lines[].Product</c>.</summary>
    public string Path { get; } = path;

    public ITypeSymbol Type { get; } = type;

    /// <summary>Why the type is not handled ("an interface"), for <see cref="IsCycle"/> false.</summary>
    public string Reason { get; } = reason;

    /// <summary>The path leads back to <see cref="Type"/>, which is already being encoded.</summary>
    public bool IsCycle { get; } = isCycle;
}

/// <summary>
/// Mirrors what the generated codecs handle: Kafka primitive encodings for string, int, long and double, and
/// JSON for records, classes and structs built from supported members, collections and dictionaries keyed by
/// string. Results are cached per type for the compilation.
/// </summary>
internal sealed class SerializationChecker(FaustishSymbols symbols)
{
    private readonly ConcurrentDictionary<ITypeSymbol, SerializationProblem?> _cache = new(SymbolEqualityComparer.Default);

    /// <summary>The first problem found in <paramref name="root"/>, or null when the codecs handle it.</summary>
    public SerializationProblem? Check(ITypeSymbol root) =>
        _cache.GetOrAdd(root, type => Visit(type, Display(type), new List<ITypeSymbol>()));

    private SerializationProblem? Visit(ITypeSymbol type, string path, List<ITypeSymbol> stack)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            return Visit(nullable.TypeArguments[0], path, stack);
        }

        switch (type.TypeKind)
        {
            case TypeKind.TypeParameter:
                return Problem(path, type, "a type parameter; close it with a concrete type");
            case TypeKind.Pointer:
            case TypeKind.FunctionPointer:
                return Problem(path, type, "a pointer");
            case TypeKind.Delegate:
                return Problem(path, type, "a delegate");
            case TypeKind.Dynamic:
                return Problem(path, type, "dynamic, whose shape is unknown");
            case TypeKind.Error:
                return null;
            case TypeKind.Enum:
                return null;
            case TypeKind.Array:
                var array = (IArrayTypeSymbol)type;
                if (array.Rank != 1)
                {
                    return Problem(path, type, "a multi-dimensional array");
                }

                return array.ElementType.SpecialType == SpecialType.System_Byte ? null : Visit(array.ElementType, path + "[]", stack);
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_Object:
                return Problem(path, type, "'object', whose shape is unknown");
            case SpecialType.System_Boolean:
            case SpecialType.System_Char:
            case SpecialType.System_SByte:
            case SpecialType.System_Byte:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
            case SpecialType.System_Single:
            case SpecialType.System_Double:
            case SpecialType.System_Decimal:
            case SpecialType.System_String:
            case SpecialType.System_DateTime:
                return null;
        }

        if (type is not INamedTypeSymbol named)
        {
            return Problem(path, type, "not supported by the generated codecs");
        }

        if (Is(named, symbols.DateTimeOffset) || Is(named, symbols.TimeSpan) || Is(named, symbols.Guid))
        {
            return null;
        }

        var definition = named.OriginalDefinition;
        if (named.IsGenericType && (Is(definition, symbols.List) || Is(definition, symbols.IList)
            || Is(definition, symbols.IReadOnlyList) || Is(definition, symbols.IEnumerable)))
        {
            return Visit(named.TypeArguments[0], path + "[]", stack);
        }

        if (named.IsGenericType && (Is(definition, symbols.Dictionary) || Is(definition, symbols.IReadOnlyDictionary)))
        {
            return named.TypeArguments[0].SpecialType != SpecialType.System_String
                ? Problem(path, type, "a dictionary whose keys are not strings (JSON object keys are strings)")
                : Visit(named.TypeArguments[1], path + "[key]", stack);
        }

        if (named.TypeKind == TypeKind.Interface)
        {
            return Problem(path, type, "an interface; use a concrete type, or List<T>, IReadOnlyList<T> or Dictionary<string, T>");
        }

        if (named.IsAbstract || named.IsStatic)
        {
            return Problem(path, type, named.IsStatic ? "a static class" : "an abstract class; the codec cannot choose a concrete type to create");
        }

        if (named.IsRefLikeType)
        {
            return Problem(path, type, "a ref struct");
        }

        if (IsFrameworkType(named))
        {
            return Problem(path, type, "a framework type the generated codecs do not handle");
        }

        if (named.IsUnboundGenericType)
        {
            return Problem(path, type, "an open generic type");
        }

        foreach (var seen in stack)
        {
            if (SymbolEqualityComparer.Default.Equals(seen, named))
            {
                return new SerializationProblem(path, named, string.Empty, isCycle: true);
            }
        }

        if (named.TypeKind == TypeKind.Class && !HasPublicConstructor(named))
        {
            return Problem(path, type, "a class without a public constructor");
        }

        stack.Add(named);
        try
        {
            foreach (var member in named.GetMembers())
            {
                if (member is IPropertySymbol { IsStatic: false, IsIndexer: false, DeclaredAccessibility: Accessibility.Public, GetMethod: not null } property)
                {
                    if (property.Name == "EqualityContract")
                    {
                        continue;
                    }

                    var problem = Visit(property.Type, path + "." + property.Name, stack);
                    if (problem is not null)
                    {
                        return problem;
                    }
                }
            }

            // Base classes' public properties are encoded too.
            for (var baseType = named.BaseType; baseType is not null && baseType.SpecialType == SpecialType.None; baseType = baseType.BaseType)
            {
                if (IsFrameworkType(baseType))
                {
                    break;
                }

                foreach (var member in baseType.GetMembers())
                {
                    if (member is IPropertySymbol { IsStatic: false, IsIndexer: false, DeclaredAccessibility: Accessibility.Public, GetMethod: not null } property
                        && property.Name != "EqualityContract")
                    {
                        var problem = Visit(property.Type, path + "." + property.Name, stack);
                        if (problem is not null)
                        {
                            return problem;
                        }
                    }
                }
            }
        }
        finally
        {
            stack.RemoveAt(stack.Count - 1);
        }

        return null;
    }

    private static SerializationProblem Problem(string path, ITypeSymbol type, string reason) => new(path, type, reason, isCycle: false);

    private static bool Is(INamedTypeSymbol type, INamedTypeSymbol? other) =>
        other is not null && SymbolEqualityComparer.Default.Equals(type, other);

    private static bool HasPublicConstructor(INamedTypeSymbol type)
    {
        foreach (var constructor in type.InstanceConstructors)
        {
            if (constructor.DeclaredAccessibility == Accessibility.Public)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Types from System.* namespaces that are not in the supported list.</summary>
    private static bool IsFrameworkType(INamedTypeSymbol type)
    {
        var ns = type.ContainingNamespace;
        while (ns is { ContainingNamespace.IsGlobalNamespace: false })
        {
            ns = ns.ContainingNamespace;
        }

        return ns is { IsGlobalNamespace: false, Name: "System" or "Microsoft" };
    }

    public static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
}
