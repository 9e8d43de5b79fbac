using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Model;
using Faustish.Generators.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Faustish.Analyzers.Analyzers;

/// <summary>
/// Two topic classes, two table classes or two agents with the same name in one assembly: reported on each, naming
/// the other. An agent's name is its [Agent(Name = ...)] or, by default, its class name in kebab case.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DuplicateNameAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.DuplicateTopicName,
        DiagnosticDescriptors.DuplicateTableName,
        DiagnosticDescriptors.DuplicateAgentName);

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

            var declared = new ConcurrentBag<Declared>();
            start.RegisterSymbolAction(c =>
            {
                var type = (INamedTypeSymbol)c.Symbol;
                if (FaustishSymbols.FindAttribute(type, symbols.TopicAttribute) is { } topic && AttributeReader.CtorString(topic) is { } topicName)
                {
                    declared.Add(new Declared(Kind.Topic, topicName, type, AttributeReader.CtorLocation(topic, type, c.CancellationToken)));
                }

                if (FaustishSymbols.FindAttribute(type, symbols.TableAttribute) is { } table && AttributeReader.CtorString(table) is { } tableName)
                {
                    declared.Add(new Declared(Kind.Table, tableName, type, AttributeReader.CtorLocation(table, type, c.CancellationToken)));
                }

                if (FaustishSymbols.FindAttribute(type, symbols.AgentAttribute) is { } agent)
                {
                    var location = AgentRules.HasDefaultName(agent)
                        ? TargetRules.UserDeclarations(type, c.CancellationToken) is { Count: > 0 } declarations ? declarations[0].Identifier.GetLocation() : type.Locations[0]
                        : AttributeReader.NamedLocation(agent, "Name", type, c.CancellationToken);
                    declared.Add(new Declared(Kind.Agent, AgentRules.EffectiveName(agent, type), type, location));
                }
            }, SymbolKind.NamedType);
            start.RegisterCompilationEndAction(c => Report(c, declared));
        });
    }

    private static void Report(CompilationAnalysisContext context, ConcurrentBag<Declared> declared)
    {
        foreach (var group in declared.GroupBy(d => (d.Kind, d.Name)))
        {
            var members = group.OrderBy(d => d.Type.ToDisplayString(), System.StringComparer.Ordinal).ToList();
            if (members.Count < 2)
            {
                continue;
            }

            foreach (var member in members)
            {
                var other = members.First(m => !ReferenceEquals(m, member));
                context.ReportDiagnostic(Diagnostic.Create(
                    member.Kind switch
                    {
                        Kind.Topic => DiagnosticDescriptors.DuplicateTopicName,
                        Kind.Table => DiagnosticDescriptors.DuplicateTableName,
                        _ => DiagnosticDescriptors.DuplicateAgentName,
                    },
                    member.Location, member.Name, other.Type.ToDisplayString()));
            }
        }
    }

    private enum Kind
    {
        Topic,
        Table,
        Agent,
    }

    private sealed class Declared(Kind kind, string name, INamedTypeSymbol type, Location location)
    {
        public Kind Kind { get; } = kind;

        public string Name { get; } = name;

        public INamedTypeSymbol Type { get; } = type;

        public Location Location { get; } = location;
    }
}
