using System.Collections.Generic;
using System.Linq;
using System.Text;
using Faustish.Generators.Model;
using Faustish.Generators.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Faustish.Generators.Parsing;

/// <summary>The few names and symbol facts every parser needs.</summary>
internal static class SymbolNames
{
    public static readonly SymbolDisplayFormat FullyQualified =
        SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>The type, <c>global::</c>-qualified, with its nullable annotations.</summary>
    public static string Qualified(ITypeSymbol type) => type.ToDisplayString(FullyQualified);

    /// <summary>The type, <c>global::</c>-qualified, without a nullable annotation on the type itself.</summary>
    public static string QualifiedNotNull(ITypeSymbol type) =>
        (type.IsReferenceType ? type.WithNullableAnnotation(NullableAnnotation.NotAnnotated) : type).ToDisplayString(FullyQualified);

    public static ClassTarget Target(INamedTypeSymbol type)
    {
        var containers = new List<INamedTypeSymbol>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            containers.Insert(0, outer);
        }

        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } containing ? containing.ToDisplayString() : "";
        var path = containers.Select(c => c.Name).Concat([type.Name]).ToList();
        return new ClassTarget(
            ns,
            containers.Select(c => $"partial {Keyword(c)} {Identifier(c.Name)}").ToEquatableArray(),
            Keyword(type),
            Identifier(type.Name),
            type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            type.ToDisplayString(),
            HintKey((ns.Length > 0 ? ns + "." : "") + string.Join(".", path)),
            string.Join("_", path),
            HidesInheritedDefinition(type));
    }

    /// <summary>A name as C# source writes it: keywords get an '@'.</summary>
    public static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { TypeKind: TypeKind.Interface } => "interface",
        { IsRecord: true, IsValueType: true } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        _ => "class",
    };

    /// <summary>Only the characters every hint name and file system accepts: letters, digits, '_' and '.'.</summary>
    private static string HintKey(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsLetterOrDigit(c) || c is '_' or '.')
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    private static bool HidesInheritedDefinition(INamedTypeSymbol type)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers(TargetRules.DefinitionMember))
            {
                // Only what the derived class can see is hidden ('new' on anything else is a warning of its own).
                var sameAssembly = SymbolEqualityComparer.Default.Equals(member.ContainingAssembly, type.ContainingAssembly);
                if (member.DeclaredAccessibility switch
                {
                    Accessibility.Private => false,
                    Accessibility.Internal or Accessibility.ProtectedAndInternal => sameAssembly,
                    _ => true,
                })
                {
                    return true;
                }
            }
        }

        return false;
    }
}
