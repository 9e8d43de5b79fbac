using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Faustish.Generators.Parsing;

/// <summary>
/// Tells whether two compilations declare the same things: the same options, references and files, and in each file
/// the same tokens outside member bodies and the same preprocessor directives. Everything the generator reads (types,
/// attributes, base types, signatures, record shapes) is declared there, so two such compilations give the same models.
/// </summary>
/// <remarks>
/// Roslyn reruns every semantic transform (<c>ForAttributeWithMetadataName</c>'s included) on every new compilation, and a
/// keystroke makes one. Given to the compilation provider as its comparer, this turns an edit inside a method body into
/// a cached step, so no model is rebuilt; any other edit rebuilds them all. The provider then keeps the earlier
/// compilation, which is what makes later edits compare against the one the models were built from.
/// </remarks>
internal sealed class DeclarationShape : IEqualityComparer<Compilation>
{
    public static DeclarationShape Comparer { get; } = new();

    // A file's declaration text is a function of the (immutable) tree: computed once per tree, dropped with it.
    private static readonly ConditionalWeakTable<SyntaxTree, string> Shapes = new();

    private DeclarationShape()
    {
    }

    public bool Equals(Compilation? x, Compilation? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null ||
            x.AssemblyName != y.AssemblyName ||
            !x.Options.Equals(y.Options) ||
            !SameReferences(x, y))
        {
            return false;
        }

        using var left = x.SyntaxTrees.GetEnumerator();
        using var right = y.SyntaxTrees.GetEnumerator();
        while (left.MoveNext())
        {
            if (!right.MoveNext() || !SameDeclarations(left.Current, right.Current))
            {
                return false;
            }
        }

        return !right.MoveNext();
    }

    // Only one compilation is ever compared at a time (the provider holds one value), so any constant hash is correct.
    public int GetHashCode(Compilation obj) => 0;

    /// <summary>The text of <paramref name="tree"/> that declares things: every token outside member bodies, and every directive.</summary>
    public static string Of(SyntaxTree tree) => Shapes.GetValue(tree, static tree => Build(tree.GetRoot()));

    private static bool SameReferences(Compilation x, Compilation y)
    {
        using var left = x.References.GetEnumerator();
        using var right = y.References.GetEnumerator();
        while (left.MoveNext())
        {
            // Hosts reuse reference objects across edits; a new object may be a new assembly version.
            if (!right.MoveNext() || !ReferenceEquals(left.Current, right.Current))
            {
                return false;
            }
        }

        return !right.MoveNext();
    }

    private static bool SameDeclarations(SyntaxTree x, SyntaxTree y) =>
        ReferenceEquals(x, y) ||
        (x.FilePath == y.FilePath && x.Options.Equals(y.Options) && Of(x) == Of(y));

    private static string Build(SyntaxNode root)
    {
        var text = new StringBuilder();
        foreach (var token in root.DescendantTokens(static node => !IsBody(node)))
        {
            // Directives (#nullable, #if, #define) change how declarations read, wherever they stand.
            if (token.ContainsDirectives)
            {
                AppendDirectives(text, token.LeadingTrivia);
                AppendDirectives(text, token.TrailingTrivia);
            }

            text.Append(token.Text).Append('\u0001');
        }

        // Directives inside bodies are not in the tokens walked above.
        foreach (var body in root.DescendantNodes(static node => !IsBody(node)))
        {
            if (IsBody(body))
            {
                // A mark per body, so "no body" and "a body" never read alike.
                text.Append('\u0002');
                if (body.ContainsDirectives)
                {
                    foreach (var trivia in body.DescendantTrivia())
                    {
                        if (trivia.IsDirective)
                        {
                            text.Append(trivia.ToString()).Append('\u0003');
                        }
                    }
                }
            }
        }

        return text.ToString();
    }

    private static void AppendDirectives(StringBuilder text, SyntaxTriviaList trivia)
    {
        foreach (var item in trivia)
        {
            if (item.IsDirective)
            {
                text.Append(item.ToString()).Append('\u0003');
            }
        }
    }

    /// <summary>
    /// Code that runs rather than declares: method, constructor, operator and accessor bodies (blocks and <c>=&gt;</c>
    /// bodies), and top-level statements. Nothing in them is visible to another declaration.
    /// </summary>
    private static bool IsBody(SyntaxNode node) => node switch
    {
        BlockSyntax { Parent: BaseMethodDeclarationSyntax or AccessorDeclarationSyntax } => true,
        ArrowExpressionClauseSyntax { Parent: BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or PropertyDeclarationSyntax or IndexerDeclarationSyntax } => true,
        GlobalStatementSyntax => true,
        _ => false,
    };
}
