using System.Collections.Immutable;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Model;
using Faustish.Generators.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Faustish.Analyzers.Analyzers;

/// <summary>
/// [Topic] and [Table] arguments: names, partition counts, where a topic's event times come from
/// (<see cref="TimestampRules"/>), window specifications and retention, the window enums (<see cref="TableRules"/>, as
/// the generator checks them), and nullable table keys.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TopicTableAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.InvalidTopicName,
        DiagnosticDescriptors.TopicPartitionsLessThanOne,
        DiagnosticDescriptors.InvalidTableName,
        DiagnosticDescriptors.NegativeTablePartitions,
        DiagnosticDescriptors.InvalidTableSource,
        DiagnosticDescriptors.InvalidTopicTimestamp,
        DiagnosticDescriptors.InvalidWindow,
        DiagnosticDescriptors.InvalidExpires,
        DiagnosticDescriptors.GraceExceedsRetention,
        DiagnosticDescriptors.ExpiresWithoutWindow,
        DiagnosticDescriptors.WindowDoesNotMatchBase,
        DiagnosticDescriptors.InvalidTableSetting,
        DiagnosticDescriptors.NullableTableKey);

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

            start.RegisterSymbolAction(c => Analyze(c, symbols), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, FaustishSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (FaustishSymbols.FindAttribute(type, symbols.TopicAttribute) is { } topic)
        {
            AnalyzeTopic(context, type, topic);
        }

        if (FaustishSymbols.FindAttribute(type, symbols.TableAttribute) is { } table)
        {
            AnalyzeTable(context, type, table, symbols);
        }
    }

    private static void AnalyzeTopic(SymbolAnalysisContext context, INamedTypeSymbol type, AttributeData attribute)
    {
        var name = AttributeReader.CtorString(attribute);
        if (attribute.ConstructorArguments.Length == 1 && Names.ValidateTopicName(name) is { } problem)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidTopicName,
                AttributeReader.CtorLocation(attribute, type, context.CancellationToken), name ?? "null", problem));
        }

        if (AttributeReader.NamedInt(attribute, "Partitions") is { } partitions and < 1)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TopicPartitionsLessThanOne,
                AttributeReader.NamedLocation(attribute, "Partitions", type, context.CancellationToken), name ?? type.Name, partitions));
        }

        if (TimestampRules.Named(attribute) is { } timestamp && TargetRules.BaseTypeArguments(type, TargetRules.TopicBase) is { } types &&
            TimestampRules.Resolve(type, types.Key, types.Value, timestamp, out var timestampProblem) is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidTopicTimestamp,
                AttributeReader.NamedLocation(attribute, TimestampRules.Setting, type, context.CancellationToken), name ?? type.Name, timestamp, timestampProblem));
        }
    }

    private static void AnalyzeTable(SymbolAnalysisContext context, INamedTypeSymbol type, AttributeData attribute, FaustishSymbols symbols)
    {
        var name = AttributeReader.CtorString(attribute);
        var display = name ?? type.Name;
        var token = context.CancellationToken;
        if (attribute.ConstructorArguments.Length == 1 && Names.ValidateTopicName(name) is { } problem)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidTableName,
                AttributeReader.CtorLocation(attribute, type, token), name ?? "null", problem));
        }

        if (AttributeReader.NamedInt(attribute, "Partitions") is { } partitions and < 0)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NegativeTablePartitions,
                AttributeReader.NamedLocation(attribute, "Partitions", type, token), display, partitions));
        }

        foreach (var (setting, value, allowed) in TableRules.SettingProblems(attribute))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidTableSetting,
                AttributeReader.NamedLocation(attribute, setting, type, token), display, setting, value, allowed));
        }

        if (TableRules.SourceTopic(attribute) is { } source && symbols.GetTableBase(type) is { } fedBase &&
            TableRules.SourceProblem(type, fedBase.TypeArguments[0], fedBase.TypeArguments[1], source) is { } sourceProblem)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidTableSource,
                AttributeReader.NamedLocation(attribute, "Source", type, token), display, sourceProblem));
        }

        if (symbols.GetTableBase(type) is { } tableBase && TableRules.KeyIsNullable(tableBase.TypeArguments[0]))
        {
            var key = tableBase.TypeArguments[0];
            var notNull = key.IsReferenceType ? key.WithNullableAnnotation(NullableAnnotation.NotAnnotated) : ((INamedTypeSymbol)key).TypeArguments[0];
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NullableTableKey, AttributeReader.BaseTypeArgumentLocation(type, 0, token), display,
                key.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), notNull.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
        }

        var windowText = AttributeReader.NamedString(attribute, "Window");
        var expiresText = AttributeReader.NamedString(attribute, "Expires");
        WindowSpec? window = null;
        if (windowText is not null)
        {
            window = WindowSpec.TryParse(windowText, out var error);
            if (window is null)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidWindow,
                    AttributeReader.NamedLocation(attribute, "Window", type, token), windowText, display, error));
            }
        }

        if (symbols.WindowedTableBase is { } windowedBase)
        {
            var windowed = DerivesFrom(type, windowedBase);
            if (windowed && windowText is null)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WindowDoesNotMatchBase, type.Locations[0], display,
                    "derives from WindowedTable but sets no Window; add one, e.g. Window = \"tumbling 1m\""));
            }
            else if (!windowed && windowText is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WindowDoesNotMatchBase,
                    AttributeReader.NamedLocation(attribute, "Window", type, token), display,
                    "sets Window but derives from Table, which ignores it; derive from WindowedTable<TKey, TValue> instead"));
            }
        }

        if (expiresText is null)
        {
            return;
        }

        var expiresLocation = AttributeReader.NamedLocation(attribute, "Expires", type, token);
        if (!WindowSpec.TryParseDuration(expiresText.Trim(), out var retention, out var expiresError) || retention <= System.TimeSpan.Zero)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidExpires, expiresLocation,
                expiresText, display, expiresError ?? "retention must be greater than zero"));
            return;
        }

        if (windowText is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ExpiresWithoutWindow, expiresLocation, display));
            return;
        }

        if (window is not null && window.Size + window.Grace > retention)
        {
            var lifetime = window.GraceText is null
                ? WindowSpec.Format(window.Size)
                : $"{WindowSpec.Format(window.Size)} + {window.GraceText} grace";
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GraceExceedsRetention, expiresLocation,
                display, expiresText.Trim(), lifetime));
        }
    }

    private static bool DerivesFrom(INamedTypeSymbol type, INamedTypeSymbol generic)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, generic))
            {
                return true;
            }
        }

        return false;
    }
}
