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
using Microsoft.CodeAnalysis.Simplification;

namespace Faustish.Analyzers.CodeFixes;

/// <summary>
/// FSH0104: turns <c>async void Process(...)</c> into <c>async ValueTask ProcessAsync(...)</c>. The method is renamed to
/// follow the Async naming convention when it is called Process and no ProcessAsync exists (both names are
/// processing methods, so the agent keeps working).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReturnValueTaskCodeFix)), Shared]
public sealed class ReturnValueTaskCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.AsyncVoidProcessingMethod.Id);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var diagnostic = context.Diagnostics[0];
        if (root?.FindNode(diagnostic.Location.SourceSpan).AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault() is not { } method)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("Return ValueTask", ct => FixAsync(context.Document, method, ct), equivalenceKey: nameof(ReturnValueTaskCodeFix)),
            diagnostic);
    }

    private static async Task<Document> FixAsync(Document document, MethodDeclarationSyntax method, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var valueTask = SyntaxFactory.ParseTypeName("global::System.Threading.Tasks.ValueTask")
            .WithTriviaFrom(method.ReturnType)
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        var updated = method.WithReturnType(valueTask);

        var siblings = (method.Parent as TypeDeclarationSyntax)?.Members.OfType<MethodDeclarationSyntax>() ?? [];
        if (method.Identifier.ValueText == "Process" && !siblings.Any(m => m.Identifier.ValueText == "ProcessAsync"))
        {
            updated = updated.WithIdentifier(SyntaxFactory.Identifier("ProcessAsync").WithTriviaFrom(method.Identifier));
        }

        return document.WithSyntaxRoot(root.ReplaceNode(method, updated));
    }
}
