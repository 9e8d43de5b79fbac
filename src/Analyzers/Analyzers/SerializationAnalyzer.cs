using System.Collections.Immutable;
using System.Linq;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Faustish.Analyzers.Analyzers;

/// <summary>Key and value types of topics and tables that the generated codecs cannot encode, naming the member.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SerializationAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.UnsupportedType,
        DiagnosticDescriptors.CyclicType);

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

            var checker = new SerializationChecker(symbols);
            start.RegisterSymbolAction(c => Analyze(c, symbols, checker), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, FaustishSymbols symbols, SerializationChecker checker)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        INamedTypeSymbol? constructed = null;
        if (symbols.IsTopicClass(type))
        {
            constructed = symbols.GetTopicBase(type);
        }
        else if (symbols.IsTableClass(type))
        {
            constructed = symbols.GetTableBase(type);
        }

        if (constructed is null || type.IsGenericType)
        {
            return;
        }

        for (var i = 0; i < 2; i++)
        {
            var argument = constructed.TypeArguments[i];
            if (checker.Check(argument) is not { } problem)
            {
                continue;
            }

            var location = TypeArgumentLocation(context, type, i) ?? type.Locations[0];
            var role = i == 0 ? "key" : "value";
            var name = AttributeReader.Name(type);
            context.ReportDiagnostic(problem.IsCycle
                ? Diagnostic.Create(DiagnosticDescriptors.CyclicType, location, role, name, problem.Path, SerializationChecker.Display(problem.Type))
                : Diagnostic.Create(DiagnosticDescriptors.UnsupportedType, location, role, name, problem.Path,
                    SerializationChecker.Display(problem.Type), problem.Reason));
        }
    }

    /// <summary>The <paramref name="index"/>th type argument in the class's base list (Topic&lt;K, V&gt;).</summary>
    private static Location? TypeArgumentLocation(SymbolAnalysisContext context, INamedTypeSymbol type, int index)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(context.CancellationToken) is not TypeDeclarationSyntax { BaseList: { } baseList } declaration
                || GeneratedCode.IsGenerated(declaration.SyntaxTree))
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

        return type.Locations.FirstOrDefault();
    }
}
