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

/// <summary>FSH0107: makes a non-public or static Process/ProcessAsync method a public instance method.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeProcessingMethodPublicCodeFix)), Shared]
public sealed class MakeProcessingMethodPublicCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.ProcessingMethodNotPublic.Id);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var diagnostic = context.Diagnostics[0];
        if (root?.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault() is not { } method
            || method.TypeParameterList is not null)
        {
            return; // Generic methods need a human decision.
        }

        context.RegisterCodeFix(
            CodeAction.Create("Make it a public instance method", ct => FixAsync(context.Document, method, ct),
                equivalenceKey: nameof(MakeProcessingMethodPublicCodeFix)),
            diagnostic);
    }

    private static async Task<Document> FixAsync(Document document, MethodDeclarationSyntax method, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var kept = method.Modifiers.Where(m => !m.IsKind(SyntaxKind.PrivateKeyword) && !m.IsKind(SyntaxKind.ProtectedKeyword)
            && !m.IsKind(SyntaxKind.InternalKeyword) && !m.IsKind(SyntaxKind.PublicKeyword) && !m.IsKind(SyntaxKind.StaticKeyword)).ToList();
        var leading = method.Modifiers.Count > 0 ? method.Modifiers[0].LeadingTrivia : method.ReturnType.GetLeadingTrivia();
        var modifiers = SyntaxFactory.TokenList(
            new[] { SyntaxFactory.Token(leading, SyntaxKind.PublicKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space)) }
                .Concat(kept.Select(k => k.WithLeadingTrivia().WithTrailingTrivia(SyntaxFactory.Space))));
        var updated = method.WithModifiers(modifiers);
        if (method.Modifiers.Count == 0)
        {
            updated = updated.WithReturnType(method.ReturnType.WithLeadingTrivia());
        }

        return document.WithSyntaxRoot(root.ReplaceNode(method, updated));
    }
}
