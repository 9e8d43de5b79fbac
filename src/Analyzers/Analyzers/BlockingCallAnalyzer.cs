using System.Collections.Immutable;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Faustish.Analyzers.Analyzers;

/// <summary>Blocking waits inside agents: <c>.Result</c>, <c>.Wait()</c>, <c>Thread.Sleep</c>, <c>.GetAwaiter().GetResult()</c>.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingCallAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.BlockingCall);

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

            start.RegisterOperationAction(c => AnalyzeProperty(c, symbols), OperationKind.PropertyReference);
            start.RegisterOperationAction(c => AnalyzeInvocation(c, symbols), OperationKind.Invocation);
        });
    }

    private static void AnalyzeProperty(OperationAnalysisContext context, FaustishSymbols symbols)
    {
        var reference = (IPropertyReferenceOperation)context.Operation;
        if (reference.Property.Name != "Result" || reference.Instance is null)
        {
            return;
        }

        var owner = reference.Property.ContainingType.OriginalDefinition;
        if (!SymbolEqualityComparer.Default.Equals(owner, symbols.TaskOfT) && !SymbolEqualityComparer.Default.Equals(owner, symbols.ValueTaskOfT))
        {
            return;
        }

        if (symbols.ContainingAgent(context.ContainingSymbol) is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.BlockingCall, reference.Syntax.GetLocation(), ".Result"));
        }
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, FaustishSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        var owner = method.ContainingType;
        string? what = null;
        switch (method.Name)
        {
            case "Wait" or "WaitAll" or "WaitAny" when IsTask(owner, symbols):
                what = method.IsStatic ? "Task." + method.Name + "()" : ".Wait()";
                break;
            case "Sleep" when SymbolEqualityComparer.Default.Equals(owner, symbols.Thread):
                what = "Thread.Sleep";
                break;
            case "GetResult" when owner.Name.EndsWith("Awaiter", System.StringComparison.Ordinal)
                && owner.ContainingNamespace?.ToDisplayString() == "System.Runtime.CompilerServices":
                what = ".GetAwaiter().GetResult()";
                break;
        }

        if (what is not null && symbols.ContainingAgent(context.ContainingSymbol) is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.BlockingCall, invocation.Syntax.GetLocation(), what));
        }
    }

    private static bool IsTask(INamedTypeSymbol? type, FaustishSymbols symbols)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, symbols.Task))
            {
                return true;
            }
        }

        return false;
    }
}
