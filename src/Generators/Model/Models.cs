using Faustish.Generators.Rules;
using Faustish.Generators.Serialization;

namespace Faustish.Generators.Model;

// The generator's models: plain values only (no ISymbol, SyntaxNode, Location or Compilation), so equal
// inputs give equal models and the incremental pipeline caches everything an edit does not touch.

/// <summary>Where a generated partial class goes.</summary>
/// <param name="Namespace">Namespace as written in C# (keywords escaped), or empty for the global namespace.</param>
/// <param name="Containers">The declarations of the types that contain it, outermost first (<c>partial class Streams</c>).</param>
/// <param name="Keyword">The class's own declaration keyword: <c>class</c> or <c>record</c>.</param>
/// <param name="ClassName">The class's simple name as written in C# (keywords escaped: <c>@event</c>).</param>
/// <param name="FullyQualifiedName">The <c>global::</c>-qualified name.</param>
/// <param name="DisplayName">The name people read in messages (<c>Demo.CountViews</c>).</param>
/// <param name="HintKey">The full name with only letters, digits, '_' and '.', from which hint names are made unique.</param>
/// <param name="FlatName">The containing types and the class name joined by '_', for names of generated helper types.</param>
/// <param name="HidesDefinition">A base class has a member named Definition, so the generated one hides it with <c>new</c>.</param>
internal sealed record ClassTarget(
    string Namespace,
    EquatableArray<string> Containers,
    string Keyword,
    string ClassName,
    string FullyQualifiedName,
    string DisplayName,
    string HintKey,
    string FlatName,
    bool HidesDefinition);

/// <summary>A key or value type and the codec that encodes it.</summary>
/// <param name="FullyQualifiedName">The type, <c>global::</c>-qualified, with its nullable annotation.</param>
/// <param name="Codec">Which codec encodes it; resolved to code by <see cref="JsonCodecNameTable"/>.</param>
/// <param name="IsUnmanaged">True when the type holds no references (a FASTER blittable store can hold it).</param>
/// <param name="IsReferenceType">True for classes (null is a possible key or value).</param>
internal sealed record RecordTypeRef(string FullyQualifiedName, JsonCodecReference Codec, bool IsUnmanaged, bool IsReferenceType);

/// <summary>What a parser found: a usable model, a stand-in, or nothing (both null).</summary>
internal readonly record struct Parsed<T>(T? Model, StandInModel? StandIn) where T : class;

/// <summary>
/// A <c>[Topic]</c> or <c>[Table]</c> class the generator cannot serve (an analyzer reports why). It still gets a
/// constructor, so the class compiles and the build shows the analyzer's message instead of a compiler error.
/// </summary>
/// <param name="ParameterType">The constructor's parameter type, as the real constructor takes it.</param>
/// <param name="BaseArguments">The base constructor call's arguments.</param>
/// <param name="Reason">Why the class cannot be used, written as a comment.</param>
internal sealed record StandInModel(ClassTarget Target, string ParameterType, string BaseArguments, string Reason);

/// <param name="Codecs">The JSON codecs its key and value need (none for Kafka's primitive encodings).</param>
/// <param name="Timestamp">Where its events take their time from (<c>[Topic(Timestamp = ...)]</c>); null: the records' own timestamps.</param>
internal sealed record TopicModel(ClassTarget Target, string TopicName, int Partitions, RecordTypeRef Key, RecordTypeRef Value, EquatableArray<JsonCodecModel> Codecs,
    string? Retention = null, long RetentionBytes = 0, EventTimestampModel? Timestamp = null);

/// <summary>Where a topic's events take their time from: a member of the value, or a static method of the topic class.</summary>
/// <param name="Kind">What is read, and how it becomes Unix milliseconds.</param>
/// <param name="Name">The member's or method's name as C# writes it (keywords escaped).</param>
/// <param name="Source">What messages call it: <c>PageView.At</c>, or <c>PageViews.EventTime(key, value, recordTimestampMs)</c>.</param>
/// <param name="TopicFullyQualifiedName">The topic class, <c>global::</c>-qualified (a method is called on it).</param>
/// <param name="ValueIsNullableStruct">The value type is <c>Nullable&lt;T&gt;</c>: a member is read through <c>.Value</c>.</param>
/// <param name="MethodTakesNullKey">The method's key parameter accepts null.</param>
/// <param name="MethodTakesNullValue">The method's value parameter accepts null, so records without a value are passed to it too.</param>
internal sealed record EventTimestampModel(
    TimestampKind Kind,
    string Name,
    string Source,
    string TopicFullyQualifiedName,
    bool ValueIsNullableStruct,
    bool MethodTakesNullKey,
    bool MethodTakesNullValue)
{
    public bool IsMethod => Kind is TimestampKind.UnixMillisecondsMethod or TimestampKind.DateTimeOffsetMethod;
}

