using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace Faustish.Analyzers.Model;

/// <summary>
/// The symbols the analyzers need, resolved once per compilation and shared by every analyzer.
/// <see cref="Get"/> returns null when the compilation does not reference Faustish, and analyzers then do nothing.
/// </summary>
internal sealed class FaustishSymbols
{
    private static readonly ConditionalWeakTable<Compilation, Box> Cache = new();

    private FaustishSymbols(Compilation compilation, INamedTypeSymbol topicAttribute, INamedTypeSymbol tableAttribute,
        INamedTypeSymbol agentAttribute, INamedTypeSymbol topicBase, INamedTypeSymbol tableBase)
    {
        Compilation = compilation;
        TopicAttribute = topicAttribute;
        TableAttribute = tableAttribute;
        AgentAttribute = agentAttribute;
        TopicBase = topicBase;
        TableBase = tableBase;
        TableExtensions = compilation.GetTypeByMetadataName("Faustish.TableExtensions");
        WindowedTableBase = compilation.GetTypeByMetadataName("Faustish.WindowedTable`2");
        GlobalTableBase = compilation.GetTypeByMetadataName("Faustish.GlobalTable`2");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        Thread = compilation.GetTypeByMetadataName("System.Threading.Thread");
        ICollection = compilation.GetTypeByMetadataName("System.Collections.Generic.ICollection`1");
        NonGenericCollection = compilation.GetTypeByMetadataName("System.Collections.ICollection");
    }

    public Compilation Compilation { get; }

    public INamedTypeSymbol TopicAttribute { get; }

    public INamedTypeSymbol TableAttribute { get; }

    public INamedTypeSymbol AgentAttribute { get; }

    /// <summary>Faustish.Topic`2 (unbound definition).</summary>
    public INamedTypeSymbol TopicBase { get; }

    /// <summary>Faustish.Table`2 (unbound definition).</summary>
    public INamedTypeSymbol TableBase { get; }

    /// <summary><c>Faustish.WindowedTable&lt;TKey, TValue&gt;</c>, when the referenced runtime has it.</summary>
    public INamedTypeSymbol? WindowedTableBase { get; }

    /// <summary><c>Faustish.GlobalTable&lt;TKey, TValue&gt;</c>, when the referenced runtime has it.</summary>
    public INamedTypeSymbol? GlobalTableBase { get; }

    /// <summary>Whether <paramref name="table"/> is a global table (held whole by every worker; no co-partitioning).</summary>
    public bool IsGlobalTable(INamedTypeSymbol table)
    {
        for (var current = table.BaseType; current is not null && GlobalTableBase is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, GlobalTableBase))
            {
                return true;
            }
        }

        return false;
    }

    public INamedTypeSymbol? TableExtensions { get; }

    public INamedTypeSymbol? Task { get; }

    public INamedTypeSymbol? TaskOfT { get; }

    public INamedTypeSymbol? ValueTaskOfT { get; }

    public INamedTypeSymbol? Thread { get; }

    public INamedTypeSymbol? ICollection { get; }

    public INamedTypeSymbol? NonGenericCollection { get; }

    /// <summary>The shared symbols of <paramref name="compilation"/>, or null when Faustish is not referenced.</summary>
    public static FaustishSymbols? Get(Compilation compilation) =>
        Cache.GetValue(compilation, static c => new Box(Create(c))).Value;

    private static FaustishSymbols? Create(Compilation compilation)
    {
        var topicAttribute = compilation.GetTypeByMetadataName("Faustish.TopicAttribute");
        var tableAttribute = compilation.GetTypeByMetadataName("Faustish.TableAttribute");
        var agentAttribute = compilation.GetTypeByMetadataName("Faustish.AgentAttribute");
        var topicBase = compilation.GetTypeByMetadataName("Faustish.Topic`2");
        var tableBase = compilation.GetTypeByMetadataName("Faustish.Table`2");
        if (topicAttribute is null || tableAttribute is null || agentAttribute is null || topicBase is null || tableBase is null)
        {
            return null;
        }

        return new FaustishSymbols(compilation, topicAttribute, tableAttribute, agentAttribute, topicBase, tableBase);
    }

    /// <summary>The role attribute of <paramref name="type"/>, if it has exactly the given attribute class.</summary>
    public static AttributeData? FindAttribute(ISymbol symbol, INamedTypeSymbol attribute)
    {
        foreach (var data in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute))
            {
                return data;
            }
        }

        return null;
    }

    public bool IsTopicClass(ITypeSymbol? type) => type is not null && FindAttribute(type, TopicAttribute) is not null;

    public bool IsTableClass(ITypeSymbol? type) => type is not null && FindAttribute(type, TableAttribute) is not null;

    public bool IsAgentClass(ITypeSymbol? type) => type is not null && FindAttribute(type, AgentAttribute) is not null;

    /// <summary>The constructed Topic&lt;K, V&gt; base of <paramref name="type"/>, if any.</summary>
    public INamedTypeSymbol? GetTopicBase(ITypeSymbol? type) => FindBase(type, TopicBase);

    /// <summary>The constructed Table&lt;K, V&gt; base of <paramref name="type"/>, if any.</summary>
    public INamedTypeSymbol? GetTableBase(ITypeSymbol? type) => FindBase(type, TableBase);

    private static INamedTypeSymbol? FindBase(ITypeSymbol? type, INamedTypeSymbol definition)
    {
        for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, definition))
            {
                return current;
            }
        }

        return null;
    }

    /// <summary>The agent class that contains <paramref name="symbol"/> (walking out of nested types), if any.</summary>
    public INamedTypeSymbol? ContainingAgent(ISymbol? symbol)
    {
        for (var type = symbol as INamedTypeSymbol ?? symbol?.ContainingType; type is not null; type = type.ContainingType)
        {
            if (IsAgentClass(type))
            {
                return type;
            }
        }

        return null;
    }

    private sealed class Box(FaustishSymbols? value)
    {
        public FaustishSymbols? Value { get; } = value;
    }
}
