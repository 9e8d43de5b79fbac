using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Faustish.Analyzers.Analyzers;

/// <summary>
/// Agent classes: the topic they subscribe to, their one processing method (name, accessibility, parameters,
/// return type, async void), their constructor's tables and topics, and their Concurrency and Name.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AgentAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.NoProcessingMethod,
        DiagnosticDescriptors.SeveralProcessingMethods,
        DiagnosticDescriptors.ProcessingMethodParameters,
        DiagnosticDescriptors.ProcessingMethodReturnType,
        DiagnosticDescriptors.AsyncVoidProcessingMethod,
        DiagnosticDescriptors.AgentTopicNotATopic,
        DiagnosticDescriptors.ProcessingMethodNotPublic,
        DiagnosticDescriptors.TableParameterNotDeclared,
        DiagnosticDescriptors.TopicParameterNotDeclared,
        DiagnosticDescriptors.InvalidConcurrency,
        DiagnosticDescriptors.InvalidAgentName);

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

        if (AttributeReader.Named(attribute, "Name") is { } nameArgument && Names.ValidateAgentName(nameArgument.Value as string) is { } nameProblem)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidAgentName,
                AttributeReader.NamedLocation(attribute, "Name", agent, token), nameArgument.Value as string ?? "null", nameProblem));
        }

        INamedTypeSymbol? topicBase = null;
        var topic = Roles.AgentTopic(attribute);
        if (topic is not null && topic.TypeKind != TypeKind.Error)
        {
            if (!symbols.IsTopicClass(topic))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.AgentTopicNotATopic,
                    AttributeReader.CtorLocation(attribute, agent, token), agentName, AttributeReader.Name(topic)));
            }
            else
            {
                topicBase = symbols.GetTopicBase(topic);
            }
        }

        AnalyzeProcessingMethods(context, symbols, agent, agentName, topic, topicBase);
        AnalyzeConstructorParameters(context, symbols, agent, agentName);
    }

    private static void AnalyzeProcessingMethods(SymbolAnalysisContext context, FaustishSymbols symbols, INamedTypeSymbol agent,
        string agentName, INamedTypeSymbol? topic, INamedTypeSymbol? topicBase)
    {
        var candidates = new List<IMethodSymbol>();
        var misfits = new List<IMethodSymbol>();
        foreach (var member in agent.GetMembers())
        {
            if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary, Name: "Process" or "ProcessAsync" } method
                && !method.IsImplicitlyDeclared && method.Locations.Any(l => l.IsInSource && !GeneratedCode.IsGenerated(l.SourceTree!)))
            {
                if (method.DeclaredAccessibility == Accessibility.Public && !method.IsStatic && !method.IsGenericMethod)
                {
                    candidates.Add(method);
                }
                else
                {
                    misfits.Add(method);
                }
            }
        }

        var keyName = topicBase is null ? "TKey" : Display(topicBase.TypeArguments[0]);
        var valueName = topicBase is null ? "TValue" : Display(topicBase.TypeArguments[1]);
        if (candidates.Count == 0)
        {
            if (misfits.Count > 0)
            {
                foreach (var misfit in misfits)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ProcessingMethodNotPublic,
                        misfit.Locations[0], misfit.Name));
                }
            }
            else
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NoProcessingMethod,
                    agent.Locations.FirstOrDefault(l => l.IsInSource && !GeneratedCode.IsGenerated(l.SourceTree!)) ?? agent.Locations[0],
                    agentName, keyName, valueName));
            }

            return;
        }

        candidates.Sort((a, b) => Compare(a.Locations[0], b.Locations[0]));
        for (var i = 1; i < candidates.Count; i++)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SeveralProcessingMethods,
                candidates[i].Locations[0], agentName, Signature(candidates[0]), Signature(candidates[i])));
        }

        foreach (var method in candidates)
        {
            AnalyzeProcessingMethod(context, symbols, method, topic, topicBase, keyName, valueName);
        }
    }

    private static void AnalyzeProcessingMethod(SymbolAnalysisContext context, FaustishSymbols symbols, IMethodSymbol method,
        INamedTypeSymbol? topic, INamedTypeSymbol? topicBase, string keyName, string valueName)
    {
        var syntax = method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) as MethodDeclarationSyntax;
        if (method.IsAsync && method.ReturnsVoid)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.AsyncVoidProcessingMethod,
                syntax?.ReturnType.GetLocation() ?? method.Locations[0], method.Name));
        }
        else if (!method.ReturnsVoid && !IsAwaitable(symbols, method.ReturnType))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ProcessingMethodReturnType,
                syntax?.ReturnType.GetLocation() ?? method.Locations[0], method.Name, Display(method.ReturnType)));
        }

        if (topicBase is null || topic is null)
        {
            return;
        }

        var parameters = method.Parameters;
        var ok = parameters.Length is 2 or 3
            && Matches(parameters[0], topicBase.TypeArguments[0])
            && Matches(parameters[1], topicBase.TypeArguments[1])
            && (parameters.Length == 2 || Matches(parameters[2], symbols.EventContext));
        if (!ok)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ProcessingMethodParameters,
                syntax?.ParameterList.GetLocation() ?? method.Locations[0], method.Name, keyName, valueName, AttributeReader.Name(topic)));
        }
    }

    private static void AnalyzeConstructorParameters(SymbolAnalysisContext context, FaustishSymbols symbols, INamedTypeSymbol agent, string agentName)
    {
        foreach (var constructor in agent.InstanceConstructors)
        {
            if (constructor.IsImplicitlyDeclared)
            {
                continue;
            }

            foreach (var parameter in constructor.Parameters)
            {
                var location = parameter.Locations.FirstOrDefault();
                if (location is null || !location.IsInSource || GeneratedCode.IsGenerated(location.SourceTree!))
                {
                    continue;
                }

                if (symbols.GetTableBase(parameter.Type) is not null && !symbols.IsTableClass(parameter.Type))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TableParameterNotDeclared,
                        ParameterTypeLocation(parameter, context) ?? location, agentName, Display(parameter.Type)));
                }
                else if (symbols.GetTopicBase(parameter.Type) is not null && !symbols.IsTopicClass(parameter.Type))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TopicParameterNotDeclared,
                        ParameterTypeLocation(parameter, context) ?? location, agentName, Display(parameter.Type)));
                }
            }
        }
    }

    private static Location? ParameterTypeLocation(IParameterSymbol parameter, SymbolAnalysisContext context) =>
        (parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) as ParameterSyntax)?.Type?.GetLocation();

    private static bool Matches(IParameterSymbol parameter, ITypeSymbol? expected) =>
        expected is not null && parameter.RefKind is RefKind.None or RefKind.In
        && SymbolEqualityComparer.Default.Equals(parameter.Type, expected);

    private static bool IsAwaitable(FaustishSymbols symbols, ITypeSymbol type) =>
        SymbolEqualityComparer.Default.Equals(type, symbols.ValueTask) || SymbolEqualityComparer.Default.Equals(type, symbols.Task);

    private static int Compare(Location a, Location b)
    {
        var byPath = string.CompareOrdinal(a.SourceTree?.FilePath, b.SourceTree?.FilePath);
        return byPath != 0 ? byPath : a.SourceSpan.Start.CompareTo(b.SourceSpan.Start);
    }

    private static string Signature(IMethodSymbol method) =>
        method.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat.WithMemberOptions(SymbolDisplayMemberOptions.IncludeParameters));

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
}
