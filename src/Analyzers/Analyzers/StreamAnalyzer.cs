using System.Collections.Immutable;
using Faustish.Analyzers.Diagnostics;
using Faustish.Generators.Rules;
using Faustish.Generators.Serialization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Faustish.Analyzers.Analyzers;

/// <summary>
/// Calls on a stream agent's <c>Stream&lt;,&gt;</c>: a <c>GroupBy</c> whose repartition topic the generator cannot declare
/// (a name that is not a constant, a key without a primitive encoding) would fail when the agent starts; say so here.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StreamAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.GroupByNotDeclarable);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterOperationAction(Analyze, OperationKind.Invocation);
    }

    private static void Analyze(OperationAnalysisContext context)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method is not { Name: "GroupBy", TypeArguments.Length: 1 } ||
            method.ContainingType is not { Arity: 2 } stream ||
            !TargetRules.HasMetadataName(stream.OriginalDefinition, AgentRules.StreamType) ||
            invocation.Arguments.Length != 2)
        {
            return;
        }

        var name = invocation.Arguments[1].Value;
        if (name.ConstantValue is not { HasValue: true, Value: string })
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GroupByNotDeclarable, name.Syntax.GetLocation(),
                "its name is not a constant string; write the name as a literal or a const"));
            return;
        }

        var key = method.TypeArguments[0];
        if (JsonCodecModelBuilder.GetReference(key).PrimitiveExpression is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GroupByNotDeclarable, invocation.Arguments[0].Value.Syntax.GetLocation(),
                $"its key type '{key.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}' has no primitive encoding; group by a string, int, long or double (a member of the record, or a string made of several)"));
        }
    }
}
