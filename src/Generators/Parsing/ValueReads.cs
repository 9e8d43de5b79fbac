using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Faustish.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Faustish.Generators.Parsing;

/// <summary>
/// What an agent's processing method reads of its value: the names of the members it reads (<c>view.Device</c>), or
/// nothing when it uses the value any other way (passes it on, calls a method on it, matches a pattern, deconstructs
/// it). The generated loop then decodes only those members. The look is syntactic, so it runs on every edit of the
/// method's body at the cost of one walk of that body, and it errs towards "the whole value".
/// </summary>
internal static class ValueReads
{
    /// <summary>Candidates: <c>Process</c> or <c>ProcessAsync</c> methods with a body and at least a key and a value parameter.</summary>
    public static bool IsCandidate(SyntaxNode node) =>
        node is MethodDeclarationSyntax { Identifier.ValueText: "Process" or "ProcessAsync", ParameterList.Parameters.Count: >= 2, Parent: TypeDeclarationSyntax } method &&
        (method.Body is not null || method.ExpressionBody is not null);

    public static ValueReadsModel Of(MethodDeclarationSyntax method, CancellationToken cancellationToken)
    {
        var key = ClassKey(method);
        var value = method.ParameterList.Parameters[1].Identifier.ValueText;
        var members = new SortedSet<string>(System.StringComparer.Ordinal);
        // A synchronous void Process reads its value only while it runs, unless a lambda, a local function or a query
        // clause (which may run later) reads it: only then may the loop reuse one instance for every record.
        var readsWhileRunning = method.Identifier.ValueText == "Process" &&
            method.ReturnType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword } &&
            !method.Modifiers.Any(SyntaxKind.AsyncKeyword);
        SyntaxNode body = (SyntaxNode?)method.Body ?? method.ExpressionBody!;
        foreach (var node in body.DescendantNodesAndSelf())
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (node)
            {
                // A name declared again inside (a lambda's or local function's parameter, a local) may hide the value.
                case ParameterSyntax parameter when parameter.Identifier.ValueText == value:
                case VariableDeclaratorSyntax variable when variable.Identifier.ValueText == value:
                case SingleVariableDesignationSyntax designation when designation.Identifier.ValueText == value:
                case ForEachStatementSyntax loop when loop.Identifier.ValueText == value:
                case LocalFunctionStatementSyntax function when function.Identifier.ValueText == value:
                    return new ValueReadsModel(key, null);
                case IdentifierNameSyntax name when name.Identifier.ValueText == value:
                    if (MemberRead(name) is not { } member)
                    {
                        return new ValueReadsModel(key, null);
                    }

                    members.Add(member);
                    readsWhileRunning &= !name.Ancestors().TakeWhile(n => n != body).Any(static n => n is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or QueryExpressionSyntax);
                    break;
            }
        }

        return new ValueReadsModel(key, new EquatableArray<string>(members.ToList()), readsWhileRunning);
    }

    /// <summary>The member read by <c>value.Member</c> (a property or field read, not a call, not assigned), or null.</summary>
    private static string? MemberRead(IdentifierNameSyntax name)
    {
        if (name.Parent is not MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression, Name: IdentifierNameSyntax member } access ||
            access.Expression != name)
        {
            return null;
        }

        return access.Parent switch
        {
            InvocationExpressionSyntax invocation when invocation.Expression == access => null,
            AssignmentExpressionSyntax assignment when assignment.Left == access => null,
            PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax => null,
            ArgumentSyntax { RefKindKeyword.RawKind: not (int)SyntaxKind.None } => null,
            RefExpressionSyntax => null,
            _ => member.Identifier.ValueText,
        };
    }

    /// <summary>The reads of the one processing method of the class <paramref name="classKey"/>, or null when none or several match.</summary>
    public static ValueReadsModel? Find(System.Collections.Immutable.ImmutableArray<ValueReadsModel> reads, string? classKey)
    {
        if (classKey is null)
        {
            return null;
        }

        ValueReadsModel? found = null;
        foreach (var read in reads)
        {
            if (read.ClassKey == classKey)
            {
                if (found is not null)
                {
                    return null;
                }

                found = read;
            }
        }

        return found;
    }

    /// <summary>
    /// The processing method's class as its declarations spell it: namespaces and containing types, dot-separated
    /// (<c>PageViews.CountViews</c>). The agent's model carries the same key, from the same method's syntax.
    /// </summary>
    public static string ClassKey(MethodDeclarationSyntax method)
    {
        var parts = new List<string>();
        for (var node = method.Parent; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case TypeDeclarationSyntax type:
                    parts.Add(type.Identifier.ValueText);
                    break;
                case BaseNamespaceDeclarationSyntax ns:
                    parts.Add(ns.Name.ToString());
                    break;
            }
        }

        parts.Reverse();
        return string.Join(".", parts);
    }
}
