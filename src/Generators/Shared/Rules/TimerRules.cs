using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Rules;

/// <summary>Which attribute schedules a method of an agent.</summary>
internal enum ScheduledKind
{
    Timer,
    Crontab,
    OnStart,
    OnStop,
}

/// <summary>
/// What a <c>[Timer]</c>, <c>[Crontab]</c>, <c>[OnStart]</c> or <c>[OnStop]</c> method must be for the generator to call it,
/// and the interval grammar of <c>[Timer]</c>. The generator leaves out a method these rules reject; the analyzers say why
/// (this file is compiled into both). Cron expressions and time zones are checked by the analyzers alone (with Cronos and
/// the machine's time zones) and again by the runtime at start.
/// </summary>
internal static class TimerRules
{
    public const string TimerAttribute = "Faustish.TimerAttribute";
    public const string CrontabAttribute = "Faustish.CrontabAttribute";
    public const string OnStartAttribute = "Faustish.OnStartAttribute";
    public const string OnStopAttribute = "Faustish.OnStopAttribute";
    public const string CancellationToken = "System.Threading.CancellationToken";

    /// <summary>The scheduling attributes on <paramref name="method"/>, in the order written.</summary>
    public static IEnumerable<(AttributeData Attribute, ScheduledKind Kind)> Attributes(IMethodSymbol method)
    {
        foreach (var attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass is not { } type)
            {
                continue;
            }

            ScheduledKind? kind = TargetRules.HasMetadataName(type, TimerAttribute) ? ScheduledKind.Timer
                : TargetRules.HasMetadataName(type, CrontabAttribute) ? ScheduledKind.Crontab
                : TargetRules.HasMetadataName(type, OnStartAttribute) ? ScheduledKind.OnStart
                : TargetRules.HasMetadataName(type, OnStopAttribute) ? ScheduledKind.OnStop
                : null;
            if (kind is { } found)
            {
                yield return (attribute, found);
            }
        }
    }

    /// <summary>Every scheduled method of <paramref name="type"/> declared in source, with its attributes, in source order.</summary>
    public static List<(IMethodSymbol Method, AttributeData Attribute, ScheduledKind Kind)> ScheduledMethods(INamedTypeSymbol type)
    {
        var found = new List<(IMethodSymbol Method, AttributeData Attribute, ScheduledKind Kind)>();
        foreach (var member in type.GetMembers())
        {
            if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary } method && method.Locations.Any(l => l.IsInSource))
            {
                foreach (var (attribute, kind) in Attributes(method))
                {
                    found.Add((method, attribute, kind));
                }
            }
        }

        found.Sort(static (a, b) =>
        {
            var x = a.Method.Locations[0];
            var y = b.Method.Locations[0];
            var byFile = string.CompareOrdinal(x.SourceTree?.FilePath, y.SourceTree?.FilePath);
            return byFile != 0 ? byFile : x.SourceSpan.Start.CompareTo(y.SourceSpan.Start);
        });
        return found;
    }

    /// <summary>
    /// Why the generated code cannot call <paramref name="method"/> on its schedule (the sentence says what to change), or
    /// null when it can: an accessible, non-generic instance method with no parameters or one <c>CancellationToken</c>,
    /// returning <c>void</c>, <c>Task</c> or <c>ValueTask</c> (not <c>async void</c>).
    /// </summary>
    public static string? SignatureProblem(IMethodSymbol method)
    {
        if (method.IsStatic)
        {
            return "it is static; make it an instance method, so it can use the agent's tables and topics";
        }

        if (method.IsGenericMethod)
        {
            return "it is generic; remove its type parameters";
        }

        if (method.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
        {
            return "it is not public or internal, so the generated code cannot call it; make it public or internal";
        }

        if (method.Parameters.Length > 1 || (method.Parameters.Length == 1 && !TakesCancellation(method)))
        {
            return "it takes parameters; it may take none, or only a CancellationToken";
        }

        if (Returns(method) is null)
        {
            return method.ReturnsVoid
                ? "it is 'async void', which nobody can wait for; return Task instead"
                : $"it returns '{method.ReturnType.ToDisplayString()}'; return void or Task";
        }

        return null;
    }

    /// <summary>Whether the method's one parameter is a <c>CancellationToken</c> taken by value.</summary>
    public static bool TakesCancellation(IMethodSymbol method) =>
        method.Parameters.Length == 1 &&
        method.Parameters[0].RefKind == RefKind.None &&
        method.Parameters[0].Type is INamedTypeSymbol type && TargetRules.HasMetadataName(type, CancellationToken);

    /// <summary>What the method returns, or null when the worker cannot wait for it.</summary>
    public static ProcessReturn? Returns(IMethodSymbol method) => AgentRules.Returns(method);

    /// <summary>The interval argument of a <c>[Timer]</c>, or null when it is missing or not a string.</summary>
    public static string? IntervalText(AttributeData attribute) =>
        attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;

    /// <summary>The expression argument of a <c>[Crontab]</c>, or null when it is missing or not a string.</summary>
    public static string? CronText(AttributeData attribute) => IntervalText(attribute);

    /// <summary>Whether <c>OnLeader = true</c> is set.</summary>
    public static bool OnLeader(AttributeData attribute) =>
        attribute.NamedArguments.Any(static a => a.Key == "OnLeader" && a.Value.Value is true);

    /// <summary>
    /// Reads a <c>[Timer]</c> interval: a whole number and a unit (<c>500ms</c>, <c>10s</c>, <c>1m</c>, <c>1h</c>, <c>1d</c>)
    /// or a <see cref="TimeSpan"/> in its invariant form (<c>00:00:10</c>); it must be more than zero.
    /// </summary>
    public static bool TryParseInterval(string? text, out TimeSpan interval, out string error)
    {
        interval = TimeSpan.Zero;
        error = "";
        if (text is null || text.Trim().Length == 0)
        {
            error = "the interval is empty; write a number and a unit, e.g. \"10s\", \"500ms\", \"1m\" or \"1h\"";
            return false;
        }

        var trimmed = text.Trim();
        var digits = 0;
        while (digits < trimmed.Length && trimmed[digits] is >= '0' and <= '9')
        {
            digits++;
        }

        long? unitMs = trimmed.Substring(digits) switch
        {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => null,
        };
        if (digits > 0 && unitMs is { } unit && long.TryParse(trimmed.Substring(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            if (amount > 100_000_000_000 / unit)
            {
                error = $"'{text}' is too long an interval";
                return false;
            }

            interval = TimeSpan.FromMilliseconds(amount * unit);
        }
        else if (digits == trimmed.Length)
        {
            error = $"'{text}' has no unit; write one of ms, s, m, h or d after the number, e.g. \"{trimmed}s\"";
            return false;
        }
        else if (!TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out interval))
        {
            error = $"'{text}' is not an interval; write a number and a unit (ms, s, m, h or d), e.g. \"10s\", or a TimeSpan such as \"00:00:10\"";
            return false;
        }

        if (interval <= TimeSpan.Zero)
        {
            error = $"'{text}' is not more than zero; a timer needs a positive interval, e.g. \"10s\"";
            return false;
        }

        return true;
    }
}
