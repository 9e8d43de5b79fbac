using System.Collections.Concurrent;
using System.Collections.Immutable;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Model;
using Faustish.Generators.Serialization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Faustish.Analyzers.Analyzers;

/// <summary>
/// Key and value types of topics and tables that the generated codecs cannot serve, naming the member. The answer
/// comes from <see cref="JsonCodecModelBuilder"/>, the code the generator builds its codecs with, so a type is
/// reported here exactly when the generator would skip it.
/// </summary>
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

            // One answer per type for the compilation: several topics and tables often share a value type.
            var problems = new ConcurrentDictionary<ITypeSymbol, JsonCodecProblem?>(SymbolEqualityComparer.Default);
            start.RegisterSymbolAction(c => Analyze(c, symbols, problems), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, FaustishSymbols symbols, ConcurrentDictionary<ITypeSymbol, JsonCodecProblem?> problems)
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
            if (argument.TypeKind == TypeKind.Error || problems.GetOrAdd(argument, JsonCodecModelBuilder.Check) is not { } problem)
            {
                continue;
            }

            var location = AttributeReader.BaseTypeArgumentLocation(type, i, context.CancellationToken);
            var role = i == 0 ? "key" : "value";
            var name = AttributeReader.Name(type);
            context.ReportDiagnostic(problem.IsCycle
                ? Diagnostic.Create(DiagnosticDescriptors.CyclicType, location, role, name, problem.Path, problem.CycleType)
                : Diagnostic.Create(DiagnosticDescriptors.UnsupportedType, location, role, name, problem.Path, problem.What));
        }
    }
}
