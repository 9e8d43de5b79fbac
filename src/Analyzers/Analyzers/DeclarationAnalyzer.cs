using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Faustish.Analyzers.Analyzers;

/// <summary>The shape of topic, table and agent classes: partial, base type, constructors, generics, nesting.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DeclarationAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ClassNotPartial,
        DiagnosticDescriptors.WrongBaseType,
        DiagnosticDescriptors.ConstructorDeclared,
        DiagnosticDescriptors.GenericClass,
        DiagnosticDescriptors.SeveralRoles,
        DiagnosticDescriptors.ContainingTypeNotPartial);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (FaustishSymbols.Get(start.Compilation) is not { } symbols)
            {
                return;
            }

            start.RegisterSymbolAction(c => Analyze(c, symbols), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, FaustishSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var roles = new List<(AttributeData Attribute, string Role, string AttributeName)>(1);
        foreach (var attribute in type.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, symbols.TopicAttribute))
            {
                roles.Add((attribute, "topic", "Topic"));
            }
            else if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, symbols.TableAttribute))
            {
                roles.Add((attribute, "table", "Table"));
            }
            else if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, symbols.AgentAttribute))
            {
                roles.Add((attribute, "agent", "Agent"));
            }
        }

        if (roles.Count == 0)
        {
            return;
        }

        var name = AttributeReader.Name(type);
        var (first, role, attributeName) = roles[0];
        for (var i = 1; i < roles.Count; i++)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SeveralRoles,
                AttributeReader.Location(roles[i].Attribute, type, context.CancellationToken), name, attributeName, roles[i].AttributeName));
        }

        var declarations = type.DeclaringSyntaxReferences
            .Select(r => r.GetSyntax(context.CancellationToken))
            .OfType<TypeDeclarationSyntax>()
            .Where(d => !GeneratedCode.IsGenerated(d.SyntaxTree))
            .ToList();

        if (declarations.Count > 0 && !declarations.Any(d => d.Modifiers.Any(SyntaxKind.PartialKeyword)))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ClassNotPartial,
                declarations[0].Identifier.GetLocation(), name, role));
        }

        if (type.ContainingType is not null)
        {
            for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                var outerDeclarations = outer.DeclaringSyntaxReferences.Select(r => r.GetSyntax(context.CancellationToken)).OfType<TypeDeclarationSyntax>();
                if (!outerDeclarations.Any(d => d.Modifiers.Any(SyntaxKind.PartialKeyword)))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ContainingTypeNotPartial,
                        Identifier(declarations, type), name, AttributeReader.Name(outer)));
                    break;
                }
            }
        }

        if (type.IsGenericType)
        {
            var parameters = declarations.Select(d => d.TypeParameterList).FirstOrDefault(l => l is not null);
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GenericClass,
                parameters?.GetLocation() ?? Identifier(declarations, type), name, role));
        }

        if (role == "agent")
        {
            return;
        }

        var expectedBase = role == "topic" ? symbols.GetTopicBase(type) : symbols.GetTableBase(type);
        if (expectedBase is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WrongBaseType,
                Identifier(declarations, type), name, attributeName,
                role == "topic" ? "Faustish.Topic<TKey, TValue>" : "Faustish.Table<TKey, TValue>"));
        }

        foreach (var declaration in declarations)
        {
            if (declaration.ParameterList is { } primary)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ConstructorDeclared, primary.GetLocation(), name, attributeName));
            }

            foreach (var constructor in declaration.Members.OfType<ConstructorDeclarationSyntax>())
            {
                if (!constructor.Modifiers.Any(SyntaxKind.StaticKeyword))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ConstructorDeclared,
                        constructor.Identifier.GetLocation(), name, attributeName));
                }
            }
        }
    }

    private static Location Identifier(List<TypeDeclarationSyntax> declarations, INamedTypeSymbol type) =>
        declarations.Count > 0 ? declarations[0].Identifier.GetLocation() : type.Locations.FirstOrDefault() ?? Location.None;
}