/// <param name="Codecs">The JSON codecs its key and value need (none for Kafka's primitive encodings).</param>
/// <param name="Window">Set for tables derived from <c>WindowedTable&lt;,&gt;</c>.</param>
/// <param name="IsGlobal">A <c>GlobalTable</c>: every worker holds all of it.</param>
/// <param name="CollectionValue">
/// For a windowed table whose value a collection expression builds (<c>List&lt;T&gt;</c>, <c>T[]</c>, …): its elements; the
/// table's indexers then take <c>[.. items, item]</c> as a plain table's do. Null otherwise.
/// </param>
internal sealed record TableModel(ClassTarget Target, string TableName, int Partitions, RecordTypeRef Key, RecordTypeRef Value, EquatableArray<JsonCodecModel> Codecs,
    WindowModel? Window = null, bool IsGlobal = false, CollectionValueModel? CollectionValue = null, string? Source = null);

/// <summary>A table value that a collection expression builds.</summary>
/// <param name="Element">The element type, <c>global::</c>-qualified, with its nullable annotations.</param>
/// <param name="IsInterface">The value type is an interface (<c>IReadOnlyList&lt;T&gt;</c>): no user-defined conversion may take it.</param>
internal sealed record CollectionValueModel(string Element, bool IsInterface);

/// <summary>A windowed table's settings as written in <c>[Table]</c>; the runtime parses and checks them at start.</summary>
/// <param name="Spec">The <c>Window</c> text, or null.</param>
/// <param name="Expires">The <c>Expires</c> text, or null.</param>
/// <param name="Late">The <c>Late</c> enum's value.</param>
/// <param name="CloseOn">The <c>CloseOn</c> flags' value.</param>
/// <param name="RelativeTo">The <c>RelativeTo</c> enum's value.</param>
internal sealed record WindowModel(string? Spec, string? Expires, int Late, int CloseOn, int RelativeTo);

/// <summary>How the generated code obtains one of the agent's constructor arguments.</summary>
internal enum DependencyKind
{
    /// <summary>The partition's instance of a [Table] class.</summary>
    Table,

    /// <summary>A [Topic] class bound to the partition's sender.</summary>
    Topic,

    /// <summary>Anything else, from dependency injection.</summary>
    Service,
}

/// <param name="FullyQualifiedType">The parameter's type, <c>global::</c>-qualified, without its nullable annotation.</param>
/// <param name="IsOptional">A service parameter that may be null (<c>IClock?</c>, <c>int?</c>): resolved with GetService, not GetRequiredService.</param>
internal sealed record AgentDependency(DependencyKind Kind, string FullyQualifiedType, bool IsOptional = false);

internal sealed record AgentModel(
    ClassTarget Target,
    string AgentName,
    int Concurrency,
    string TopicFullyQualifiedName,
    RecordTypeRef Key,
    RecordTypeRef Value,
    string MethodName,
    ProcessReturn Returns,
    bool TakesEventContext,
    AgentParameter KeyParameter,
    AgentParameter ValueParameter,
    EquatableArray<AgentDependency> Dependencies,
    EquatableArray<AgentTimerModel> Timers = default,
    EquatableArray<AgentHookModel> Hooks = default,
    bool IsStream = false,
    EquatableArray<RepartitionModel> Repartitions = default,
    ReplyModel? Reply = null,
    JoinModel? Join = null,
    EventTimestampModel? Timestamp = null,
    ValueProjectionModel? Projection = null);

/// <summary>
/// How the generated loop may decode an agent's value member by member: the members of the value's JSON codec in the
/// order its <c>ReadJson(ref reader, members)</c> numbers them. Set for agents whose processing method takes one
/// record value decoded by a generated object codec; the emitter matches it with what the method reads
/// (<see cref="ValueReadsModel"/>, by <paramref name="ClassKey"/>).
/// </summary>
/// <param name="ClassKey">The agent class as its declarations spell it (<see cref="Parsing.ValueReads.ClassKey"/>).</param>
/// <param name="Members">The codec's members, by bit index.</param>
/// <param name="LoopReads">Members the generated loop itself reads (the event's timestamp member).</param>
/// <param name="ReusableInstance">
/// An expression that builds an instance the loop may decode every record into (see <c>JsonRecordCodec.TryReadInto</c>),
/// or null: a record class whose members the codec reads are all positional, with no initializer or other code that a
/// construction would run and a reuse would not.
/// </param>
internal sealed record ValueProjectionModel(string ClassKey, EquatableArray<ProjectedMember> Members, EquatableArray<string> LoopReads,
    string? ReusableInstance = null);

/// <summary>A member of a projected value's codec.</summary>
/// <param name="ClrName">The C# property name, as member accesses spell it.</param>
/// <param name="JsonName">Its JSON name, for the generated code's comment.</param>
/// <param name="Plain">
/// It returns what was stored into it and nothing else (an auto-property or a positional record's property): a read of
/// it sees only its own decoded value. A read of any other member makes the loop decode the whole value.
/// </param>
/// <param name="CanSkip">
/// Leaving it undecoded changes nothing else: plain, not required, and named by nothing in the type's declarations
/// (no initializer, constructor or other member uses it).
/// </param>
internal sealed record ProjectedMember(string ClrName, string JsonName, bool Plain, bool CanSkip);

