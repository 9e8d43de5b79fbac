using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Faustish.Generators.Model;
using Faustish.Generators.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Faustish.Generators.Parsing;

/// <summary>
/// Finds the <c>[Topic]</c>, <c>[Table]</c> and <c>[Agent]</c> classes of a compilation the way
/// <c>ForAttributeWithMetadataName</c> does (a syntactic look at attribute names, aliases included, then the attribute's
/// metadata name), and parses each once. It runs only when <see cref="DeclarationShape"/> sees declarations change.
/// </summary>
internal static class TargetFinder
{
    private static readonly string[] AttributeNames = ["Topic", "Table", "Agent"];

    public static AppTargets Find(Compilation compilation, CancellationToken cancellationToken)
    {
        var aliases = AliasNames(compilation, cancellationToken);
        var catalog = new TargetCatalog(cancellationToken);
        var seen = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        var topics = new List<TopicModel>();
        var tables = new List<TableModel>();
        var agents = new List<AgentModel>();
        var standIns = new List<StandInModel>();
        foreach (var tree in compilation.SyntaxTrees)
        {
            SemanticModel? semanticModel = null;
            foreach (var declaration in Candidates(tree.GetRoot(cancellationToken), aliases))
            {
                cancellationToken.ThrowIfCancellationRequested();
                semanticModel ??= compilation.GetSemanticModel(tree);
                if (semanticModel.GetDeclaredSymbol(declaration, cancellationToken) is not { } type || !seen.Add(type))
                {
                    continue;
                }

                if (Attribute(type, TargetRules.TopicAttribute, IsClass, cancellationToken) is { } topic)
                {
                    Add(catalog.Topic(type, topic), topics, standIns);
                }

                if (Attribute(type, TargetRules.TableAttribute, IsClass, cancellationToken) is { } table)
                {
                    Add(catalog.Table(type, table), tables, standIns);
                }

                if (Attribute(type, TargetRules.AgentAttribute, IsClassOrRecordClass, cancellationToken) is { } agent &&
                    AgentParser.Parse(type, agent, catalog, cancellationToken, compilation) is { } model)
                {
                    agents.Add(model);
                }
            }
        }

        // Ordinal order, so the models do not depend on the order files come in.
        return new AppTargets(
            topics.OrderBy(static t => t.Target.FullyQualifiedName, StringComparer.Ordinal).ToEquatableArray(),
            tables.OrderBy(static t => t.Target.FullyQualifiedName, StringComparer.Ordinal).ToEquatableArray(),
            agents.OrderBy(static a => a.Target.FullyQualifiedName, StringComparer.Ordinal).ToEquatableArray(),
            standIns.OrderBy(static s => s.Target.FullyQualifiedName, StringComparer.Ordinal).ToEquatableArray());
    }

    private static void Add<T>(Parsed<T> parsed, List<T> models, List<StandInModel> standIns) where T : class
    {
        if (parsed.Model is not null)
        {
            models.Add(parsed.Model);
        }
        else if (parsed.StandIn is not null)
        {
            standIns.Add(parsed.StandIn);
        }
    }

    /// <summary>
    /// The first attribute of <paramref name="type"/> with metadata name <paramref name="name"/>, when it is written on a
    /// declaration <paramref name="accepts"/> takes (a topic or table written as a record is the analyzers' to report).
    /// </summary>
    private static AttributeData? Attribute(INamedTypeSymbol type, string name, Func<SyntaxNode?, bool> accepts, CancellationToken cancellationToken) =>
        TargetRules.FindAttribute(type, name) is { } attribute &&
        accepts(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).Parent?.Parent)
            ? attribute
            : null;

    private static bool IsClass(SyntaxNode? node) => node is ClassDeclarationSyntax;

    // Agents may be record classes too (topics and tables cannot: a record cannot derive from Topic or Table).
    private static bool IsClassOrRecordClass(SyntaxNode? node) =>
        node is ClassDeclarationSyntax or RecordDeclarationSyntax { ClassOrStructKeyword.RawKind: not (int)SyntaxKind.StructKeyword };

    /// <summary>Class and record declarations with an attribute that may be one of ours, judged by its name alone.</summary>
    private static IEnumerable<TypeDeclarationSyntax> Candidates(SyntaxNode root, HashSet<string> aliases)
    {
        foreach (var node in root.DescendantNodes(static node => node is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax))
        {
            if (node is ClassDeclarationSyntax or RecordDeclarationSyntax && ((TypeDeclarationSyntax)node).AttributeLists.Count > 0)
            {
                var declaration = (TypeDeclarationSyntax)node;
                if (declaration.AttributeLists.Any(list => list.Attributes.Any(attribute => MayBeOurs(attribute.Name, aliases))))
                {
                    yield return declaration;
                }
            }
        }
    }

    private static bool MayBeOurs(NameSyntax name, HashSet<string> aliases)
    {
        var simple = name switch
        {
            SimpleNameSyntax plain => plain.Identifier.ValueText,
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax aliased => aliased.Name.Identifier.ValueText,
            _ => "",
        };
        var stem = simple.EndsWith("Attribute", StringComparison.Ordinal) ? simple.Substring(0, simple.Length - "Attribute".Length) : simple;
        return Array.IndexOf(AttributeNames, stem) >= 0 || aliases.Contains(simple) || aliases.Contains(stem);
    }

    /// <summary>Every <c>using X = ...;</c> name in the compilation (global ones reach every file), any target.</summary>
    private static HashSet<string> AliasNames(Compilation compilation, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tree in compilation.SyntaxTrees)
        {
            foreach (var node in tree.GetRoot(cancellationToken).DescendantNodes(static node => node is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax))
            {
                if (node is UsingDirectiveSyntax { Alias: { } alias })
                {
                    names.Add(alias.Name.Identifier.ValueText);
                }
            }
        }

        return names;
    }
}
