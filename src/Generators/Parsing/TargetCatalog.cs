using System.Collections.Generic;
using System.Threading;
using Faustish.Generators.Model;
using Faustish.Generators.Rules;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Parsing;

/// <summary>
/// The topics and tables of one compilation, each parsed once: 200 agents that send to or write the same few classes
/// ask about them again and again, and a parse builds codec models.
/// </summary>
internal sealed class TargetCatalog(CancellationToken cancellationToken)
{
    private readonly Dictionary<INamedTypeSymbol, Parsed<TopicModel>> _topics = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<INamedTypeSymbol, Parsed<TableModel>> _tables = new(SymbolEqualityComparer.Default);

    public Parsed<TopicModel> Topic(INamedTypeSymbol type, AttributeData attribute)
    {
        if (!_topics.TryGetValue(type, out var parsed))
        {
            _topics[type] = parsed = TopicParser.Parse(type, attribute, cancellationToken);
        }

        return parsed;
    }

    public Parsed<TableModel> Table(INamedTypeSymbol type, AttributeData attribute)
    {
        if (!_tables.TryGetValue(type, out var parsed))
        {
            _tables[type] = parsed = TableParser.Parse(type, attribute, cancellationToken);
        }

        return parsed;
    }

    /// <summary>Whether <paramref name="type"/> is a [Topic] class the generator serves (so its constructor and Definition exist).</summary>
    public bool ServesTopic(INamedTypeSymbol type) => ServedTopic(type) is not null;

    /// <summary>The model of <paramref name="type"/> when it is a [Topic] class the generator serves; else null.</summary>
    public TopicModel? ServedTopic(INamedTypeSymbol type) =>
        TargetRules.FindAttribute(type, TargetRules.TopicAttribute) is { } attribute ? Topic(type, attribute).Model : null;

    /// <summary>Whether <paramref name="type"/> is a [Table] class the generator serves (so its Definition exists).</summary>
    public bool ServesTable(INamedTypeSymbol type) =>
        TargetRules.FindAttribute(type, TargetRules.TableAttribute) is { } attribute && Table(type, attribute).Model is not null;
}
