using System.Globalization;
using System.Linq;
using Faustish.Generators.Model;
using Faustish.Generators.Rules;
using Faustish.Generators.Text;

namespace Faustish.Generators.Emitting;

/// <summary>
/// Emits an agent's definition and its consumer loop: per record, decode key and value with the topic's codecs,
/// call the processing method, and report the record done, dead-lettered or failed. The loop lives in a file-local
/// class beside the agent, so nothing the generator names can clash with the user's own members or types.
/// </summary>
internal static class AgentEmitter
{
    private const string Context = "global::Faustish.Agents.AgentPartitionContext";

    /// <param name="valueMembers">The members of the value the loop decodes (<see cref="ValueMembers"/>), or null for all.</param>
    public static string Emit(AgentModel agent, ValueMembersModel? valueMembers = null)
    {
        var writer = EmitHelpers.StartFile(agent.Target);
        using (EmitHelpers.OpenClass(writer, agent.Target))
        {
            EmitDefinition(writer, agent);
        }

        writer.WriteLine();
        EmitPartition(writer, agent, valueMembers);
        return writer.ToString();
    }

    /// <summary>
    /// The members of the value the loop must decode for what the processing method reads (<paramref name="reads"/>) and
    /// what the loop reads itself, or null when it decodes all: the method uses the value whole, reads a member whose
    /// getter may read others, or leaves nothing out that may be left out. <paramref name="reads"/> are those of the
    /// agent's class (<see cref="Parsing.ValueReads.Find"/>).
    /// </summary>
    public static ValueMembersModel? ValueMembers(AgentModel agent, ValueReadsModel? reads)
    {
        if (agent.Projection is not { } projection || reads?.Members is not { } read)
        {
            return null;
        }

        var needed = read.Concat(projection.LoopReads).ToList();
        ulong mask = 0;
        var leftOut = new System.Collections.Generic.List<string>();
        for (var i = 0; i < projection.Members.Count; i++)
        {
            var member = projection.Members[i];
            if (needed.Contains(member.ClrName) || !member.CanSkip)
            {
                mask |= 1UL << i;
            }
            else
            {
                leftOut.Add(member.JsonName);
            }
        }

        // Every name read must be a member the codec stores as it is: anything else may read what is left out (or, in a
        // reused instance, what an earlier record set).
        if (!needed.All(name => projection.Members.Any(m => m.ClrName == name && m.Plain)))
        {
            return null;
        }

        var reused = reads.ReadsWhileRunning ? projection.ReusableInstance : null;
        return leftOut.Count == 0 && reused is null ? null : new ValueMembersModel(mask, new EquatableArray<string>(leftOut), reused);
    }

    /// <summary>The file-local partition class: not a member of the agent, and invisible outside this file.</summary>
    private static string PartitionClass(AgentModel agent) => agent.Target.FlatName + "_FaustishPartition";

    private static string QualifiedPartitionClass(AgentModel agent) =>
        "global::" + (agent.Target.Namespace.Length > 0 ? agent.Target.Namespace + "." : "") + PartitionClass(agent);

