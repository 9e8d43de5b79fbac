using Faustish.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Parsing;

/// <summary>The few names and symbol facts every parser needs.</summary>
internal static class SymbolNames
{
    public const string TopicAttribute = "Faustish.TopicAttribute";
    public const string TableAttribute = "Faustish.TableAttribute";
    public const string AgentAttribute = "Faustish.AgentAttribute";
    public const string TopicBase = "Faustish.Topic`2";
    public const string TableBase = "Faustish.Table`2";
    public const string WindowedTableBase = "Faustish.WindowedTable`2";
    public const string GlobalTableBase = "Faustish.GlobalTable`2";
    public const string EventContext = "Faustish.Agents.EventContext";

    public static readonly SymbolDisplayFormat FullyQualified =
        SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static string Qualified(ITypeSymbol type) => type.ToDisplayString(FullyQualified);

    public static ClassTarget Target(INamedTypeSymbol type) => new(
        type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString(),
        type.Name,
        type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
        type.ToDisplayString());

    /// <summary>The type arguments of <paramref name="type"/>'s base class with metadata name <paramref name="baseName"/>, if it has one.</summary>
    public static (ITypeSymbol Key, ITypeSymbol Value)? BaseTypeArguments(INamedTypeSymbol type, string baseName)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (current.IsGenericType && MetadataName(current.ConstructedFrom) == baseName)
            {
                return (current.TypeArguments[0], current.TypeArguments[1]);
            }
        }

        return null;
    }

    public static bool HasAttribute(ITypeSymbol type, string attributeName) => FindAttribute(type, attributeName) is not null;

    public static AttributeData? FindAttribute(ITypeSymbol type, string attributeName)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is { } attributeClass && MetadataName(attributeClass) == attributeName)
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>The generator handles top-level partial classes; the analyzers explain everything else.</summary>
    public static bool IsGeneratable(INamedTypeSymbol type)
    {
        if (type.ContainingType is not null || type.IsGenericType || type.IsStatic)
        {
            return false;
        }

        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax declaration &&
                declaration.Modifiers.Any(Microsoft.CodeAnalysis.CSharp.SyntaxKind.PartialKeyword))
            {
                return true;
            }
        }

        return false;
    }

    private static string MetadataName(INamedTypeSymbol type) =>
        type.ContainingNamespace.IsGlobalNamespace ? type.MetadataName : type.ContainingNamespace.ToDisplayString() + "." + type.MetadataName;
}
