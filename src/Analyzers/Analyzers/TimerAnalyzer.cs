using System;
using System.Collections.Immutable;
using Cronos;
using Faustish.Analyzers.Diagnostics;
using Faustish.Generators.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Faustish.Analyzers.Analyzers;

/// <summary>
/// <c>[Timer]</c>, <c>[Crontab]</c>, <c>[OnStart]</c> and <c>[OnStop]</c> methods: on an agent class, callable by the worker
/// (<see cref="TimerRules"/>, the rules the generator schedules them by), with an interval, cron expression and time zone
/// the runtime will accept. Cron expressions are read with Cronos, as the runtime reads them.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TimerAnalyzer : DiagnosticAnalyzer
{
    private static readonly char[] Space = [' '];

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ScheduledMethodOutsideAgent,
        DiagnosticDescriptors.ScheduledMethodSignature,
        DiagnosticDescriptors.InvalidTimerInterval,
        DiagnosticDescriptors.InvalidCronExpression,
        DiagnosticDescriptors.UnknownTimeZone);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterSymbolAction(Analyze, SymbolKind.Method);
    }

    private static void Analyze(SymbolAnalysisContext context)
    {
        var method = (IMethodSymbol)context.Symbol;
        var token = context.CancellationToken;
        var signatureReported = false;
        foreach (var (attribute, kind) in TimerRules.Attributes(method))
        {
            var name = kind.ToString();
            var location = TargetRules.AttributeLocation(attribute, method, token);
            if (method.ContainingType is not { } type || TargetRules.FindAttribute(type, TargetRules.AgentAttribute) is null)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ScheduledMethodOutsideAgent, location,
                    name, method.Name, method.ContainingType?.Name ?? "?"));
                continue;
            }

            if (!signatureReported && TimerRules.SignatureProblem(method) is { } problem)
            {
                signatureReported = true;
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ScheduledMethodSignature, method.Locations[0],
                    name, method.Name, problem));
            }

            if (kind == ScheduledKind.Timer && !TimerRules.TryParseInterval(TimerRules.IntervalText(attribute), out _, out var error))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidTimerInterval, location, method.Name, error));
            }
            else if (kind == ScheduledKind.Crontab)
            {
                CheckCrontab(context, method, attribute, location);
            }
        }
    }

    private static void CheckCrontab(SymbolAnalysisContext context, IMethodSymbol method, AttributeData attribute, Location location)
    {
        var expression = TimerRules.CronText(attribute) ?? "";
        if (CronProblem(expression) is { } problem)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidCronExpression, location, method.Name, expression, problem));
        }

        if (TableRules.NamedString(attribute, "TimeZone") is { } zone && !TimeZoneExists(zone))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnknownTimeZone, location, method.Name, zone));
        }
    }

    /// <summary>Why Cronos rejects <paramref name="expression"/>, read as the runtime reads it (six fields: seconds first), or null.</summary>
    private static string? CronProblem(string expression)
    {
        try
        {
            var fields = expression.Split(Space, StringSplitOptions.RemoveEmptyEntries).Length;
            CronExpression.Parse(expression, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            return null;
        }
        catch (CronFormatException exception)
        {
            return exception.Message.TrimEnd('.');
        }
        catch (ArgumentException exception)
        {
            return exception.Message.TrimEnd('.');
        }
    }

    private static bool TimeZoneExists(string id)
    {
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            return false;
        }
    }
}
