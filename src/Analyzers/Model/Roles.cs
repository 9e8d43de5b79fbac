using Microsoft.CodeAnalysis;

namespace Faustish.Analyzers.Model;

/// <summary>Facts about agents, topics and tables read from their attributes.</summary>
internal static class Roles
{
    /// <summary>The class named by an agent's [Agent(typeof(T))], or null (also for arrays and other types).</summary>
    public static INamedTypeSymbol? AgentTopic(AttributeData agentAttribute) =>
        Faustish.Generators.Rules.AgentRules.Topic(agentAttribute) as INamedTypeSymbol;

    /// <summary>The partition count of a [Topic] class (default 1), or null when it is not a topic.</summary>
    public static int? TopicPartitions(FaustishSymbols symbols, ITypeSymbol? topic) =>
        topic is not null && FaustishSymbols.FindAttribute(topic, symbols.TopicAttribute) is { } attribute
            ? AttributeReader.Partitions(attribute, 1)
            : null;

    /// <summary>The topic an agent consumes, when it is a proper [Topic] class.</summary>
    public static INamedTypeSymbol? TopicOfAgent(FaustishSymbols symbols, INamedTypeSymbol agent) =>
        FaustishSymbols.FindAttribute(agent, symbols.AgentAttribute) is { } attribute && AgentTopic(attribute) is { } topic
            && symbols.IsTopicClass(topic)
            ? topic
            : null;

    /// <summary>The name shown for a topic or table: its attribute name, or the class name.</summary>
    public static string DisplayName(FaustishSymbols symbols, ITypeSymbol type)
    {
        var attribute = FaustishSymbols.FindAttribute(type, symbols.TopicAttribute) ?? FaustishSymbols.FindAttribute(type, symbols.TableAttribute);
        return attribute is not null && AttributeReader.CtorString(attribute) is { } name ? name : AttributeReader.Name(type);
    }
}
