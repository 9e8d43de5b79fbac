using System;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Faustish.Generators.Parsing;

/// <summary>
/// What a compilation declares: its options, references and files, and in each file the tokens outside member bodies
/// and the preprocessor directives. Everything the generator reads (types, attributes, base types, signatures, record
/// shapes) is declared there, so two compilations with equal shapes give the same models.
/// </summary>
/// <remarks>
/// Roslyn reruns every semantic transform (<c>ForAttributeWithMetadataName</c>'s included) on every new compilation, and a
/// keystroke makes one. The generator's first step turns the compilation into its shape: an edit inside a method body
/// leaves it equal, the step caches, and no model is rebuilt; any other edit rebuilds them all. A cached step keeps
/// the earlier shape, so later edits compare against the one the models were built from. The shape holds the
/// compilation only weakly (its trees, options and references strongly: the current compilation shares them), so an
/// earlier compilation is not kept alive by the driver's state: <see cref="Compilation"/> is for the step right after
/// this one, which runs only when the shape is new, in the same run.
/// </remarks>
internal sealed class DeclarationShape : IEquatable<DeclarationShape>
{
    // A file's declaration text is a function of the (immutable) tree: computed once per tree, dropped with it.
    private static readonly ConditionalWeakTable<SyntaxTree, string> Shapes = new();

    private readonly WeakReference<Compilation> _compilation;
    private readonly string? _assemblyName;
    private readonly CompilationOptions _options;
    private readonly MetadataReference[] _references;
    private readonly SyntaxTree[] _trees;

    public DeclarationShape(Compilation compilation)
    {
        _compilation = new WeakReference<Compilation>(compilation);
        _assemblyName = compilation.AssemblyName;
        _options = compilation.Options;
        _references = compilation.References.ToArray();
        _trees = compilation.SyntaxTrees.ToArray();
    }

    /// <summary>The compilation the shape was taken from, while it is alive (it is, in the run that took the shape).</summary>
    public Compilation Compilation => _compilation.TryGetTarget(out var compilation)
        ? compilation
        : throw new InvalidOperationException("The compilation of this declaration shape is gone: only the step right after the shape may read it.");

    public bool Equals(DeclarationShape? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null ||
            _assemblyName != other._assemblyName ||
            !_options.Equals(other._options) ||
            _references.Length != other._references.Length ||
            _trees.Length != other._trees.Length)
        {
            return false;
        }

        for (var i = 0; i < _references.Length; i++)
        {
            // Hosts reuse reference objects across edits; a new object may be a new assembly version.
            if (!ReferenceEquals(_references[i], other._references[i]))
            {
                return false;
            }
        }

        for (var i = 0; i < _trees.Length; i++)
        {
            if (!SameDeclarations(_trees[i], other._trees[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as DeclarationShape);

    public override int GetHashCode() => _trees.Length;

    /// <summary>The text of <paramref name="tree"/> that declares things: every token outside member bodies, and every directive.</summary>
    public static string Of(SyntaxTree tree) => Shapes.GetValue(tree, static tree => Build(tree.GetRoot()));

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
