using System.Collections.Immutable;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Model;
using Faustish.Generators.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Faustish.Analyzers.Analyzers;

/// <summary>
/// The shape of topic, table and agent classes: partial, base type, constructors, generics, nesting, accessibility,
/// abstract or static, reserved names. It reports every problem of <see cref="TargetRules.Problems"/>, the rules the
/// generator completes a class by, so a class is either completed or explained. Also types declared in the
/// namespace of the generated code.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DeclarationAnalyzer : DiagnosticAnalyzer
{
    private const string CodecNamespace = "Faustish.Generated.Codecs";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ClassNotPartial,
        DiagnosticDescriptors.WrongBaseType,
        DiagnosticDescriptors.ConstructorDeclared,
        DiagnosticDescriptors.GenericClass,
        DiagnosticDescriptors.SeveralRoles,
        DiagnosticDescriptors.ContainingTypeNotPartial,
        DiagnosticDescriptors.UnreachableClass,
        DiagnosticDescriptors.NotInstantiable,
        DiagnosticDescriptors.ReservedName,
        DiagnosticDescriptors.ReservedNamespace,
        DiagnosticDescriptors.RequiredMembers);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (FaustishSymbols.Get(start.Compilation) is null)
            {
                return;
            }

            start.RegisterSymbolAction(Analyze, SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        ReportReservedNamespace(context, type);
        foreach (var problem in TargetRules.Problems(type, context.CancellationToken))
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptor(problem.Rule), problem.Location, problem.Arguments));
        }
    }

    private static DiagnosticDescriptor Descriptor(DeclarationRule rule) => rule switch
    {
        DeclarationRule.NotPartial => DiagnosticDescriptors.ClassNotPartial,
        DeclarationRule.WrongBase => DiagnosticDescriptors.WrongBaseType,
        DeclarationRule.ConstructorDeclared => DiagnosticDescriptors.ConstructorDeclared,
        DeclarationRule.Generic => DiagnosticDescriptors.GenericClass,
        DeclarationRule.SeveralRoles => DiagnosticDescriptors.SeveralRoles,
        DeclarationRule.ContainerNotPartial => DiagnosticDescriptors.ContainingTypeNotPartial,
        DeclarationRule.Unreachable => DiagnosticDescriptors.UnreachableClass,
        DeclarationRule.NotInstantiable => DiagnosticDescriptors.NotInstantiable,
        DeclarationRule.RequiredMembers => DiagnosticDescriptors.RequiredMembers,
        _ => DiagnosticDescriptors.ReservedName,
    };

    /// <summary>
    /// A type of the user's in Faustish.Generated.Codecs, where the generated codecs live, or one whose full name is a
    /// namespace the generated code declares (Faustish.Generated, Faustish.Generated.Codecs).
    /// </summary>
    private static void ReportReservedNamespace(SymbolAnalysisContext context, INamedTypeSymbol type)
    {
        if (type.ContainingType is not null || !InFaustishNamespaceOrIsIt(type) ||
            type.Locations.IsEmpty || !type.Locations[0].IsInSource || GeneratedCode.IsGenerated(type.Locations[0].SourceTree!))
        {
            return;
        }

        var ns = type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString();
        var fullName = ns.Length == 0 ? type.Name : ns + "." + type.Name;
        if (ns == CodecNamespace || ns.StartsWith(CodecNamespace + ".", System.StringComparison.Ordinal))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ReservedNamespace, type.Locations[0],
                type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), CodecNamespace));
        }
        else if (CodecNamespace == fullName || CodecNamespace.StartsWith(fullName + ".", System.StringComparison.Ordinal))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ReservedNamespace, type.Locations[0],
                type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), fullName));
        }
    }

    /// <summary>
    /// Whether the outermost name of <paramref name="type"/>'s full name is Faustish: the only types this check can be
    /// about. Asked of every type of the compilation, so it walks namespaces instead of building their names.
    /// </summary>
    private static bool InFaustishNamespaceOrIsIt(INamedTypeSymbol type)
    {
        var outermost = type.ContainingNamespace;
        if (outermost is null || outermost.IsGlobalNamespace)
        {
            return type.Name == "Faustish";
        }

        while (outermost.ContainingNamespace is { IsGlobalNamespace: false } parent)
        {
            outermost = parent;
        }

        return outermost.Name == "Faustish";
    }
}
