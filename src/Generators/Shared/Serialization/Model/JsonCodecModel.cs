namespace Faustish.Generators.Serialization;

/// <summary>What a codec does with its type.</summary>
internal enum JsonCodecKind
{
    /// <summary>A class or struct written as a JSON object of its properties.</summary>
    Object,

    /// <summary>An enum, written as a number or (with <c>JsonStringEnumConverter</c>) as its member name.</summary>
    Enum,

    /// <summary>Any other supported type used directly as a key or value (e.g. <c>Guid</c>, <c>List&lt;T&gt;</c>).</summary>
    Value,
}

/// <summary>
/// Everything the emitter needs for one codec, as plain values: no symbols, syntax or locations, so
/// incremental steps compare models by value and cache.
/// </summary>
/// <param name="TypeName">The <c>global::</c>-qualified type the codec reads and writes.</param>
/// <param name="DisplayName">The type as users write it, for comments and messages.</param>
/// <param name="PreferredName">The codec class name when no other codec shares it, e.g. <c>PageViewJsonCodec</c>.</param>
/// <param name="QualifiedName">The codec class name with the namespace folded in, used when <paramref name="PreferredName"/> collides.</param>
/// <param name="ReadsIntoInstance">
/// A record class (not generic) whose every member read is a primary-constructor parameter with a public <c>init</c>
/// accessor: the codec can read a value into an instance it is given (<c>TryReadInto</c>) by calling those accessors.
/// </param>
internal sealed record JsonCodecModel(
    string TypeName,
    string DisplayName,
    string PreferredName,
    string QualifiedName,
    JsonCodecKind Kind,
    bool IsValueType,
    EquatableArray<JsonPropertyModel> Properties = default,
    int ConstructorParameterCount = 0,
    EquatableArray<JsonEnumMemberModel> EnumMembers = default,
    JsonShapeKind EnumUnderlying = JsonShapeKind.Int32,
    bool EnumAsString = false,
    JsonTypeShape? ValueShape = null,
    bool EnumIsFlags = false,
    bool ReadsIntoInstance = false);

/// <summary>How a property's value gets into a new instance on read.</summary>
internal enum JsonSetterKind
{
    /// <summary>Not read (no public setter and not a constructor parameter): JSON values for it are skipped.</summary>
    None,

    /// <summary>Passed as a constructor argument (<see cref="JsonPropertyModel.ConstructorIndex"/>).</summary>
    Constructor,

    /// <summary>Set in the object initializer (a C# <c>required</c> member: always present once reading succeeds).</summary>
    Initializer,

    /// <summary>Assigned after construction, only when the JSON has it (keeps field initializers otherwise).</summary>
    Assignment,

    /// <summary>An <c>init</c> accessor called through <c>[UnsafeAccessor]</c> after construction, only when the JSON has it.</summary>
    InitAccessor,

    /// <summary>
    /// An <c>init</c> accessor of a generic record or struct (out of <c>[UnsafeAccessor]</c>'s reach), set with a
    /// <c>with</c> expression after construction, only when the JSON has it.
    /// </summary>
    With,
}

/// <summary>When a property is left out on write (<c>[JsonIgnore(Condition = ...)]</c>).</summary>
internal enum JsonIgnoreWhen
{
    Never,
    WritingNull,
    WritingDefault,
}

/// <param name="ClrName">The C# property name.</param>
/// <param name="JsonName">The JSON name (camelCase, or from <c>[JsonPropertyName]</c>).</param>
/// <param name="AnnotatedTypeName">The property type with its nullable annotation, for accessor signatures.</param>
/// <param name="DeclaringTypeName">The type that declares the property (the target of an init accessor).</param>
/// <param name="ConstructorDefault">A C# expression for the constructor argument when the JSON lacks it.</param>
internal sealed record JsonPropertyModel(
    string ClrName,
    string JsonName,
    JsonTypeShape Shape,
    string AnnotatedTypeName,
    bool CanWrite,
    JsonIgnoreWhen IgnoreWhen,
    JsonSetterKind Setter,
    int ConstructorIndex,
    string? ConstructorDefault,
    bool IsRequired,
    string DeclaringTypeName,
    bool DeclaringTypeIsValueType);

/// <param name="ClrName">The enum member's C# name.</param>
/// <param name="JsonName">Its JSON string (the C# name, or <c>[JsonStringEnumMemberName]</c>).</param>
/// <param name="IsFirstWithValue">Whether it is the first member with its value (the one written).</param>
/// <param name="Key">Its value as JsonSerializer keys it: the underlying value sign-extended to 64 bits.</param>
/// <param name="IsRenamed">Whether <paramref name="JsonName"/> comes from <c>[JsonStringEnumMemberName]</c> (then matched only exactly).</param>
internal sealed record JsonEnumMemberModel(string ClrName, string JsonName, bool IsFirstWithValue, ulong Key = 0, bool IsRenamed = false);

/// <summary>
/// The codec of a key or value type, found before all codecs are known: either a fixed expression (Kafka's
/// primitive encodings) or a JSON codec type, whose class name the generator's <c>JsonCodecNameTable</c> settles.
/// </summary>
internal sealed record JsonCodecReference(string? PrimitiveExpression, string TypeName, string PreferredName, string QualifiedName);
