using Faustish.Generators.Serialization;

namespace Faustish.Generators.Model;

// The generator's models: plain values only (no ISymbol, SyntaxNode, Location or Compilation), so equal
// inputs give equal models and the incremental pipeline caches everything an edit does not touch.

/// <summary>Where a generated partial class goes.</summary>
/// <param name="Namespace">Namespace, or empty for the global namespace.</param>
/// <param name="ClassName">The class's simple name.</param>
/// <param name="FullyQualifiedName">The <c>global::</c>-qualified name.</param>
/// <param name="DisplayName">The name people read in messages (<c>Demo.CountViews</c>).</param>
internal sealed record ClassTarget(string Namespace, string ClassName, string FullyQualifiedName, string DisplayName);

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
internal sealed record TopicModel(ClassTarget Target, string TopicName, int Partitions, RecordTypeRef Key, RecordTypeRef Value, EquatableArray<JsonCodecModel> Codecs);

/// <param name="Codecs">The JSON codecs its key and value need (none for Kafka's primitive encodings).</param>
/// <param name="Window">Set for tables derived from <c>WindowedTable&lt;,&gt;</c>.</param>
/// <param name="IsGlobal">A <c>GlobalTable</c>: every worker holds all of it.</param>
internal sealed record TableModel(ClassTarget Target, string TableName, int Partitions, RecordTypeRef Key, RecordTypeRef Value, EquatableArray<JsonCodecModel> Codecs,
    WindowModel? Window = null, bool IsGlobal = false);

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

internal sealed record AgentDependency(DependencyKind Kind, string FullyQualifiedType);

/// <summary>What the agent's processing method returns; the loop waits for anything but void.</summary>
internal enum ProcessReturn
{
    Void,
    ValueTask,
    Task,
}

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
    bool KeyMayBeNull,
    bool ValueMayBeNull,
    EquatableArray<AgentDependency> Dependencies);
