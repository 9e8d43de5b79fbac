using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Faustish.Analyzers.Model;

/// <summary>Reads Faustish attribute arguments and finds the syntax to report them on.</summary>
internal static class AttributeReader
{
    /// <summary>The constant value of named argument <paramref name="name"/>, if set.</summary>
    public static TypedConstant? Named(AttributeData attribute, string name)
    {
        foreach (var pair in attribute.NamedArguments)
        {
            if (pair.Key == name)
            {
                return pair.Value;
            }
        }

        return null;
    }

    public static int? NamedInt(AttributeData attribute, string name) =>
        Named(attribute, name) is { Value: int value } ? value : null;

    public static string? NamedString(AttributeData attribute, string name) =>
        Named(attribute, name) is { Value: string value } ? value : null;

    /// <summary>The first constructor argument as a string, when it is a constant.</summary>
    public static string? CtorString(AttributeData attribute) =>
        attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is string s ? s : null;

    /// <summary>Partitions of a [Topic] (default 1) or [Table] (default 0).</summary>
    public static int Partitions(AttributeData attribute, int defaultValue) => NamedInt(attribute, "Partitions") ?? defaultValue;

    /// <summary>Location of the attribute as a whole.</summary>
    public static Location Location(AttributeData attribute, ISymbol fallback, CancellationToken cancellationToken)
    {
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
        return syntax?.GetLocation() ?? fallback.Locations.FirstOrDefault() ?? Microsoft.CodeAnalysis.Location.None;
    }

    /// <summary>Location of named argument <paramref name="name"/>'s value, or of the attribute.</summary>
    public static Location NamedLocation(AttributeData attribute, string name, ISymbol fallback, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } list })
        {
            foreach (var argument in list.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == name)
                {
                    return argument.Expression.GetLocation();
                }
            }
        }

        return Location(attribute, fallback, cancellationToken);
    }

    /// <summary>Location of the first positional argument, or of the attribute.</summary>
    public static Location CtorLocation(AttributeData attribute, ISymbol fallback, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } list })
        {
            foreach (var argument in list.Arguments)
            {
                if (argument.NameEquals is null && argument.NameColon is null)
                {
                    return argument.Expression.GetLocation();
                }
            }
        }

        return Location(attribute, fallback, cancellationToken);
    }

    /// <summary>
    /// The <paramref name="index"/>th type argument in the class's base list (<c>Topic&lt;K, V&gt;</c>) in the user's
    /// code, or the class's name.
    /// </summary>
    public static Location BaseTypeArgumentLocation(INamedTypeSymbol type, int index, CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax { BaseList: { } baseList } declaration
                || Faustish.Generators.Rules.GeneratedCode.IsGenerated(declaration.SyntaxTree))
            {
                continue;
            }

            foreach (var baseType in baseList.Types)
            {
                var name = baseType.Type switch
                {
                    GenericNameSyntax generic => generic,
                    QualifiedNameSyntax { Right: GenericNameSyntax generic } => generic,
                    AliasQualifiedNameSyntax { Name: GenericNameSyntax generic } => generic,
                    _ => null,
                };
                if (name is { TypeArgumentList.Arguments.Count: 2 })
                {
                    return name.TypeArgumentList.Arguments[index].GetLocation();
                }
            }
        }

        var declarations = Faustish.Generators.Rules.TargetRules.UserDeclarations(type, cancellationToken);
        return declarations.Count > 0 ? declarations[0].Identifier.GetLocation() : type.Locations.FirstOrDefault() ?? Microsoft.CodeAnalysis.Location.None;
    }

    /// <summary>Display name used in messages: the class name without namespace.</summary>
    public static string Name(ISymbol symbol) => symbol.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
}
