using System.Threading;
using Faustish.Generators.Model;
using Faustish.Generators.Rules;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Parsing;

/// <summary>Turns a <c>[Topic]</c> class into a <see cref="TopicModel"/>, a stand-in, or nothing (the analyzers say why).</summary>
internal static class TopicParser
{
    /// <summary>The model of a usable topic, a stand-in for one the analyzers reject, or neither (nothing to emit).</summary>
    public static Parsed<TopicModel> Parse(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (TargetRules.BaseTypeArguments(type, TargetRules.TopicBase) is not { } types)
        {
            return default;
        }

        var target = SymbolNames.Target(type);
        var problems = TargetRules.Problems(type, cancellationToken);
        if (problems.Count > 0)
        {
            return TargetRules.CanStandIn(type, problems)
                ? new(null, new StandInModel(target, "global::Faustish.RecordSender", "null!, unused", "its declaration breaks a rule"))
                : default;
        }

        var name = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
        var partitions = TableRules.NamedInt(attribute, "Partitions") ?? 1;
        string? reason = name is null ? "its [Topic] attribute has no name"
            : partitions < 1 ? $"it declares {partitions} partitions; a topic has at least 1"
            : null;
        var codecs = default(EquatableArray<Serialization.JsonCodecModel>);
        if (reason is null && !RecordTypes.TryCodecs(types.Key, types.Value, out codecs, out var unsupported))
        {
            reason = unsupported;
        }

        EventTimestampModel? timestamp = null;
        if (reason is null && TimestampRules.Named(attribute) is { } timestampName)
        {
            if (TimestampRules.Resolve(type, types.Key, types.Value, timestampName, out _) is { } resolved)
            {
                timestamp = new EventTimestampModel(resolved.Kind, resolved.Name, resolved.Source, target.FullyQualifiedName,
                    types.Value.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T, resolved.MethodTakesNullKey, resolved.MethodTakesNullValue);
            }
            else
            {
                reason = $"its Timestamp, '{timestampName}', names nothing that gives event times"; // FSH0512 says what to change
            }
        }

        return reason is null
            ? new(new TopicModel(target, name!, partitions, RecordTypes.Describe(types.Key), RecordTypes.Describe(types.Value), codecs,
                TableRules.NamedString(attribute, "Retention"), TableRules.NamedLong(attribute, "RetentionBytes") ?? 0, timestamp), null)
            : new(null, new StandInModel(target, "global::Faustish.RecordSender", "null!, unused", reason));
    }
}
