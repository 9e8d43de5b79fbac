using System.Collections.Immutable;
using System.Linq;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Model;
using Faustish.Generators.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Faustish.Analyzers.Analyzers;

/// <summary>
/// Agent classes: the topic they subscribe to, their one processing method (name, accessibility, parameters,
/// return type, async void), their constructor and what it takes, and their Concurrency and Name. The rules are
/// <see cref="AgentRules"/>, the ones the generator runs an agent by.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AgentAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.NoProcessingMethod,
        DiagnosticDescriptors.SeveralProcessingMethods,
        DiagnosticDescriptors.ProcessingMethodParameters,
        DiagnosticDescriptors.ProcessingMethodReturnType,
        DiagnosticDescriptors.ReplyTypeWithoutCodec,
        DiagnosticDescriptors.AsyncVoidProcessingMethod,
        DiagnosticDescriptors.AgentTopicNotATopic,
        DiagnosticDescriptors.ProcessingMethodNotPublic,
        DiagnosticDescriptors.TableParameterNotDeclared,
        DiagnosticDescriptors.TopicParameterNotDeclared,
        DiagnosticDescriptors.InvalidConcurrency,
        DiagnosticDescriptors.InvalidAgentName,
        DiagnosticDescriptors.AgentConstructorParameter,
        DiagnosticDescriptors.AgentConstructors);

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
        var agent = (INamedTypeSymbol)context.Symbol;
        if (FaustishSymbols.FindAttribute(agent, symbols.AgentAttribute) is not { } attribute)
        {
            return;
        }

        var token = context.CancellationToken;
        var agentName = AttributeReader.Name(agent);

        if (AttributeReader.NamedInt(attribute, "Concurrency") is { } concurrency and < 1)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidConcurrency,
                AttributeReader.NamedLocation(attribute, "Concurrency", agent, token), agentName, concurrency));
        }

        if (AttributeReader.Named(attribute, "Name") is { } nameArgument)
        {
            if (Names.ValidateAgentName(nameArgument.Value as string) is { } nameProblem)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidAgentName,
                    AttributeReader.NamedLocation(attribute, "Name", agent, token), nameArgument.Value as string ?? "null", nameProblem));
            }
        }
        else if (Names.ValidateAgentName(AgentRules.EffectiveName(attribute, agent)) is { } defaultProblem)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidAgentName, Identifier(agent, token),
                AgentRules.EffectiveName(attribute, agent), defaultProblem + " (the name comes from the class name; set [Agent(Name = ...)])"));
        }

        ITypeSymbol? topicBaseKey = null, topicBaseValue = null;
        var topic = AgentRules.Topic(attribute);
        if (topic is null || topic.TypeKind != TypeKind.Error)
        {
            if (topic is not INamedTypeSymbol named || !symbols.IsTopicClass(named))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.AgentTopicNotATopic,
                    AttributeReader.CtorLocation(attribute, agent, token), agentName, topic is null ? "null" : AttributeReader.Name(topic)));
            }
            else if (symbols.GetTopicBase(named) is { } topicBase)
            {
                (topicBaseKey, topicBaseValue) = (topicBase.TypeArguments[0], topicBase.TypeArguments[1]);
            }
        }

        AnalyzeProcessingMethods(context, agent, agentName, topic as INamedTypeSymbol, topicBaseKey, topicBaseValue);
        AnalyzeConstructor(context, symbols, agent, agentName);
    }

    private static void AnalyzeProcessingMethods(SymbolAnalysisContext context, INamedTypeSymbol agent, string agentName,
        INamedTypeSymbol? topic, ITypeSymbol? key, ITypeSymbol? value)
    {
        var (candidates, misfits) = AgentRules.ProcessingMethods(agent);
        var keyName = key is null ? "TKey" : Display(key);
        var valueName = value is null ? "TValue" : Display(value);
        if (candidates.Count == 0)
        {
            if (misfits.Count > 0)
            {
                foreach (var misfit in misfits)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ProcessingMethodNotPublic, misfit.Locations[0], misfit.Name));
                }
            }
            else
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NoProcessingMethod,
                    Identifier(agent, context.CancellationToken), agentName, keyName, valueName));
            }

            return;
        }

        for (var i = 1; i < candidates.Count; i++)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SeveralProcessingMethods,
                candidates[i].Locations[0], agentName, Signature(candidates[0]), Signature(candidates[i])));
        }

        foreach (var method in candidates)
        {
            var syntax = method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) as MethodDeclarationSyntax;
            var streamAgent = AgentRules.LooksLikeStreamAgent(method);
            var reply = streamAgent ? AgentRules.ReplyType(method) : null;
            if (reply is not null && key is not null && value is not null && !AgentRules.HasReplyCodec(reply, key, value))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ReplyTypeWithoutCodec,
                    syntax?.ReturnType.GetLocation() ?? method.Locations[0], agentName, Display(reply), keyName, valueName));
            }

            if (reply is null && (AgentRules.Returns(method) is null || (streamAgent && AgentRules.Returns(method) == ProcessReturn.Void)))
            {
                context.ReportDiagnostic(method.IsAsync && method.ReturnsVoid
                    ? Diagnostic.Create(DiagnosticDescriptors.AsyncVoidProcessingMethod, syntax?.ReturnType.GetLocation() ?? method.Locations[0], method.Name)
                    : Diagnostic.Create(DiagnosticDescriptors.ProcessingMethodReturnType, syntax?.ReturnType.GetLocation() ?? method.Locations[0],
                        method.Name, Display(method.ReturnType)));
            }

            if (topic is not null && key is not null && value is not null && !AgentRules.ParametersMatch(method, key, value) && !AgentRules.TakesStream(method, key, value)
                && !(AgentRules.JoinRight(method.ContainingType) is INamedTypeSymbol right && TargetRules.BaseTypeArguments(right, TargetRules.TopicBase) is { } rightTypes
                     && AgentRules.TakesJoin(method, key, value, rightTypes.Value)))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ProcessingMethodParameters,
                    syntax?.ParameterList.GetLocation() ?? method.Locations[0], method.Name, keyName, valueName, AttributeReader.Name(topic)));
            }
        }
    }

    private static void AnalyzeConstructor(SymbolAnalysisContext context, FaustishSymbols symbols, INamedTypeSymbol agent, string agentName)
    {
        var constructor = AgentRules.Constructor(agent, out var count);
        if (constructor is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.AgentConstructors, Identifier(agent, context.CancellationToken), agentName,
                count == 0 ? "no public or internal constructor" : $"{count} public or internal constructors"));
        }

        foreach (var candidate in agent.InstanceConstructors)
        {
            if (candidate.IsImplicitlyDeclared || (constructor is not null && !SymbolEqualityComparer.Default.Equals(candidate, constructor)))
            {
                continue;
            }

            foreach (var parameter in candidate.Parameters)
            {
                var location = parameter.Locations.FirstOrDefault();
                if (location is null || !location.IsInSource || GeneratedCode.IsGenerated(location.SourceTree!))
                {
                    continue;
                }

                var typeLocation = ParameterTypeLocation(parameter, context) ?? location;
                if (AgentRules.ParameterProblem(parameter) is { } problem)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.AgentConstructorParameter, typeLocation,
                        agentName, parameter.Name, problem));
                }
                else if (symbols.GetTableBase(parameter.Type) is not null && !symbols.IsTableClass(parameter.Type))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TableParameterNotDeclared, typeLocation, agentName, Display(parameter.Type)));
                }
                else if (symbols.GetTopicBase(parameter.Type) is not null && !symbols.IsTopicClass(parameter.Type))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TopicParameterNotDeclared, typeLocation, agentName, Display(parameter.Type)));
                }
            }
        }
    }

    private static Location Identifier(INamedTypeSymbol agent, System.Threading.CancellationToken token) =>
        TargetRules.UserDeclarations(agent, token) is { Count: > 0 } declarations
            ? declarations[0].Identifier.GetLocation()
            : agent.Locations.FirstOrDefault(l => l.IsInSource && !GeneratedCode.IsGenerated(l.SourceTree!)) ?? agent.Locations[0];

    private static Location? ParameterTypeLocation(IParameterSymbol parameter, SymbolAnalysisContext context) =>
        (parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) as ParameterSyntax)?.Type?.GetLocation();

    private static string Signature(IMethodSymbol method) =>
        method.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat.WithMemberOptions(SymbolDisplayMemberOptions.IncludeParameters));

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
}
