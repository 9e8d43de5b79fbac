using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Faustish.Generators.Model;
using Faustish.Generators.Rules;
using Faustish.Generators.Serialization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Faustish.Generators.Parsing;

/// <summary>
/// Finds the <c>GroupBy(keySelector, "name")</c> calls on streams in a stream agent's method, so their repartition
/// topics are declared at compile time (created at start with the agent's partitions, consumed by the agent's later
/// stage). A call the generator cannot declare — a name that is not a constant, a key without a primitive encoding —
/// is left out, and the runtime's GroupBy says what to change.
/// </summary>
internal static class GroupBys
{
    public static EquatableArray<RepartitionModel> Find(IMethodSymbol method, ITypeSymbol topicValue, string topicName, Compilation? compilation, CancellationToken cancellationToken)
    {
        var found = new List<RepartitionModel>();
        if (compilation is null)
        {
            return default;
        }

        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            var syntax = reference.GetSyntax(cancellationToken);
            var model = compilation.GetSemanticModel(syntax.SyntaxTree);
            foreach (var invocation in syntax.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (invocation.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GroupBy" } ||
                    model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol { Name: "GroupBy", TypeArguments.Length: 1 } groupBy ||
                    groupBy.ContainingType is not { Arity: 2 } stream ||
                    !TargetRules.HasMetadataName(stream.OriginalDefinition, AgentRules.StreamType) ||
                    invocation.ArgumentList.Arguments.Count != 2 ||
                    model.GetConstantValue(invocation.ArgumentList.Arguments[1].Expression, cancellationToken) is not { HasValue: true, Value: string name } ||
                    name.Trim().Length == 0 ||
                    found.Any(f => f.Name == name))
                {
                    continue;
                }

                var key = groupBy.TypeArguments[0];
                var value = stream.TypeArguments[1];
                if (JsonCodecModelBuilder.GetReference(key).PrimitiveExpression is not { } keyCodec)
                {
                    continue;
                }

                string valueCodec;
                if (SymbolEqualityComparer.Default.Equals(value, topicValue))
                {
                    valueCodec = topicName + ".Definition.ValueCodec";
                }
                else if (JsonCodecModelBuilder.GetReference(value).PrimitiveExpression is { } primitive)
                {
                    valueCodec = primitive;
                }
                else
                {
                    continue;
                }

                found.Add(new RepartitionModel(name, SymbolNames.QualifiedNotNull(key), keyCodec, SymbolNames.QualifiedNotNull(value), valueCodec));
            }
        }

        return new EquatableArray<RepartitionModel>(found);
    }
}