    private static void EmitDefinition(SourceWriter writer, AgentModel agent)
    {
        var tables = agent.Dependencies.Where(d => d.Kind == DependencyKind.Table).Select(d => d.FullyQualifiedType + ".Definition");
        writer.WriteLine($"/// <summary>Agent <c>{EmitHelpers.XmlText(agent.AgentName)}</c>: its topic, its tables, and how to build it for a partition.</summary>");
        writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
        writer.WriteLine($"{EmitHelpers.DefinitionModifiers(agent.Target)} global::Faustish.Agents.AgentDefinition Definition {{ get; }} = new(");
        writer.Indent();
        writer.WriteLine($"name: {EmitHelpers.Literal(agent.AgentName)},");
        writer.WriteLine($"typeName: {EmitHelpers.Literal(agent.Target.DisplayName)},");
        writer.WriteLine($"topic: {agent.TopicFullyQualifiedName}.Definition,");
        writer.WriteLine($"tables: [{string.Join(", ", tables)}],");
        writer.WriteLine($"concurrency: {agent.Concurrency},");
        if (agent.Timers.Count == 0 && agent.Repartitions.Count == 0 && agent.Reply is null && agent.Join is null)
        {
            writer.WriteLine($"createPartition: static context => new {QualifiedPartitionClass(agent)}(context));");
            writer.Unindent();
        }
        else
        {
            writer.WriteLine($"createPartition: static context => new {QualifiedPartitionClass(agent)}(context))");
            writer.Unindent();
            using (writer.Block(closing: "};"))
            {
                if (agent.Timers.Count > 0)
                {
                    EmitTimerList(writer, agent);
                }

                if (agent.Repartitions.Count > 0)
                {
                    EmitRepartitionList(writer, agent);
                }

                if (agent.Reply is { } reply)
                {
                    writer.WriteLine($"Replies = global::Faustish.Agents.ReplyDefinition.Of<{reply.Type}>({reply.Codec}),");
                }

                if (agent.Join is { ForeignKey: { } foreignKey } foreignKeyJoin)
                {
                    // A null foreign key joins nothing: the delegate says whether there is one.
                    writer.WriteLine($"Join = new global::Faustish.Joins.ForeignKeyJoinDefinition<{ForeignKeyJoinTypes(agent, foreignKeyJoin, foreignKey)}>(");
                    writer.WriteLine($"    {agent.TopicFullyQualifiedName}.Definition, {foreignKeyJoin.RightTopicFullyQualifiedName}.Definition, global::Faustish.JoinKind.{foreignKeyJoin.Kind}, {EmitHelpers.Literal(foreignKey.Source)},");
                    writer.WriteLine($"    static ({agent.Value.FullyQualifiedName} value, out {foreignKey.KeyFullyQualifiedName} foreignKey) =>");
                    writer.WriteLine("    {");
                    writer.WriteLine($"        if ({ForeignKeyRead(agent, foreignKey)} is {{ }} found)");
                    writer.WriteLine("        {");
                    writer.WriteLine("            foreignKey = found;");
                    writer.WriteLine("            return true;");
                    writer.WriteLine("        }");
                    writer.WriteLine();
                    writer.WriteLine("        foreignKey = default!;");
                    writer.WriteLine("        return false;");
                    writer.WriteLine("    }),");
                }
                else if (agent.Join is { } join)
                {
                    writer.WriteLine($"Join = new global::Faustish.Joins.JoinDefinition<{JoinTypes(agent, join)}>(");
                    writer.WriteLine($"    {agent.TopicFullyQualifiedName}.Definition, {join.RightTopicFullyQualifiedName}.Definition, global::Faustish.JoinKind.{join.Kind}, " +
                        $"{(join.Window is null ? "window: null" : EmitHelpers.Literal(join.Window))}),");
                }
            }
        }

        if (agent.Reply is { } replies)
        {
            writer.WriteLine();
            writer.WriteLine("/// <summary>");
            writer.WriteLine("/// Asks this agent, as Faust's <c>agent.ask</c>: sends the event to its topic and returns the reply it yields for it.");
            writer.WriteLine("/// Fails with <see cref=\"global::System.TimeoutException\"/>, naming the agent, when none comes within <paramref name=\"timeout\"/>.");
            writer.WriteLine("/// </summary>");
            writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
            writer.WriteLine($"public static global::System.Threading.Tasks.Task<{replies.Type}> AskAsync(global::Faustish.Agents.AgentAsker asker, {agent.Key.FullyQualifiedName} key, {agent.Value.FullyQualifiedName} value,");
            writer.WriteLine("    global::System.TimeSpan timeout, global::System.Threading.CancellationToken cancellationToken = default) =>");
            writer.WriteLine($"    (asker ?? throw new global::System.ArgumentNullException(nameof(asker))).AskAsync<{agent.Key.FullyQualifiedName}, {agent.Value.FullyQualifiedName}, {replies.Type}>(Definition, key, value, timeout, cancellationToken);");
        }

        if (agent.Join is null)
        {
            // A join's right side has no place in a test context yet: join agents are tested on the embedded log.
            writer.WriteLine();
            EmitTestContext(writer, agent);
        }
    }

