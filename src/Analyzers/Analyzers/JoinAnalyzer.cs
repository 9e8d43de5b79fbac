using System.Collections.Immutable;
using System.Linq;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Model;
using Faustish.Generators.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Faustish.Analyzers.Analyzers;

/// <summary>
/// Join agents (<c>[Join]</c>): the two topics co-partitioned (same key type, same declared partition count), the window's
/// grammar, values that can be null where the join passes null, a method the generator can call, and a foreign-key join's
/// foreign key (a member of the left value or a method of the agent giving the right topic's key type). What start-up
/// checks again on the real cluster is caught here first.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class JoinAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.InvalidJoin);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (FaustishSymbols.Get(start.Compilation) is not { } symbols || start.Compilation.GetTypeByMetadataName(AgentRules.JoinAttribute) is not { } joinAttribute)
            {
                return;
            }

            start.RegisterSymbolAction(c => Analyze(c, symbols, joinAttribute), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, FaustishSymbols symbols, INamedTypeSymbol joinAttribute)
    {
        var agent = (INamedTypeSymbol)context.Symbol;
        if (FaustishSymbols.FindAttribute(agent, joinAttribute) is not { } join)
        {
            return;
        }

        var location = join.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? agent.Locations[0];
        void Report(string problem) => context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidJoin, location, agent.Name, problem));

        if (FaustishSymbols.FindAttribute(agent, symbols.AgentAttribute) is not { } agentAttribute)
        {
            Report("[Join] goes beside [Agent(typeof(LeftTopic))]: the agent's own topic is the join's left side");
            return;
        }

        if (AgentRules.Topic(agentAttribute) is not INamedTypeSymbol left || symbols.GetTopicBase(left) is not { } leftBase ||
            FaustishSymbols.FindAttribute(left, symbols.TopicAttribute) is not { } leftTopic)
        {
            return; // FSH0101 reports the agent's topic
        }

        if (AgentRules.Topic(join) is not INamedTypeSymbol right || symbols.GetTopicBase(right) is not { } rightBase ||
            FaustishSymbols.FindAttribute(right, symbols.TopicAttribute) is not { } rightTopic)
        {
            Report("its right side must be a [Topic] class, e.g. [Join(typeof(Payments))]");
            return;
        }

        var (leftKey, leftValue) = (leftBase.TypeArguments[0], leftBase.TypeArguments[1]);
        var (rightKey, rightValue) = (rightBase.TypeArguments[0], rightBase.TypeArguments[1]);
        var foreignKey = ForeignKeyRules.Named(join);
        if (foreignKey is not null)
        {
            // A foreign-key join: the right topic is keyed by what the left values name, so keys and partitions may differ.
            if (ForeignKeyRules.Resolve(agent, leftValue, right, rightKey, foreignKey, out var problem) is null)
            {
                Report(problem!);
            }

            if (AttributeReader.NamedString(join, "Window") is not null)
            {
                Report("a foreign-key join joins tables (each key's latest value), not streams in a window; leave Window out");
            }

            if ((AttributeReader.NamedInt(join, "Kind") ?? 0) == 2)
            {
                Report("a foreign-key join cannot be an outer join (a right value has no left key to give its result under); use JoinKind.Inner or JoinKind.Left");
            }
        }
        else
        {
            if (!SymbolEqualityComparer.Default.Equals(leftKey, rightKey))
            {
                Report($"'{left.Name}' has {leftKey.ToDisplayString()} keys and '{right.Name}' has {rightKey.ToDisplayString()} keys; a join matches records by key, so give both topics the same key type" +
                    " (or, if the left values name right keys, set ForeignKey to that member)");
            }

            var leftPartitions = AttributeReader.Partitions(leftTopic, 1);
            var rightPartitions = AttributeReader.Partitions(rightTopic, 1);
            if (leftPartitions != rightPartitions)
            {
                Report($"'{left.Name}' has {leftPartitions} partitions and '{right.Name}' has {rightPartitions}; a join reads partition n of both together, so make the counts equal");
            }
        }

        if (leftValue.IsValueType || rightValue.IsValueType)
        {
            Report("a join gives null for a missing side, so both topics' values must be reference types (records or classes)");
        }

        var window = AttributeReader.NamedString(join, "Window");
        if (window is not null && !JoinWindowSpec.TryParse(window, out _, out var error))
        {
            Report($"Window \"{window}\" {error}");
        }

        var kind = AttributeReader.NamedInt(join, "Kind") ?? 0;
        if (AgentRules.ProcessingMethod(agent) is not { } method || !AgentRules.TakesJoin(method, leftKey, leftValue, rightValue))
        {
            return; // FSH0100, FSH0101 or FSH0102 say what the method needs
        }

        if (!method.ReturnsVoid)
        {
            Report($"{method.Name} returns {method.ReturnType.ToDisplayString()}; a join agent's method is called with each result and returns void");
        }

        // Where the join can pass null, the parameter must say so: left and outer joins' missing sides, and a table join's
        // (key, null, null) when a result is gone.
        var table = window is null;
        if ((table || kind == 2) && !AgentRules.MayBeNull(method.Parameters[1].Type))
        {
            Report($"parameter '{method.Parameters[1].Name}' is not nullable, but this join passes null for it ({(table ? "a table join's gone result" : "an outer join's unmatched right record")}); declare it {leftValue.ToDisplayString()}?");
        }

        if ((table || kind >= 1) && !AgentRules.MayBeNull(method.Parameters[2].Type))
        {
            Report($"parameter '{method.Parameters[2].Name}' is not nullable, but this join passes null for it ({(table ? "a table join's missing side" : "an unmatched left record")}); declare it {rightValue.ToDisplayString()}?");
        }
    }
}
