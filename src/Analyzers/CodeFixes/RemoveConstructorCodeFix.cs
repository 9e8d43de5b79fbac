using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Analyzers.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Faustish.Analyzers.CodeFixes;

/// <summary>FSH0003: removes a hand-written constructor (or primary constructor parameter list) from a topic or table class.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveConstructorCodeFix)), Shared]
public sealed class RemoveConstructorCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.ConstructorDeclared.Id);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var diagnostic = context.Diagnostics[0];
        var node = root?.FindNode(diagnostic.Location.SourceSpan);
        SyntaxNode? target = node?.AncestorsAndSelf().OfType<ConstructorDeclarationSyntax>().FirstOrDefault();
        target ??= node?.AncestorsAndSelf().OfType<ParameterListSyntax>().FirstOrDefault(p => p.Parent is TypeDeclarationSyntax);
        if (target is null)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("Remove the constructor; the generator provides it", ct => RemoveAsync(context.Document, target, ct),
                equivalenceKey: nameof(RemoveConstructorCodeFix)),
            diagnostic);
    }

    private static async Task<Document> RemoveAsync(Document document, SyntaxNode target, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        if (target is ParameterListSyntax { Parent: TypeDeclarationSyntax type } list)
        {
            // Keep whatever trivia followed the parameter list (e.g. the space before ':').
            var updated = type.WithParameterList(null);
            if (list.GetTrailingTrivia().Count > 0)
            {
                updated = updated.WithIdentifier(updated.Identifier.WithTrailingTrivia(list.GetTrailingTrivia()));
            }

            return document.WithSyntaxRoot(root.ReplaceNode(type, updated));
        }

        // When the constructor is the first member, the blank line that separated it from the next one goes too.
        if (target.Parent is TypeDeclarationSyntax owner && owner.Members.IndexOf((MemberDeclarationSyntax)target) == 0 && owner.Members.Count > 1)
        {
            var next = owner.Members[1];
            var trivia = next.GetLeadingTrivia();
            var skip = 0;
            for (var i = 0; i < trivia.Count; i++)
            {
                if (trivia[i].IsKind(SyntaxKind.EndOfLineTrivia))
                {
                    skip = i + 1;
                }
                else if (!trivia[i].IsKind(SyntaxKind.WhitespaceTrivia))
                {
                    break;
                }
            }

            var updatedOwner = owner.ReplaceNode(next, next.WithLeadingTrivia(trivia.Skip(skip)));
            updatedOwner = updatedOwner.RemoveNode(updatedOwner.Members[0], SyntaxRemoveOptions.KeepNoTrivia)!;
            return document.WithSyntaxRoot(root.ReplaceNode(owner, updatedOwner));
        }

        return document.WithSyntaxRoot(root.RemoveNode(target, SyntaxRemoveOptions.KeepNoTrivia)!);
    }
}
