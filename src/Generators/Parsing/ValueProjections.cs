using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Faustish.Generators.Model;
using Faustish.Generators.Serialization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Faustish.Generators.Parsing;

/// <summary>
/// Decides which members of an agent's value the generated loop may leave undecoded when the agent does not read them.
/// Leaving a member out must change nothing the agent can see, so only record types declared in this compilation
/// qualify, whose construction runs no code this model could miss: no explicit constructor, no property with a setter
/// body (their bodies are not in the declaration shape that decides when this model is rebuilt), and no base type but
/// <c>object</c>. A member is left out only when nothing in the type's declarations names it.
/// </summary>
internal static class ValueProjections
{
    public static ValueProjectionModel? Describe(IMethodSymbol method, ITypeSymbol valueType, TopicModel topic, CancellationToken cancellationToken)
    {
        if (topic.Value.Codec.PrimitiveExpression is not null ||
            topic.Timestamp is { IsMethod: true } ||
            method.DeclaringSyntaxReferences.Length != 1 ||
            method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not MethodDeclarationSyntax methodSyntax ||
            valueType is not INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct, IsGenericType: false } type ||
            type.BaseType is { SpecialType: not (SpecialType.System_Object or SpecialType.System_ValueType) } ||
            type.DeclaringSyntaxReferences.Length == 0)
        {
            return null;
        }

        var codec = topic.Codecs.FirstOrDefault(c => c.TypeName == topic.Value.Codec.TypeName);
        if (codec is not { Kind: JsonCodecKind.Object })
        {
            return null;
        }

        var readable = codec.Properties.Where(static p => p.Setter != JsonSetterKind.None).ToList();
        if (readable.Count is 0 or > 64)
        {
            return null;
        }

        var declarations = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).ToList();
        var nodes = declarations.SelectMany(static d => d.DescendantNodes()).ToList();
        if (declarations.Any(static d => d is not TypeDeclarationSyntax) || nodes.Any(RunsUnseenCode))
        {
            return null;
        }

        // Every name used as a value anywhere in the type's declarations (initializers, attribute arguments, bodies).
        var named = new HashSet<string>(
            nodes.OfType<IdentifierNameSyntax>()
                .Where(static name => !SyntaxFacts.IsInTypeOnlyContext(name))
                .Select(static name => name.Identifier.ValueText),
            System.StringComparer.Ordinal);

        var members = new List<ProjectedMember>(readable.Count);
        foreach (var property in readable)
        {
            var symbol = type.GetMembers(property.ClrName).FirstOrDefault(static m => m is IPropertySymbol or IFieldSymbol);
            var plain = symbol is not null && IsPlain(symbol, cancellationToken);
            var canSkip = plain && !property.IsRequired && !named.Contains(property.ClrName) &&
                (property.Setter != JsonSetterKind.Constructor || IsPositional(symbol!, cancellationToken));
            members.Add(new ProjectedMember(property.ClrName, property.JsonName, plain, canSkip));
        }

        var loopReads = topic.Timestamp is { } timestamp ? new EquatableArray<string>([timestamp.Name.TrimStart('@')]) : default;

        // Reused, an instance keeps what an earlier record set; built, it gets initializers run. Only a record class
        // whose state is exactly its positional members, each set by the codec (ReadsIntoInstance), may be reused.
        var reusable = codec.ReadsIntoInstance &&
            readable.All(p => type.GetMembers(p.ClrName).FirstOrDefault(static m => m is IPropertySymbol) is { } symbol && IsPositional(symbol, cancellationToken)) &&
            !nodes.Any(static n => n is EqualsValueClauseSyntax { Parent: not ParameterSyntax });
        var instance = reusable
            ? $"new {codec.TypeName}({string.Join(", ", Enumerable.Repeat("default!", codec.ConstructorParameterCount))})"
            : null;
        return new ValueProjectionModel(ValueReads.ClassKey(methodSyntax), new EquatableArray<ProjectedMember>(members), loopReads, instance);
    }

    /// <summary>Code that may run while an instance is built, whose edits would not rebuild this model.</summary>
    private static bool RunsUnseenCode(SyntaxNode node) => node switch
    {
        ConstructorDeclarationSyntax { Modifiers: var modifiers } => !modifiers.Any(SyntaxKind.StaticKeyword),
        AccessorDeclarationSyntax accessor => (accessor.Keyword.IsKind(SyntaxKind.SetKeyword) || accessor.Keyword.IsKind(SyntaxKind.InitKeyword)) &&
            (accessor.Body is not null || accessor.ExpressionBody is not null),
        _ => false,
    };

    /// <summary>A field, a positional record's property, or an auto-property: what it returns is what was stored in it.</summary>
    private static bool IsPlain(ISymbol member, CancellationToken cancellationToken) =>
        member.DeclaringSyntaxReferences.Length == 1 &&
        member.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) switch
        {
            VariableDeclaratorSyntax => true,
            ParameterSyntax => true,
            PropertyDeclarationSyntax { ExpressionBody: null, AccessorList: { } accessors } =>
                accessors.Accessors.All(static a => a.Body is null && a.ExpressionBody is null),
            _ => false,
        };

    /// <summary>A positional record's property: the primary constructor's parameter goes to it and nowhere else unseen.</summary>
    private static bool IsPositional(ISymbol member, CancellationToken cancellationToken) =>
        member.DeclaringSyntaxReferences.Length == 1 &&
        member.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is ParameterSyntax { Parent.Parent: RecordDeclarationSyntax };
}