    private static string JoinTypes(AgentModel agent, JoinModel join) =>
        $"{agent.Key.FullyQualifiedName}, {agent.Value.FullyQualifiedName}, {join.RightValue.FullyQualifiedName}";

    /// <summary>The foreign key of <c>value</c>; the runtime never passes null, but a nullable value type says it may be.</summary>
    private static string ForeignKeyRead(AgentModel agent, ForeignKeyModel foreignKey) =>
        !agent.Value.FullyQualifiedName.EndsWith("?", System.StringComparison.Ordinal) ? foreignKey.Expression
        : foreignKey.IsMethod ? $"value is not null && {foreignKey.Expression}"
        : "value?" + foreignKey.Expression.Substring("value".Length);

    private static string ForeignKeyJoinTypes(AgentModel agent, JoinModel join, ForeignKeyModel foreignKey) =>
        $"{agent.Key.FullyQualifiedName}, {agent.Value.FullyQualifiedName}, {foreignKey.KeyFullyQualifiedName}, {join.RightValue.FullyQualifiedName}";

    /// <summary>The stream agent's <c>GroupBy</c>s, in source order: each gets a repartition topic and a stage of the agent.</summary>
    private static void EmitRepartitionList(SourceWriter writer, AgentModel agent)
    {
        writer.WriteLine("Repartitions =");
        writer.WriteLine("[");
        writer.Indent();
        foreach (var repartition in agent.Repartitions)
        {
            writer.WriteLine($"global::Faustish.Agents.RepartitionDefinition.Of<{repartition.KeyType}, {repartition.ValueType}>({EmitHelpers.Literal(repartition.Name)}, {repartition.KeyCodec}, {repartition.ValueCodec}),");
        }

        writer.Unindent();
        writer.WriteLine("],");
    }

    /// <summary>The agent's timers, in source order: <see cref="EmitScheduledCalls"/> calls them by their index here.</summary>
    private static void EmitTimerList(SourceWriter writer, AgentModel agent)
    {
        writer.WriteLine("Timers =");
        writer.WriteLine("[");
        writer.Indent();
        foreach (var timer in agent.Timers)
        {
            var method = EmitHelpers.Literal(timer.Method.Name.TrimStart('@'));
            var onLeader = timer.OnLeader ? "true" : "false";
            writer.WriteLine(timer.IntervalMilliseconds > 0
                ? $"global::Faustish.Agents.AgentTimer.Every({method}, global::System.TimeSpan.FromMilliseconds({timer.IntervalMilliseconds.ToString(CultureInfo.InvariantCulture)}), onLeader: {onLeader}), // [Timer({EmitHelpers.Literal(timer.Schedule)})]"
                : $"global::Faustish.Agents.AgentTimer.Cron({method}, {EmitHelpers.Literal(timer.Schedule)}, timeZone: {(timer.TimeZone is null ? "null" : EmitHelpers.Literal(timer.TimeZone))}, onLeader: {onLeader}),");
        }

        writer.Unindent();
        writer.WriteLine("],");
    }