/// <summary>What a processing method reads of its value (<see cref="Parsing.ValueReads"/>).</summary>
/// <param name="ClassKey">The method's class as its declarations spell it.</param>
/// <param name="Members">The member names it reads, in ordinal order; null when it uses the value otherwise.</param>
/// <param name="ReadsWhileRunning">
/// Every read is in the body of a synchronous <c>void Process</c>, none in a lambda or local function: nothing reads the
/// value after the method returns.
/// </param>
internal sealed record ValueReadsModel(string ClassKey, EquatableArray<string>? Members, bool ReadsWhileRunning = false);

/// <summary>The members of an agent's value its loop decodes: their bits, and the JSON names of those left out (for a comment).</summary>
/// <param name="ReusedInstance">The construction of the one instance the loop decodes into (<see cref="ValueProjectionModel.ReusableInstance"/>), or null.</param>
internal sealed record ValueMembersModel(ulong Mask, EquatableArray<string> LeftOut, string? ReusedInstance = null);

/// <summary>
/// The join of a join agent (<c>[Join(typeof(Right), Kind = …, Window = …)]</c>): the right side's topic and value type,
/// the kind's enum member name, the window as written (null: a table–table join), the method's side parameters, and a
/// foreign-key join's foreign key.
/// </summary>
internal sealed record JoinModel(string RightTopicFullyQualifiedName, RecordTypeRef RightValue, string Kind, string? Window,
    AgentParameter LeftParameter, AgentParameter RightParameter, ForeignKeyModel? ForeignKey = null);

/// <summary>
/// A foreign-key join's foreign key (<c>[Join(..., ForeignKey = ...)]</c>): the right topic's key type, the expression that
/// reads it from a left value named <c>value</c>, and what messages call it.
/// </summary>
internal sealed record ForeignKeyModel(string KeyFullyQualifiedName, string Expression, string Source, bool IsMethod);

/// <summary>What a replying stream agent (<c>IAsyncEnumerable&lt;TReply&gt;</c>) yields: the type and its codec's expression.</summary>
internal sealed record ReplyModel(string Type, string Codec);

/// <summary>A <c>GroupBy(keySelector, name)</c> found in a stream agent's method, in source order.</summary>
/// <param name="KeyType">The new key type, <c>global::</c>-qualified.</param>
/// <param name="KeyCodec">The expression of its codec (a primitive encoding).</param>
/// <param name="ValueType">The events' value type there.</param>
/// <param name="ValueCodec">The expression of its codec.</param>
internal sealed record RepartitionModel(string Name, string KeyType, string KeyCodec, string ValueType, string ValueCodec);

/// <summary>A <c>[Timer]</c> or <c>[Crontab]</c> method, in source order.</summary>
/// <param name="Schedule">The attribute's text as written: the interval or the cron expression.</param>
/// <param name="IntervalMilliseconds">The interval of a <c>[Timer]</c>, parsed by <see cref="TimerRules"/>; 0 for a <c>[Crontab]</c>.</param>
/// <param name="TimeZone">The cron expression's time zone, or null for UTC.</param>
internal sealed record AgentTimerModel(AgentMethodModel Method, string Schedule, long IntervalMilliseconds, string? TimeZone, bool OnLeader);

/// <summary>An <c>[OnStart]</c> or <c>[OnStop]</c> method, in source order.</summary>
internal sealed record AgentHookModel(AgentMethodModel Method, bool OnStop);

/// <summary>How the generated code calls a scheduled method.</summary>
/// <param name="TakesCancellation">It takes a <c>CancellationToken</c>.</param>
internal sealed record AgentMethodModel(string Name, ProcessReturn Returns, bool TakesCancellation);

/// <summary>The key or value parameter of the processing method.</summary>
/// <param name="FullyQualifiedType">Its type as the method declares it, nullable annotation included.</param>
/// <param name="MayBeNull">Whether it accepts null (a record without key, a tombstone).</param>
/// <param name="NeedsNullForgiving">A non-null reference parameter fed from a codec whose type is nullable.</param>
internal sealed record AgentParameter(string FullyQualifiedType, bool MayBeNull, bool NeedsNullForgiving);

/// <summary>Every topic, table and agent class of a compilation, and stand-ins for those the analyzers reject, each list in ordinal order of full name.</summary>
internal sealed record AppTargets(
    EquatableArray<TopicModel> Topics,
    EquatableArray<TableModel> Tables,
    EquatableArray<AgentModel> Agents,
    EquatableArray<StandInModel> StandIns);

/// <summary>What the assembly's registry lists: the <c>global::</c>-qualified names of its topics, tables and agents, in ordinal order.</summary>
internal sealed record RegistryModel(EquatableArray<string> Topics, EquatableArray<string> Tables, EquatableArray<string> Agents);
