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