    /// <summary>
    /// The agent's <c>TestContext()</c>: its definition, and the topic classes it sends to (so the context can tell their
    /// records apart and decode them by class).
    /// </summary>
    private static void EmitTestContext(SourceWriter writer, AgentModel agent)
    {
        var sends = agent.Dependencies.Where(d => d.Kind == DependencyKind.Topic).Select(d => d.FullyQualifiedType).Distinct()
            .Select(topic => $"global::Faustish.Testing.TestTopic.Of(typeof({topic}), {topic}.Definition)");
        writer.WriteLine("/// <summary>");
        writer.WriteLine("/// A test context for this agent, like Faust's <c>agent.test_context()</c>: each event put into it runs through the");
        writer.WriteLine("/// generated consumer loop with the agent's tables (in memory) and a fake clock, and what the agent sends is kept.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine("/// <param name=\"configure\">Registers the services the agent's constructor takes besides tables and topics; chooses stores.</param>");
        writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
        writer.WriteLine($"public static global::Faustish.Testing.AgentTestContext<{agent.Key.FullyQualifiedName}, {agent.Value.FullyQualifiedName}> TestContext(");
        writer.WriteLine("    global::System.Action<global::Faustish.Testing.AgentTestOptions>? configure = null) =>");
        writer.WriteLine($"    new(Definition, [{string.Join(", ", sends)}], configure);");
    }

    private static void EmitPartition(SourceWriter writer, AgentModel agent, ValueMembersModel? valueMembers)
    {
        writer.WriteLine($"/// <summary>{EmitHelpers.XmlText(agent.Target.DisplayName)} bound to one partition of its topic, with that partition's tables.</summary>");
        writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
        var baseClass = agent.IsStream ? "global::Faustish.Agents.StreamAgentPartition"
            : agent.Join is { } joined ? $"global::Faustish.Agents.AgentPartition, global::Faustish.Joins.IJoinTarget<{JoinTypes(agent, joined)}>"
            : "global::Faustish.Agents.AgentPartition";
        using (writer.Block($"file sealed class {PartitionClass(agent)} : {baseClass}"))
        {
            if (!agent.IsStream)
            {
                writer.WriteLine($"private static readonly global::Faustish.Serialization.IRecordCodec<{agent.Key.FullyQualifiedName}> KeyCodec = {agent.TopicFullyQualifiedName}.Definition.KeyCodec;");
                if (valueMembers is { } members)
                {
                    var codec = $"global::Faustish.Serialization.Json.JsonRecordCodec<{agent.Value.FullyQualifiedName}>";
                    writer.WriteLine($"private static readonly {codec} ValueCodec = ({codec}){agent.TopicFullyQualifiedName}.Definition.ValueCodec;");
                    writer.WriteLine();
                    if (members.LeftOut.Count > 0)
                    {
                        writer.WriteLine($"// {agent.Target.DisplayName}.{agent.MethodName} does not read {string.Join(", ", members.LeftOut)}: the loop leaves them undecoded.");
                    }

                    writer.WriteLine($"private const ulong ValueMembers = 0x{members.Mask.ToString("X", CultureInfo.InvariantCulture)}UL;");
                    if (members.ReusedInstance is { } instance)
                    {
                        writer.WriteLine();
                        writer.WriteLine($"// {agent.Target.DisplayName}.{agent.MethodName} reads only members of its value, and only while it runs: each record is");
                        writer.WriteLine("// decoded into this one instance, which nothing else holds (a record in another layout gets one of its own).");
                        writer.WriteLine($"private readonly {agent.Value.FullyQualifiedName} _value = {instance};");
                    }
                }
                else
                {
                    writer.WriteLine($"private static readonly global::Faustish.Serialization.IRecordCodec<{agent.Value.FullyQualifiedName}> ValueCodec = {agent.TopicFullyQualifiedName}.Definition.ValueCodec;");
                }

                writer.WriteLine();
            }

            writer.WriteLine($"private readonly {agent.Target.FullyQualifiedName} _agent;");
            if (agent.Join is { ForeignKey: { } foreignKey } foreignKeyJoin)
            {
                writer.WriteLine($"private readonly global::Faustish.Joins.ForeignKeyJoinTask<{ForeignKeyJoinTypes(agent, foreignKeyJoin, foreignKey)}> _join;");
            }
            else if (agent.Join is { } join)
            {
                writer.WriteLine($"private readonly global::Faustish.Joins.JoinTask<{JoinTypes(agent, join)}> _join;");
            }

            writer.WriteLine();
            writer.WriteLine($"public {PartitionClass(agent)}({Context} context)");
            writer.WriteLine("    : base(context)");
            using (writer.Block())
            {
                var arguments = agent.Dependencies.Select(Argument).ToArray();
                if (arguments.Length == 0)
                {
                    writer.WriteLine($"_agent = new {agent.Target.FullyQualifiedName}();");
                }
                else
                {
                    writer.WriteLine($"_agent = new {agent.Target.FullyQualifiedName}(");
                    writer.Indent();
                    for (var i = 0; i < arguments.Length; i++)
                    {
                        writer.WriteLine(arguments[i] + (i == arguments.Length - 1 ? ");" : ","));
                    }

                    writer.Unindent();
                }

                if (agent.Join is { ForeignKey: { } key } keyJoin)
                {
                    writer.WriteLine($"_join = context.ForeignKeyJoin<{ForeignKeyJoinTypes(agent, keyJoin, key)}>(this);");
                }
                else if (agent.Join is not null)
                {
                    writer.WriteLine("_join = context.Join(this);");
                }
            }

            writer.WriteLine();
            if (agent.IsStream)
            {
                EmitStreamCall(writer, agent);
            }
            else if (agent.Join is { } joinModel)
            {
                EmitJoinLoop(writer, agent, joinModel);
            }
            else
            {
                EmitLoop(writer, agent, valueMembers switch
                {
                    null => "ValueCodec.Read(batch.ValueOf(in record))",
                    { ReusedInstance: null } => "ValueCodec.Read(batch.ValueOf(in record), ValueMembers)",
                    _ => "(ValueCodec.TryReadInto(batch.ValueOf(in record), ValueMembers, _value) ? _value : ValueCodec.Read(batch.ValueOf(in record), ValueMembers))",
                });
            }

            EmitScheduledCalls(writer, agent);
        }
    }

    /// <summary>The overrides that call the agent's <c>[OnStart]</c>, <c>[OnStop]</c> and timer methods, when it has any.</summary>
    private static void EmitScheduledCalls(SourceWriter writer, AgentModel agent)
    {
        const string Token = "global::System.Threading.CancellationToken";
        foreach (var onStop in new[] { false, true })
        {
            var hooks = agent.Hooks.Where(h => h.OnStop == onStop).ToArray();
            if (hooks.Length == 0)
            {
                continue;
            }

            var name = onStop ? "OnStop" : "OnStart";
            writer.WriteLine();
            writer.WriteLine($"/// <summary>Calls the agent's <c>[{name}]</c> methods, in source order.</summary>");
            using (writer.Block($"public override void {name}({Token} cancellationToken)"))
            {
                foreach (var hook in hooks)
                {
                    writer.WriteLine(Call(hook.Method));
                }
            }
        }

        if (agent.Timers.Count == 0)
        {
            return;
        }

        writer.WriteLine();
        writer.WriteLine("/// <summary>Calls the timer method at <paramref name=\"timer\"/> in the definition's <c>Timers</c>.</summary>");
        using (writer.Block($"public override void RunTimer(int timer, {Token} cancellationToken)"))
        {
            using (writer.Block("switch (timer)"))
            {
                for (var i = 0; i < agent.Timers.Count; i++)
                {
                    writer.WriteLine($"case {i}:");
                    writer.Indent();
                    writer.WriteLine(Call(agent.Timers[i].Method));
                    writer.WriteLine("break;");
                    writer.Unindent();
                }

                writer.WriteLine("default:");
                writer.Indent();
                writer.WriteLine("base.RunTimer(timer, cancellationToken);");
                writer.WriteLine("break;");
                writer.Unindent();
            }
        }
    }

    private static string Call(AgentMethodModel method)
    {
        var call = $"_agent.{method.Name}({(method.TakesCancellation ? "cancellationToken" : "")})";
        return method.Returns == ProcessReturn.Void ? call + ";" : $"Complete({call});";
    }

    private static string Argument(AgentDependency dependency) => dependency.Kind switch
    {
        DependencyKind.Table => $"context.GetTable<{dependency.FullyQualifiedType}>({dependency.FullyQualifiedType}.Definition)",
        DependencyKind.Topic => $"new {dependency.FullyQualifiedType}(context.Sender)",
        _ when dependency.IsOptional => $"global::Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetService<{dependency.FullyQualifiedType}>(context.Services)",
        _ => $"global::Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<{dependency.FullyQualifiedType}>(context.Services)",
    };

    /// <summary>A stream agent: its method runs once per partition, over the partition's stream; the runtime feeds it.</summary>
    private static void EmitStreamCall(SourceWriter writer, AgentModel agent)
    {
        writer.WriteLine($"protected override string MethodName => {EmitHelpers.Literal(agent.MethodName)};");
        writer.WriteLine();
        writer.WriteLine("/// <summary>Runs the agent's method over this partition's stream of its topic.</summary>");
        var call = $"_agent.{agent.MethodName}(StreamOf({agent.TopicFullyQualifiedName}.Definition))";
        writer.WriteLine(agent.Reply is not null
            ? $"protected override global::System.Threading.Tasks.Task RunAgent() => RunReplying({call});"
            : $"protected override global::System.Threading.Tasks.Task RunAgent() => {call}{(agent.Returns == ProcessReturn.ValueTask ? ".AsTask()" : "")};");
    }

    private static void EmitLoop(SourceWriter writer, AgentModel agent, string readValue)
    {
        var method = agent.Target.DisplayName + "." + agent.MethodName;
        writer.WriteLine("/// <summary>Decodes and processes each record of <paramref name=\"batch\"/> in order.</summary>");
        using (writer.Block("public override void ProcessBatch(global::Faustish.Transport.RecordBatch batch)"))
        {
            writer.WriteLine("var context = Context;");
            using (writer.Block("for (var i = 0; i < batch.Count; i++)"))
            {
                // The locals have the processing method's parameter types, nullable annotations included.
                writer.WriteLine("ref readonly var record = ref batch[i];");
                writer.WriteLine($"{agent.KeyParameter.FullyQualifiedType} key;");
                writer.WriteLine($"{agent.ValueParameter.FullyQualifiedType} value;");
                using (writer.Block("try"))
                {
                    writer.WriteLine(Read("key", "record.KeyIsNull", "MissingKey", "KeyCodec.Read(batch.KeyOf(in record))", agent.KeyParameter));
                    writer.WriteLine(Read("value", "record.ValueIsNull", "MissingValue", readValue, agent.ValueParameter));
                }

                using (writer.Block("catch (global::Faustish.Serialization.RecordDecodeException exception)"))
                {
                    writer.WriteLine("context.DecodeFailed(batch, in record, exception);");
                    writer.WriteLine("continue;");
                }

                writer.WriteLine();
                if (agent.Timestamp is { } eventTime)
                {
                    EmitEventTime(writer, agent, eventTime);
                }
                else
                {
                    writer.WriteLine("context.Begin(in record);");
                }

                using (writer.Block("try"))
                {
                    var call = $"_agent.{agent.MethodName}(key, value{(agent.TakesEventContext ? ", context.Event" : "")})";
                    if (agent.Returns == ProcessReturn.Void)
                    {
                        writer.WriteLine(call + ";");
                    }
                    else
                    {
                        // An event that awaits gives the partition up until it ends; the worker serves the others meanwhile.
                        writer.WriteLine($"var pending = {call};");
                        using (writer.Block("if (!pending.IsCompleted)"))
                        {
                            writer.WriteLine("context.Suspend(pending, batch, in record);");
                            writer.WriteLine("return;");
                        }

                        writer.WriteLine();
                        writer.WriteLine("pending.GetAwaiter().GetResult();");
                    }
                }

                using (writer.Block("catch (global::System.Exception exception)"))
                {
                    writer.WriteLine("context.ProcessingFailed(batch, in record, exception);");
                    writer.WriteLine("continue;");
                }

                writer.WriteLine();
                writer.WriteLine("context.Complete(in record);");
            }
        }

        if (!agent.KeyParameter.MayBeNull)
        {
            writer.WriteLine();
            writer.WriteLine("private static global::Faustish.Serialization.RecordDecodeException MissingKey() =>");
            writer.WriteLine($"    new({EmitHelpers.Literal($"The record has no key, but {method} takes a non-null key.")});");
        }

        if (!agent.ValueParameter.MayBeNull)
        {
            writer.WriteLine();
            writer.WriteLine("private static global::Faustish.Serialization.RecordDecodeException MissingValue() =>");
            writer.WriteLine($"    new({EmitHelpers.Literal($"The record has no value (a tombstone), but {method} takes a non-null value.")});");
        }

        if (agent.Timestamp is { } timestamp)
        {
            writer.WriteLine();
            writer.WriteLine("private static global::Faustish.Serialization.RecordDecodeException UnusableTimestamp(long timestampMs) =>");
            writer.WriteLine($"    global::Faustish.Topics.EventTimestamps.Unusable({agent.TopicFullyQualifiedName}.Definition, timestampMs);");
            if (timestamp.IsMethod)
            {
                writer.WriteLine();
                writer.WriteLine("private static global::Faustish.Serialization.RecordDecodeException TimestampThrew(global::System.Exception exception) =>");
                writer.WriteLine($"    global::Faustish.Topics.EventTimestamps.Failed({agent.TopicFullyQualifiedName}.Definition, exception);");
            }
        }
    }

    /// <summary>
    /// Reads the event's time as the topic's <c>[Topic(Timestamp = ...)]</c> declares it and begins the event at it; a
    /// record without a usable time (before 1970, or the topic's method threw) goes to the error policy instead.
    /// </summary>
    private static void EmitEventTime(SourceWriter writer, AgentModel agent, EventTimestampModel timestamp)
    {
        var read = EventTimeCode.Read(timestamp, "key", "value", "record.TimestampMs", agent.KeyParameter.MayBeNull, agent.ValueParameter.MayBeNull);
        writer.WriteLine($"// The event's time is {timestamp.Source}, as the topic's [Topic(Timestamp = ...)] declares.");
        if (timestamp.IsMethod)
        {
            writer.WriteLine("long timestampMs;");
            using (writer.Block("try"))
            {
                writer.WriteLine($"timestampMs = {read};");
            }

            using (writer.Block("catch (global::System.Exception exception)"))
            {
                writer.WriteLine("context.TimestampFailed(batch, in record, TimestampThrew(exception));");
                writer.WriteLine("continue;");
            }

            writer.WriteLine();
        }
        else
        {
            writer.WriteLine($"var timestampMs = {read};");
        }

        using (writer.Block("if (timestampMs < 0)"))
        {
            writer.WriteLine("context.TimestampFailed(batch, in record, UnusableTimestamp(timestampMs));");
            writer.WriteLine("continue;");
        }

        writer.WriteLine();
        writer.WriteLine("context.Begin(in record, timestampMs);");
    }

    /// <summary>
    /// A join agent's loop: each record of its topic goes to the join (after the right side's records up to its time,
    /// which the context's <c>Begin</c> applies), and the join gives each result to the agent's method.
    /// </summary>
    private static void EmitJoinLoop(SourceWriter writer, AgentModel agent, JoinModel join)
    {
        var method = agent.Target.DisplayName + "." + agent.MethodName;
        writer.WriteLine("/// <summary>Decodes each record of <paramref name=\"batch\"/> in order and gives it to the join as its left side.</summary>");
        using (writer.Block("public override void ProcessBatch(global::Faustish.Transport.RecordBatch batch)"))
        {
            writer.WriteLine("var context = Context;");
            using (writer.Block("for (var i = 0; i < batch.Count; i++)"))
            {
                writer.WriteLine("ref readonly var record = ref batch[i];");
                writer.WriteLine($"{agent.Key.FullyQualifiedName} key;");
                writer.WriteLine($"{OrNull(agent.Value.FullyQualifiedName)} value;");
                using (writer.Block("try"))
                {
                    writer.WriteLine("key = record.KeyIsNull ? throw MissingKey() : KeyCodec.Read(batch.KeyOf(in record));");
                    writer.WriteLine("value = record.ValueIsNull ? default : ValueCodec.Read(batch.ValueOf(in record));");
                }

                using (writer.Block("catch (global::Faustish.Serialization.RecordDecodeException exception)"))
                {
                    writer.WriteLine("context.DecodeFailed(batch, in record, exception);");
                    writer.WriteLine("continue;");
                }

                writer.WriteLine();
                writer.WriteLine("// The event's time: the one its topic takes from the value, if it declares one; else the record's.");
                writer.WriteLine("var timestampMs = record.TimestampMs;");
                using (writer.Block($"if (value is not null && !{agent.TopicFullyQualifiedName}.Definition.TryGetEventTime(key, value, record.TimestampMs, out timestampMs, out var unusable))"))
                {
                    writer.WriteLine("context.TimestampFailed(batch, in record, unusable);");
                    writer.WriteLine("continue;");
                }

                writer.WriteLine();
                writer.WriteLine("context.Begin(in record, timestampMs);");
                using (writer.Block("try"))
                {
                    writer.WriteLine("_join.Left(key, value, record.ValueIsNull ? default : batch.ValueOf(in record));");
                }

                using (writer.Block("catch (global::System.Exception exception) when (exception is not global::Faustish.Agents.AgentFailedException)"))
                {
                    writer.WriteLine("context.ProcessingFailed(batch, in record, exception);");
                    writer.WriteLine("continue;");
                }

                writer.WriteLine();
                writer.WriteLine("context.Complete(in record);");
            }
        }

        writer.WriteLine();
        writer.WriteLine("/// <summary>A join result: the agent's method takes it.</summary>");
        writer.WriteLine($"void global::Faustish.Joins.IJoinTarget<{JoinTypes(agent, join)}>.Joined({agent.Key.FullyQualifiedName} key, {OrNull(agent.Value.FullyQualifiedName)} left, {OrNull(join.RightValue.FullyQualifiedName)} right) =>");
        writer.WriteLine($"    _agent.{agent.MethodName}(key, left{(join.LeftParameter.MayBeNull ? "" : "!")}, right{(join.RightParameter.MayBeNull ? "" : "!")});");
        writer.WriteLine();
        writer.WriteLine("private static global::Faustish.Serialization.RecordDecodeException MissingKey() =>");
        writer.WriteLine($"    new({EmitHelpers.Literal($"The record has no key, but {method} joins records by key.")});");
    }

    /// <summary>The type with a nullable annotation (once).</summary>
    private static string OrNull(string type) => type.EndsWith("?", System.StringComparison.Ordinal) ? type : type + "?";

    private static string Read(string local, string isNull, string missing, string read, AgentParameter parameter) =>
        parameter.MayBeNull
            ? $"{local} = {isNull} ? default : {read};"
            : $"{local} = {isNull} ? throw {missing}() : {read}{(parameter.NeedsNullForgiving ? "!" : "")};";
}
