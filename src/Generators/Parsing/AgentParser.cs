using System.Collections.Generic;
using System.Threading;
using Faustish.Generators.Model;
using Faustish.Generators.Rules;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Parsing;

/// <summary>
/// Turns an <c>[Agent]</c> class into an <see cref="AgentModel"/>, or null when it cannot run. Every way to get null
/// is a rule of <see cref="TargetRules"/> or <see cref="AgentRules"/> that an analyzer reports as an error, on the
/// agent or on the topic or table it names.
/// </summary>
internal static class AgentParser
{
    /// <param name="catalog">The run's topics and tables, parsed once each, that decide whether a topic or table it uses is served.</param>
    public static AgentModel? Parse(INamedTypeSymbol type, AttributeData attribute, TargetCatalog catalog, CancellationToken cancellationToken, Compilation? compilation = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!TargetRules.IsGeneratable(type, cancellationToken))
        {
            return null;
        }

        if (AgentRules.Topic(attribute) is not INamedTypeSymbol topic ||
            catalog.ServedTopic(topic) is not { } topicModel ||
            TargetRules.BaseTypeArguments(topic, TargetRules.TopicBase) is not { } topicTypes)
        {
            return null;
        }

        var concurrency = TableRules.NamedInt(attribute, "Concurrency") ?? 1;
        if (concurrency >= 1 &&
            AgentRules.ProcessingMethod(type) is { } streamMethod &&
            AgentRules.TakesStream(streamMethod, topicTypes.Key, topicTypes.Value) &&
            (AgentRules.Returns(streamMethod) is ProcessReturn.Task or ProcessReturn.ValueTask || AgentRules.ReplyType(streamMethod) is not null) &&
            Dependencies(type, catalog) is { } streamDependencies)
        {
            var topicName = topic.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            ReplyModel? reply = null;
            if (AgentRules.ReplyType(streamMethod) is { } replyType)
            {
                if (ReplyCodec(replyType, topicTypes.Key, topicTypes.Value, topicName) is not { } replyCodec)
                {
                    return null; // FSH0113 says what to change
                }

                reply = new ReplyModel(SymbolNames.QualifiedNotNull(replyType), replyCodec);
            }

            return new AgentModel(
                SymbolNames.Target(type),
                AgentRules.EffectiveName(attribute, type),
                concurrency,
                topicName,
                RecordTypes.Describe(topicTypes.Key),
                RecordTypes.Describe(topicTypes.Value),
                streamMethod.Name,
                AgentRules.Returns(streamMethod) ?? ProcessReturn.Task,
                false,
                Parameter(topicTypes.Key, topicTypes.Key),
                Parameter(topicTypes.Value, topicTypes.Value),
                streamDependencies,
                Timers(type),
                Hooks(type),
                IsStream: true,
                Repartitions: GroupBys.Find(streamMethod, topicTypes.Value, topicName, compilation, cancellationToken),
                Reply: reply);
        }

        if (AgentRules.JoinRight(type) is { } joined)
        {
            return ParseJoin(type, attribute, catalog, topic, topicTypes, joined, concurrency);
        }

        if (concurrency < 1 ||
            AgentRules.ProcessingMethod(type) is not { } method ||
            !AgentRules.ParametersMatch(method, topicTypes.Key, topicTypes.Value) ||
            AgentRules.Returns(method) is not { } returns ||
            Dependencies(type, catalog) is not { } dependencies)
        {
            return null;
        }

