using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Rules;

/// <summary>
/// What a table's settings must be for the generator to serve it. The generator's table parser and the table
/// analyzer both decide with these functions (this file is compiled into both).
/// </summary>
internal static class TableRules
{
    /// <summary>A windowed table's enum settings: name, value as written, and what is allowed.</summary>
    public static IEnumerable<(string Setting, int Value, string Allowed)> SettingProblems(AttributeData attribute)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Value.Value is not int value)
            {
                continue;
            }

            switch (argument.Key)
            {
                case "Late" when value is not (0 or 1):
                    yield return ("Late", value, "LateEvents.Drop or LateEvents.DeadLetter");
                    break;
                case "CloseOn" when value is not (1 or 2 or 3):
                    yield return ("CloseOn", value, "WindowClose.StreamTime, optionally | WindowClose.WallClock");
                    break;
                case "RelativeTo" when value is not (0 or 1):
                    yield return ("RelativeTo", value, "WindowTime.Stream or WindowTime.Now");
                    break;
            }
        }
    }

    /// <summary>The class named by <c>Source = typeof(...)</c>, if set.</summary>
    public static INamedTypeSymbol? SourceTopic(AttributeData attribute)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == "Source" && argument.Value.Value is INamedTypeSymbol type)
            {
                return type;
            }
        }

        return null;
    }

    /// <summary>
    /// Why the table <paramref name="table"/> (key and value types given) cannot be fed by <paramref name="source"/>, or
    /// null when it can: the source is a <c>[Topic]</c> class of the same key and value types, and the table is not windowed.
    /// </summary>
    public static string? SourceProblem(INamedTypeSymbol table, ITypeSymbol key, ITypeSymbol value, INamedTypeSymbol source)
    {
        if (TargetRules.BaseTypeArguments(table, TargetRules.WindowedTableBase) is not null)
        {
            return "a windowed table cannot be fed by a topic (its windows are built by an agent from events)";
        }

        if (TargetRules.FindAttribute(source, TargetRules.TopicAttribute) is null || TargetRules.BaseTypeArguments(source, TargetRules.TopicBase) is not { } topic)
        {
            return $"its Source, {source.Name}, is not a [Topic] class deriving from Topic<TKey, TValue>";
        }

        if (!SymbolEqualityComparer.Default.Equals(topic.Key, key) || !SymbolEqualityComparer.Default.Equals(topic.Value, value))
        {
            return $"its Source, {source.Name}, carries {topic.Key.ToDisplayString()} -> {topic.Value.ToDisplayString()}, not the table's {key.ToDisplayString()} -> {value.ToDisplayString()}";
        }

        return null;
    }

    /// <summary>Table keys are never null (the stores and the changelog key records by them).</summary>
    public static bool KeyIsNullable(ITypeSymbol key) => AgentRules.MayBeNull(key);

    /// <summary>An int-valued named argument of an attribute (enums included), if set.</summary>
    public static int? NamedInt(AttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is int value)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>A long-valued named argument of an attribute, if set.</summary>
    public static long? NamedLong(AttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is long value)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>A string-valued named argument of an attribute, if set (and not null).</summary>
    public static string? NamedString(AttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is string value)
            {
                return value;
            }
        }

        return null;
    }
}
