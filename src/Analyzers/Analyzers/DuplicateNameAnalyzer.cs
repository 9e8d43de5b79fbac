using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Faustish.Analyzers.Analyzers;

/// <summary>Two topic classes, or two table classes, with the same name in one assembly: reported on each, naming the other.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DuplicateNameAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.DuplicateTopicName,
        DiagnosticDescriptors.DuplicateTableName);

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
                    declared.Add(new Declared(isTopic: true, topicName, type, AttributeReader.CtorLocation(topic, type, c.CancellationToken)));
                }

                if (FaustishSymbols.FindAttribute(type, symbols.TableAttribute) is { } table && AttributeReader.CtorString(table) is { } tableName)
                {
                    declared.Add(new Declared(isTopic: false, tableName, type, AttributeReader.CtorLocation(table, type, c.CancellationToken)));
                }
            }, SymbolKind.NamedType);
            start.RegisterCompilationEndAction(c => Report(c, declared));
        });
    }

    private static void Report(CompilationAnalysisContext context, ConcurrentBag<Declared> declared)
    {
        foreach (var group in declared.GroupBy(d => (d.IsTopic, d.Name)))
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
                    member.IsTopic ? DiagnosticDescriptors.DuplicateTopicName : DiagnosticDescriptors.DuplicateTableName,
                    member.Location, member.Name, other.Type.ToDisplayString()));
            }
        }
    }

    private sealed class Declared(bool isTopic, string name, INamedTypeSymbol type, Location location)
    {
        public bool IsTopic { get; } = isTopic;

        public string Name { get; } = name;

        public INamedTypeSymbol Type { get; } = type;

        public Location Location { get; } = location;
    }
}