        return new AgentModel(
            SymbolNames.Target(type),
            AgentRules.EffectiveName(attribute, type),
            concurrency,
            topic.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            RecordTypes.Describe(topicTypes.Key),
            RecordTypes.Describe(topicTypes.Value),
            method.Name,
            returns,
            method.Parameters.Length == 3,
            Parameter(method.Parameters[0].Type, topicTypes.Key),
            Parameter(method.Parameters[1].Type, topicTypes.Value),
            dependencies,
            Timers(type),
            Hooks(type),
            Timestamp: topicModel.Timestamp,
            Projection: ValueProjections.Describe(method, topicTypes.Value, topicModel, cancellationToken));
    }

    /// <summary>
    /// A join agent: its method takes <c>(key, left, right)</c> for its topic and the right topic, and returns void.
    /// Anything else gives no model; the analyzers say why.
    /// </summary>
    private static AgentModel? ParseJoin(INamedTypeSymbol type, AttributeData attribute, TargetCatalog catalog, INamedTypeSymbol topic,
        (ITypeSymbol Key, ITypeSymbol Value) topicTypes, ITypeSymbol joined, int concurrency)
    {
        if (joined is not INamedTypeSymbol right || !catalog.ServesTopic(right) ||
            TargetRules.BaseTypeArguments(right, TargetRules.TopicBase) is not { } rightTypes ||
            concurrency < 1 ||
            AgentRules.ProcessingMethod(type) is not { } method ||
            !AgentRules.TakesJoin(method, topicTypes.Key, topicTypes.Value, rightTypes.Value) ||
            AgentRules.Returns(method) != ProcessReturn.Void ||
            Dependencies(type, catalog) is not { } dependencies ||
            TargetRules.FindAttribute(type, AgentRules.JoinAttribute) is not { } join)
        {
            return null;
        }

        var kind = TableRules.NamedInt(join, "Kind") switch
        {
            1 => "Left",
            2 => "Outer",
            _ => "Inner",
        };
        var window = TableRules.NamedString(join, "Window");
        ForeignKeyModel? foreignKey = null;
        if (ForeignKeyRules.Named(join) is { } foreignKeyName)
        {
            // A foreign-key join: keys may differ; no window, no outer join (FSH0115 says so).
            if (window is not null || kind == "Outer" ||
                ForeignKeyRules.Resolve(type, topicTypes.Value, right, rightTypes.Key, foreignKeyName, out _) is not { } target)
            {
                return null;
            }

            foreignKey = new ForeignKeyModel(
                rightTypes.Key.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                target.IsMethod ? $"{type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)}.{target.Name}(value)" : $"value.{target.Name}",
                target.Source,
                target.IsMethod);
        }
        else if (!SymbolEqualityComparer.Default.Equals(rightTypes.Key, topicTypes.Key))
        {
            return null;
        }
        return new AgentModel(
            SymbolNames.Target(type),
            AgentRules.EffectiveName(attribute, type),
            concurrency,
            topic.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            RecordTypes.Describe(topicTypes.Key),
            RecordTypes.Describe(topicTypes.Value),
            method.Name,
            ProcessReturn.Void,
            false,
            Parameter(method.Parameters[0].Type, topicTypes.Key),
            Parameter(method.Parameters[1].Type, topicTypes.Value),
            dependencies,
            Timers(type),
            Hooks(type),
            Join: new JoinModel(
                right.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                RecordTypes.Describe(rightTypes.Value),
                kind,
                window,
                Parameter(method.Parameters[1].Type, topicTypes.Value),
                Parameter(method.Parameters[2].Type, rightTypes.Value),
                foreignKey));
    }

    /// <summary>The codec of a replying agent's replies: a primitive encoding, or the codec of its topic's key or value type; else null.</summary>
    internal static string? ReplyCodec(ITypeSymbol reply, ITypeSymbol key, ITypeSymbol value, string topicName) =>
        Serialization.JsonCodecModelBuilder.GetReference(reply).PrimitiveExpression
        ?? (SymbolEqualityComparer.Default.Equals(reply, value) ? topicName + ".Definition.ValueCodec"
            : SymbolEqualityComparer.Default.Equals(reply, key) ? topicName + ".Definition.KeyCodec"
            : null);

    /// <summary>The <c>[Timer]</c> and <c>[Crontab]</c> methods the runtime can call; the analyzers report the others.</summary>
    private static EquatableArray<AgentTimerModel> Timers(INamedTypeSymbol type)
    {
        var timers = new List<AgentTimerModel>();
        foreach (var (method, attribute, kind) in TimerRules.ScheduledMethods(type))
        {
            if (kind is not (ScheduledKind.Timer or ScheduledKind.Crontab) || Method(method) is not { } call)
            {
                continue;
            }

            if (kind == ScheduledKind.Timer)
            {
                var text = TimerRules.IntervalText(attribute);
                if (TimerRules.TryParseInterval(text, out var interval, out _))
                {
                    timers.Add(new AgentTimerModel(call, text!, (long)interval.TotalMilliseconds, null, TimerRules.OnLeader(attribute)));
                }
            }
            else if (TimerRules.CronText(attribute) is { Length: > 0 } expression)
            {
                // The runtime reads the expression and the time zone with Cronos at start; the analyzers check both here.
                timers.Add(new AgentTimerModel(call, expression, 0, TableRules.NamedString(attribute, "TimeZone"), TimerRules.OnLeader(attribute)));
            }
        }

        return new EquatableArray<AgentTimerModel>(timers);
    }

    /// <summary>The <c>[OnStart]</c> and <c>[OnStop]</c> methods the runtime can call; the analyzers report the others.</summary>
    private static EquatableArray<AgentHookModel> Hooks(INamedTypeSymbol type)
    {
        var hooks = new List<AgentHookModel>();
        foreach (var (method, _, kind) in TimerRules.ScheduledMethods(type))
        {
            if (kind is ScheduledKind.OnStart or ScheduledKind.OnStop && Method(method) is { } call)
            {
                hooks.Add(new AgentHookModel(call, kind == ScheduledKind.OnStop));
            }
        }

        return new EquatableArray<AgentHookModel>(hooks);
    }

    private static AgentMethodModel? Method(IMethodSymbol method) =>
        TimerRules.SignatureProblem(method) is null && TimerRules.Returns(method) is { } returns
            ? new AgentMethodModel(SymbolNames.Identifier(method.Name), returns, TimerRules.TakesCancellation(method))
            : null;

    private static AgentParameter Parameter(ITypeSymbol declared, ITypeSymbol topicType) => new(
        SymbolNames.Qualified(declared),
        AgentRules.MayBeNull(declared),
        declared.IsReferenceType && !AgentRules.MayBeNull(declared) && AgentRules.MayBeNull(topicType));

    private static EquatableArray<AgentDependency>? Dependencies(INamedTypeSymbol type, TargetCatalog catalog)
    {
        if (AgentRules.Constructor(type, out _) is not { } constructor)
        {
            return null;
        }

        var dependencies = new List<AgentDependency>();
        foreach (var parameter in constructor.Parameters)
        {
            if (AgentRules.ParameterProblem(parameter) is not null)
            {
                return null;
            }

            var parameterType = parameter.Type;
            var kind = TargetRules.FindAttribute(parameterType, TargetRules.TableAttribute) is not null ? DependencyKind.Table
                : TargetRules.FindAttribute(parameterType, TargetRules.TopicAttribute) is not null ? DependencyKind.Topic
                : DependencyKind.Service;

            // A table or topic the generator does not serve has no Definition or constructor to call: the analyzers
            // report why, and the agent waits until it is fixed rather than break the build with generated code.
            if ((kind == DependencyKind.Table && (parameterType is not INamedTypeSymbol table || !catalog.ServesTable(table))) ||
                (kind == DependencyKind.Topic && (parameterType is not INamedTypeSymbol sent || !catalog.ServesTopic(sent))))
            {
                return null;
            }

            dependencies.Add(new AgentDependency(kind, SymbolNames.QualifiedNotNull(parameterType),
                IsOptional: kind == DependencyKind.Service && AgentRules.MayBeNull(parameterType)));
        }

        return new EquatableArray<AgentDependency>(dependencies);
    }
}
