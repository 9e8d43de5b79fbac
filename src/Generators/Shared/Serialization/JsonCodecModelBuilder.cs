using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Faustish.Generators.Serialization;

/// <summary>
/// The one answer to "can the generated codecs serve this type": turns a key or value type into the models of the JSON
/// codecs it needs (its own and those of every nested record and enum), or says why it cannot. The generator emits
/// code from the models; the analyzers report the <see cref="JsonCodecProblem"/> (this file is compiled into both), so
/// nothing is rejected by one and accepted by the other.
/// The JSON follows <c>JsonSerializer</c> with <c>JsonSerializerDefaults.Web</c> and the attributes the types carry.
/// </summary>
internal static class JsonCodecModelBuilder
{
    private const string JsonAttributes = "System.Text.Json.Serialization.";

    private static readonly SymbolDisplayFormat DisplayFormat = SymbolDisplayFormat.MinimallyQualifiedFormat;

    /// <summary>
    /// The codec expression for Kafka's primitive encodings (<c>string</c>, <c>int</c>, <c>long</c>, <c>double</c>),
    /// or <see langword="null"/> when the type takes a JSON codec.
    /// </summary>
    public static string? PrimitiveCodecExpression(ITypeSymbol type) => type.SpecialType switch
    {
        SpecialType.System_String => "global::Faustish.Serialization.PrimitiveCodecs.Utf8String",
        SpecialType.System_Int32 => "global::Faustish.Serialization.PrimitiveCodecs.Int32BigEndian",
        SpecialType.System_Int64 => "global::Faustish.Serialization.PrimitiveCodecs.Int64BigEndian",
        SpecialType.System_Double => "global::Faustish.Serialization.PrimitiveCodecs.DoubleBigEndian",
        _ => null,
    };

    /// <summary>Whether the type uses one of Kafka's primitive encodings rather than JSON.</summary>
    public static bool IsPrimitive(ITypeSymbol type) => PrimitiveCodecExpression(type) is not null;

    /// <summary>
    /// Which codec a key or value type uses. The generator resolves it to code with <c>JsonCodecNameTable.CodecExpression</c>
    /// once all codec models of the compilation are known (two types may share a simple name).
    /// </summary>
    public static JsonCodecReference GetReference(ITypeSymbol type)
    {
        type = StripAnnotation(type);
        var primitive = PrimitiveCodecExpression(type);
        var (preferred, qualified) = CodecNames(type);
        return new JsonCodecReference(primitive, TypeName(type), preferred, qualified);
    }

    /// <summary>Why the codecs cannot serve <paramref name="type"/>, or null when they can.</summary>
    public static JsonCodecProblem? Check(ITypeSymbol type) => TryBuild(type, out _, out JsonCodecProblem? problem) ? null : problem;

    /// <summary>
    /// Builds the codec models for <paramref name="type"/>: its own (first) and those of the records and enums it
    /// contains, in a stable order. Returns <see langword="false"/> with the problem (naming the member) when a type
    /// cannot be handled. Primitive key/value types (see <see cref="IsPrimitive"/>) need no models.
    /// </summary>
    public static bool TryBuild(ITypeSymbol type, out EquatableArray<JsonCodecModel> models, out JsonCodecProblem? problem)
    {
        models = default;
        problem = null;
        if (IsPrimitive(type))
        {
            return true;
        }

        var root = StripAnnotation(type);
        var builder = new Builder();
        var shape = builder.Shape(root, converterOnMember: null, Display(root), isRoot: true);
        if (shape is null)
        {
            problem = builder.Problem ?? new JsonCodecProblem(Display(root), "cannot be serialized");
            return false;
        }

        if (shape.Kind is not (JsonShapeKind.Object or JsonShapeKind.Enum))
        {
            // A supported non-record type used directly as a key or value gets a codec that wraps its shape.
            var (preferred, qualified) = CodecNames(root);
            builder.Models.Insert(0, new JsonCodecModel(
                shape.TypeName,
                Display(root),
                preferred,
                qualified,
                JsonCodecKind.Value,
                root.IsValueType,
                ValueShape: shape));
        }
        else
        {
            // The root first, then what it contains.
            var first = builder.Models.First(m => m.TypeName == shape.TypeName);
            builder.Models.Remove(first);
            builder.Models.Insert(0, first);
        }

        models = builder.Models.ToEquatableArray();
        return true;
    }

    /// <summary>JsonSerializerDefaults.Web's camelCase (<c>JsonNamingPolicy.CamelCase</c>): <c>URLValue</c> becomes <c>urlValue</c>.</summary>
    public static string CamelCase(string name)
    {
        if (name.Length == 0 || !char.IsUpper(name[0]))
        {
            return name;
        }

        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (i == 1 && !char.IsUpper(chars[i]))
            {
                break;
            }

            var hasNext = i + 1 < chars.Length;
            if (i > 0 && hasNext && !char.IsUpper(chars[i + 1]))
            {
                if (chars[i + 1] == ' ')
                {
                    chars[i] = char.ToLowerInvariant(chars[i]);
                }

                break;
            }

            chars[i] = char.ToLowerInvariant(chars[i]);
        }

        return new string(chars);
    }

    private static ITypeSymbol StripAnnotation(ITypeSymbol type) =>
        type.NullableAnnotation == NullableAnnotation.Annotated && type.IsReferenceType
            ? type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)
            : type;

    private static string TypeName(ITypeSymbol type) => StripAnnotation(type).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    private static string Display(ITypeSymbol type) => StripAnnotation(type).ToDisplayString(DisplayFormat);

    /// <summary>A C# identifier for a type: <c>Envelope&lt;PageView&gt;</c> is <c>EnvelopeOfPageView</c>, <c>Outer.Inner</c> is <c>Outer_Inner</c>.</summary>
    internal static string SafeName(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return "ArrayOf" + SafeName(array.ElementType);
            case INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable:
                return "Nullable" + SafeName(nullable.TypeArguments[0]);
            case INamedTypeSymbol named:
                var builder = new StringBuilder();
                if (named.ContainingType is { } containing)
                {
                    builder.Append(SafeName(containing)).Append('_');
                }

                builder.Append(named.SpecialType != SpecialType.None ? named.MetadataName.Split('`')[0] : named.Name);
                if (named.TypeArguments.Length > 0)
                {
                    builder.Append("Of").Append(string.Join("And", named.TypeArguments.Select(SafeName)));
                }

                return builder.ToString();
            default:
                return new string(type.Name.Where(char.IsLetterOrDigit).ToArray());
        }
    }

    private static (string Preferred, string Qualified) CodecNames(ITypeSymbol type)
    {
        var safe = SafeName(type);
        var ns = (type is IArrayTypeSymbol array ? array.ElementType : type).ContainingNamespace;
        var prefix = ns is null || ns.IsGlobalNamespace ? "" : string.Join("_", ns.ToDisplayString().Split('.').Select(p => p.TrimStart('@'))) + "_";
        return (safe + "JsonCodec", prefix + safe + "JsonCodec");
    }

    /// <summary>Whether the text can be written as UTF-8 (no unpaired surrogates), as a <c>u8</c> literal must be.</summary>
    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Builder
    {
        private readonly Dictionary<ITypeSymbol, string> _built = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ITypeSymbol, string> _inProgress = new(SymbolEqualityComparer.Default);

        public List<JsonCodecModel> Models { get; } = new();

        public JsonCodecProblem? Problem { get; private set; }

        /// <summary>The shape of <paramref name="type"/>; <see langword="null"/> (with <see cref="Problem"/> set) when unsupported.</summary>
        /// <param name="converterOnMember">The <c>[JsonConverter]</c> on the member, if any.</param>
        /// <param name="path">Where the value is, from the root type: <c>Order.Lines[].Sku</c>.</param>
        /// <param name="isRoot">Whether <paramref name="path"/> is the root type itself (messages then say "is" rather than "has type").</param>
        public JsonTypeShape? Shape(ITypeSymbol type, AttributeData? converterOnMember, string path, bool isRoot = false)
        {
            type = StripAnnotation(type);
            var name = TypeName(type);
            var mangled = SafeName(type);

            if (converterOnMember is not null && !IsStringEnumConverter(converterOnMember))
            {
                return FailShape(path, "has a custom [JsonConverter], which the generated codecs do not run (only JsonStringEnumConverter on an enum is supported)");
            }

            var scalar = ScalarKind(type);
            if (scalar is { } kind)
            {
                if (converterOnMember is not null)
                {
                    return NotAnEnum(path, type);
                }

                return new JsonTypeShape(kind, name, mangled, type.IsReferenceType);
            }

            switch (type)
            {
                case INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable:
                {
                    var element = Shape(nullable.TypeArguments[0], converterOnMember, path, isRoot);
                    return element is null ? null : new JsonTypeShape(JsonShapeKind.Nullable, name, mangled, false, element);
                }

                case INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType:
                    return Enum(enumType, name, mangled, converterOnMember is not null, path, isRoot);

                case IArrayTypeSymbol array:
                {
                    if (array.Rank != 1)
                    {
                        return FailType(path, isRoot, type, "a multi-dimensional array");
                    }

                    return Collection(type, array.ElementType, JsonCollectionKind.Array, converterOnMember, path, isRoot);
                }

                case INamedTypeSymbol named when CollectionKind(named) is { } collection:
                {
                    if (collection is JsonCollectionKind.Dictionary or JsonCollectionKind.DictionaryInterface)
                    {
                        if (named.TypeArguments[0].SpecialType != SpecialType.System_String)
                        {
                            return FailType(path, isRoot, type, "a dictionary whose keys are not strings (JSON object keys are strings)");
                        }

                        return Collection(type, named.TypeArguments[1], collection, converterOnMember, path, isRoot);
                    }

                    return Collection(type, named.TypeArguments[0], collection, converterOnMember, path, isRoot);
                }

                case INamedTypeSymbol named:
                    if (converterOnMember is not null)
                    {
                        return NotAnEnum(path, type);
                    }

                    return Object(named, path, isRoot);

                case ITypeParameterSymbol:
                    return FailType(path, isRoot, type, "a type parameter; close it with a concrete type");
                case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                    return FailType(path, isRoot, type, "a pointer");
                case IDynamicTypeSymbol:
                    return FailType(path, isRoot, type, "a type whose shape is unknown (use a concrete type)");
                default:
                    return FailType(path, isRoot, type, "a kind of type the generated codecs do not handle");
            }
        }

        private JsonTypeShape? Collection(ITypeSymbol type, ITypeSymbol elementType, JsonCollectionKind kind, AttributeData? converter, string path, bool isRoot)
        {
            if (converter is not null)
            {
                return NotAnEnum(path, type);
            }

            var dictionary = kind is JsonCollectionKind.Dictionary or JsonCollectionKind.DictionaryInterface;
            var element = Shape(elementType, null, path + (dictionary ? "[key]" : "[]"));
            if (element is null)
            {
                return null;
            }

            return new JsonTypeShape(dictionary ? JsonShapeKind.Dictionary : JsonShapeKind.Array, TypeName(type), SafeName(type), true, element, kind);
        }

        private JsonTypeShape? Enum(INamedTypeSymbol enumType, string name, string mangled, bool stringOnMember, string path, bool isRoot)
        {
            if (!IsAccessible(enumType))
            {
                return FailType(path, isRoot, enumType, "private or protected; the generated codecs need it public or internal");
            }

            var typeConverter = FindAttribute(enumType, "JsonConverterAttribute");
            if (typeConverter is not null && !IsStringEnumConverter(typeConverter))
            {
                return FailType(path, isRoot, enumType, "given a custom [JsonConverter], which the generated codecs do not run (only JsonStringEnumConverter is supported)");
            }

            var stringOnType = typeConverter is not null;
            var underlying = ScalarKind(enumType.EnumUnderlyingType!) ?? JsonShapeKind.Int32;
            if (!_built.ContainsKey(enumType))
            {
                var seen = new HashSet<ulong>();
                var members = new List<JsonEnumMemberModel>();
                foreach (var field in enumType.GetMembers().OfType<IFieldSymbol>())
                {
                    if (!field.HasConstantValue)
                    {
                        continue;
                    }

                    var key = Key(field.ConstantValue, underlying);
                    var renamed = FindAttribute(field, "JsonStringEnumMemberNameAttribute")?.ConstructorArguments.FirstOrDefault().Value as string;
                    var jsonName = renamed ?? field.Name;
                    if (renamed is not null && (renamed.Length == 0 || renamed.Trim().Length != renamed.Length || renamed.IndexOf(',') >= 0 || !IsWellFormed(renamed)))
                    {
                        return FailType(path, isRoot, enumType,
                            $"an enum whose member '{field.Name}' has the JSON name \"{renamed}\", which JsonSerializer rejects (names must be non-empty, without commas or surrounding spaces)");
                    }

                    members.Add(new JsonEnumMemberModel(field.Name, jsonName, seen.Add(key), key, renamed is not null));
                }

                var (preferred, qualified) = CodecNames(enumType);
                _built.Add(enumType, name);
                Models.Add(new JsonCodecModel(
                    name,
                    Display(enumType),
                    preferred,
                    qualified,
                    JsonCodecKind.Enum,
                    IsValueType: true,
                    EnumMembers: members.ToEquatableArray(),
                    EnumUnderlying: underlying,
                    EnumAsString: stringOnType,
                    EnumIsFlags: HasAttribute(enumType, "System.FlagsAttribute")));
            }

            return new JsonTypeShape(JsonShapeKind.Enum, name, mangled, false, EnumAsString: stringOnType || stringOnMember, EnumUnderlying: underlying);
        }

        /// <summary>An enum constant as JsonSerializer keys it: the underlying value, sign-extended to 64 bits.</summary>
        private static ulong Key(object? value, JsonShapeKind underlying) => underlying switch
        {
            JsonShapeKind.Byte or JsonShapeKind.UInt16 or JsonShapeKind.UInt32 or JsonShapeKind.UInt64 =>
                Convert.ToUInt64(value, CultureInfo.InvariantCulture),
            _ => unchecked((ulong)Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        };

        private JsonTypeShape? Object(INamedTypeSymbol type, string path, bool isRoot)
        {
            var name = TypeName(type);
            var shape = new JsonTypeShape(JsonShapeKind.Object, name, SafeName(type), type.IsReferenceType);
            if (_built.ContainsKey(type))
            {
                return shape;
            }

            if (_inProgress.ContainsKey(type))
            {
                Problem ??= new JsonCodecProblem(path, "", CycleType: Display(type));
                return null;
            }

            var problem = ObjectProblem(type);
            if (problem is not null)
            {
                return FailType(path, isRoot, type, problem);
            }

            _inProgress.Add(type, path);
            var model = ObjectModel(type, path, isRoot);
            _inProgress.Remove(type);
            if (model is null)
            {
                return null;
            }

            _built.Add(type, name);
            Models.Add(model);
            return shape;
        }

        /// <summary>Why a class or struct cannot be a JSON object, as a noun phrase ("an interface; ...").</summary>
        private static string? ObjectProblem(INamedTypeSymbol type)
        {
            if (type.TypeKind == TypeKind.Interface)
            {
                return "an interface; use a concrete type, or List<T>, IReadOnlyList<T> or Dictionary<string, T>";
            }

            if (type.TypeKind == TypeKind.Delegate)
            {
                return "a delegate";
            }

            if (type.TypeKind == TypeKind.Error)
            {
                return "a type the compiler cannot find";
            }

            if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
            {
                return "a kind of type the generated codecs do not handle";
            }

            if (type.SpecialType == SpecialType.System_Object)
            {
                return "a type whose shape is unknown (use a concrete type)";
            }

            if (IsFrameworkType(type))
            {
                return "a framework type the generated codecs do not handle";
            }

            if (type.IsStatic)
            {
                return "a static class";
            }

            if (type.IsAbstract)
            {
                return "abstract; the codec cannot choose a concrete type to create";
            }

            if (type.IsRefLikeType)
            {
                return "a ref struct";
            }

            if (type.IsUnboundGenericType || type.TypeArguments.Any(a => a.TypeKind == TypeKind.TypeParameter))
            {
                return "an open generic type; use a closed type such as Envelope<PageView>";
            }

            if (!IsAccessible(type))
            {
                return "private or protected; the generated codecs need it public or internal";
            }

            foreach (var attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass is not { } attributeClass || attributeClass.ContainingNamespace?.ToDisplayString() + "." != JsonAttributes)
                {
                    continue;
                }

                switch (attributeClass.Name)
                {
                    case "JsonConverterAttribute":
                        return "given a custom [JsonConverter], which the generated codecs do not run";
                    case "JsonPolymorphicAttribute" or "JsonDerivedTypeAttribute":
                        return "polymorphic ([JsonPolymorphic]/[JsonDerivedType]), which the generated codecs do not support";
                    case "JsonUnmappedMemberHandlingAttribute" or "JsonNumberHandlingAttribute" or "JsonObjectCreationHandlingAttribute":
                        return $"marked [{attributeClass.Name.Substring(0, attributeClass.Name.Length - "Attribute".Length)}], which the generated codecs do not support";
                    default:
                        break;
                }
            }

            return null;
        }

        private JsonCodecModel? ObjectModel(INamedTypeSymbol type, string path, bool isRoot)
        {
            // Public instance properties, most derived first (JsonSerializer's order); a property hidden or
            // overridden in a derived type is taken from the derived type.
            var candidates = new List<IPropertySymbol>();
            var seenNames = new HashSet<string>(StringComparer.Ordinal);
            for (var current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
            {
                foreach (var member in current.GetMembers())
                {
                    if (member.IsStatic || member.IsImplicitlyDeclared && member is not IPropertySymbol)
                    {
                        continue;
                    }

                    if (member is IFieldSymbol field && field.DeclaredAccessibility == Accessibility.Public && FindAttribute(field, "JsonIncludeAttribute") is not null)
                    {
                        return FailMember($"{path}.{field.Name}", "is a field marked [JsonInclude]; the generated codecs read and write properties only, so make it a property");
                    }

                    if (member is not IPropertySymbol { IsIndexer: false } property || !seenNames.Add(property.Name))
                    {
                        continue;
                    }

                    var include = FindAttribute(property, "JsonIncludeAttribute") is not null;
                    if (property.DeclaredAccessibility != Accessibility.Public)
                    {
                        if (include)
                        {
                            return FailMember($"{path}.{property.Name}", "is not public but marked [JsonInclude]; the generated codecs need public properties");
                        }

                        continue;
                    }

                    if (include && (property.GetMethod?.DeclaredAccessibility is not (null or Accessibility.Public)
                        || property.SetMethod?.DeclaredAccessibility is not (null or Accessibility.Public)))
                    {
                        return FailMember($"{path}.{property.Name}", "has a non-public accessor but is marked [JsonInclude]; the generated codecs need public accessors");
                    }

                    candidates.Add(property);
                }
            }

            var constructor = ChooseConstructor(type, out var constructorProblem);
            if (constructor is null && constructorProblem is not null)
            {
                return FailModel(path, isRoot, type, constructorProblem);
            }

            var setsRequiredMembers = constructor is not null && FindAttribute(constructor, "SetsRequiredMembersAttribute", "System.Diagnostics.CodeAnalysis.") is not null;
            var parameters = constructor?.Parameters ?? default;

            // Constructor parameters bind to properties by name, ignoring case, and must have the same type.
            var parameterOf = new Dictionary<IPropertySymbol, IParameterSymbol>(SymbolEqualityComparer.Default);
            if (!parameters.IsDefaultOrEmpty)
            {
                foreach (var parameter in parameters)
                {
                    var match = candidates.FirstOrDefault(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)
                        && SymbolEqualityComparer.Default.Equals(StripAnnotation(p.Type), StripAnnotation(parameter.Type)));
                    if (match is null)
                    {
                        return FailMember($"{path}({parameter.Name})",
                            "is a constructor parameter that matches no public property of the same name and type (JsonSerializer requires one for each)");
                    }

                    if (parameter.RefKind is not (RefKind.None or RefKind.In))
                    {
                        return FailMember($"{path}({parameter.Name})", "is a ref or out constructor parameter, which JsonSerializer cannot pass");
                    }

                    parameterOf[match] = parameter;
                }
            }

            var properties = new List<(JsonPropertyModel Model, int Order)>();
            var readsIntoInstance = type.IsRecord && !type.IsValueType && !IsInGenericType(type);
            foreach (var property in candidates)
            {
                var where = $"{path}.{property.Name}";
                var ignore = JsonIgnoreWhen.Never;
                var ignoreAttribute = FindAttribute(property, "JsonIgnoreAttribute");
                if (ignoreAttribute is not null)
                {
                    var condition = ignoreAttribute.NamedArguments.FirstOrDefault(a => a.Key == "Condition").Value.Value as int? ?? 1;
                    switch (condition)
                    {
                        case 0: // Never
                            break;
                        case 1: // Always
                            if (property.IsRequired && !setsRequiredMembers)
                            {
                                return FailMember(where, "is required but marked [JsonIgnore], which JsonSerializer rejects");
                            }

                            if (parameterOf.ContainsKey(property))
                            {
                                return FailMember(where, "is marked [JsonIgnore] but bound to a constructor parameter, which JsonSerializer rejects");
                            }

                            continue;
                        case 2:
                            ignore = JsonIgnoreWhen.WritingDefault;
                            break;
                        case 3:
                            ignore = JsonIgnoreWhen.WritingNull;
                            break;
                        default:
                            return FailMember(where, "has a JsonIgnoreCondition the generated codecs do not support");
                    }
                }

                foreach (var attribute in property.GetAttributes())
                {
                    if (attribute.AttributeClass?.Name is "JsonExtensionDataAttribute" or "JsonNumberHandlingAttribute" or "JsonObjectCreationHandlingAttribute"
                        && attribute.AttributeClass.ContainingNamespace?.ToDisplayString() + "." == JsonAttributes)
                    {
                        var attributeName = attribute.AttributeClass.Name.Substring(0, attribute.AttributeClass.Name.Length - "Attribute".Length);
                        return FailMember(where, $"is marked [{attributeName}], which the generated codecs do not support");
                    }
                }

                var canWrite = property.GetMethod?.DeclaredAccessibility == Accessibility.Public;
                var setter = property.SetMethod?.DeclaredAccessibility == Accessibility.Public ? property.SetMethod : null;
                var constructorIndex = -1;
                string? constructorDefault = null;
                JsonSetterKind setterKind;
                if (parameterOf.TryGetValue(property, out var parameter))
                {
                    setterKind = JsonSetterKind.Constructor;
                    constructorIndex = parameter.Ordinal;
                    constructorDefault = DefaultValue(parameter);
                }
                else if (property.IsRequired && !setsRequiredMembers)
                {
                    setterKind = JsonSetterKind.Initializer;
                }
                else if (setter is not null && !setter.IsInitOnly)
                {
                    setterKind = JsonSetterKind.Assignment;
                }
                else if (setter is not null)
                {
                    // [UnsafeAccessor] cannot target a method of a generic type from a non-generic accessor; a record
                    // or struct takes the value through 'with' instead.
                    if (!IsInGenericType(property.ContainingType))
                    {
                        setterKind = JsonSetterKind.InitAccessor;
                    }
                    else if (type.IsRecord || type.IsValueType)
                    {
                        setterKind = JsonSetterKind.With;
                    }
                    else
                    {
                        return FailMember(where,
                            "has an init-only setter in a generic class, which the generated codecs cannot call; make it 'set', 'required' or a constructor parameter, or make the class a record");
                    }
                }
                else
                {
                    setterKind = JsonSetterKind.None;
                }

                if (!canWrite && setterKind == JsonSetterKind.None)
                {
                    continue;
                }

                if (setterKind != JsonSetterKind.None && (setterKind != JsonSetterKind.Constructor || setter is not { IsInitOnly: true }))
                {
                    readsIntoInstance = false;
                }

                var shape = Shape(property.Type, FindAttribute(property, "JsonConverterAttribute"), where);
                if (shape is null)
                {
                    return null;
                }

                var jsonName = FindAttribute(property, "JsonPropertyNameAttribute")?.ConstructorArguments.FirstOrDefault().Value as string
                    ?? CamelCase(property.Name);
                if (!IsWellFormed(jsonName))
                {
                    return FailMember(where, "has a JSON name with an unpaired surrogate, which is not valid UTF-8");
                }

                var required = FindAttribute(property, "JsonRequiredAttribute") is not null || (property.IsRequired && !setsRequiredMembers);
                var order = FindAttribute(property, "JsonPropertyOrderAttribute")?.ConstructorArguments.FirstOrDefault().Value as int? ?? 0;
                var declaring = property.ContainingType;

                properties.Add((new JsonPropertyModel(
                    property.Name,
                    jsonName,
                    shape,
                    property.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithMiscellaneousOptions(
                        SymbolDisplayFormat.FullyQualifiedFormat.MiscellaneousOptions | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier)),
                    canWrite,
                    ignore,
                    setterKind,
                    constructorIndex,
                    constructorDefault,
                    required,
                    TypeName(declaring),
                    declaring.IsValueType), order));
            }

            // [JsonPropertyOrder] sorts stably; the rest keep declaration order.
            var ordered = properties.Select((p, i) => (p.Model, p.Order, Index: i)).OrderBy(p => p.Order).ThenBy(p => p.Index).Select(p => p.Model).ToList();

            var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in ordered)
            {
                if (names.TryGetValue(property.JsonName, out var other))
                {
                    return FailMember($"{path}.{property.ClrName}",
                        $"has the JSON name '{property.JsonName}', which clashes with that of '{other}' (names are matched ignoring case)");
                }

                names.Add(property.JsonName, property.ClrName);
            }

            var (preferred, qualified) = CodecNames(type);
            return new JsonCodecModel(
                TypeName(type),
                Display(type),
                preferred,
                qualified,
                JsonCodecKind.Object,
                type.IsValueType,
                ordered.ToEquatableArray(),
                parameters.IsDefault ? 0 : parameters.Length,
                ReadsIntoInstance: readsIntoInstance);
        }

        /// <summary>JsonSerializer's choice: [JsonConstructor], else a public parameterless one, else the only public one.</summary>
        private static IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, out string? problem)
        {
            problem = null;
            var constructors = type.InstanceConstructors;
            var attributed = constructors.Where(c => FindAttribute(c, "JsonConstructorAttribute") is not null).ToList();
            if (attributed.Count > 1)
            {
                problem = "has more than one constructor marked [JsonConstructor]";
                return null;
            }

            if (attributed.Count == 1)
            {
                if (attributed[0].DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
                {
                    problem = "has a private or protected [JsonConstructor], which the generated codecs cannot call; make it public or internal";
                    return null;
                }

                return attributed[0];
            }

            var publicConstructors = constructors
                .Where(c => c.DeclaredAccessibility == Accessibility.Public && !(type.IsValueType && c.IsImplicitlyDeclared))
                .ToList();
            var parameterless = publicConstructors.FirstOrDefault(c => c.Parameters.Length == 0);
            if (parameterless is not null)
            {
                return parameterless;
            }

            if (publicConstructors.Count == 1)
            {
                return publicConstructors[0];
            }

            if (type.IsValueType)
            {
                // default(T), then properties.
                return null;
            }

            problem = publicConstructors.Count == 0
                ? "has no public constructor; add one, or mark an internal one [JsonConstructor]"
                : "has several public constructors; mark the one to use with [JsonConstructor]";
            return null;
        }

        private static string? DefaultValue(IParameterSymbol parameter)
        {
            if (!parameter.HasExplicitDefaultValue)
            {
                return null;
            }

            var type = parameter.Type;
            var value = parameter.ExplicitDefaultValue;
            var typeName = TypeName(type);
            if (value is null)
            {
                return type.IsReferenceType ? "null" : $"default({typeName})";
            }

            return value switch
            {
                double d when double.IsNaN(d) => "global::System.Double.NaN",
                double d when double.IsPositiveInfinity(d) => "global::System.Double.PositiveInfinity",
                double d when double.IsNegativeInfinity(d) => "global::System.Double.NegativeInfinity",
                float f when float.IsNaN(f) => "global::System.Single.NaN",
                float f when float.IsPositiveInfinity(f) => "global::System.Single.PositiveInfinity",
                float f when float.IsNegativeInfinity(f) => "global::System.Single.NegativeInfinity",
                _ => $"({typeName})({SymbolDisplay.FormatPrimitive(value, quoteStrings: true, useHexadecimalNumbers: false)}{LiteralSuffix(value)})",
            };
        }

        private static string LiteralSuffix(object value) => value switch
        {
            float => "F",
            decimal => "M",
            long => "L",
            ulong => "UL",
            uint => "U",
            _ => "",
        };

        /// <summary>A type that cannot be served: "'path' has type 'T', which is {reason}", or "'T' is {reason}" for the root.</summary>
        private JsonTypeShape? FailType(string path, bool isRoot, ITypeSymbol type, string reason)
        {
            Problem ??= new JsonCodecProblem(path, isRoot ? $"is {reason}" : $"has type '{Display(type)}', which is {reason}");
            return null;
        }

        /// <summary>A class or struct whose members or constructors cannot be served; <paramref name="what"/> is a verb phrase ("has ...").</summary>
        private JsonCodecModel? FailModel(string path, bool isRoot, ITypeSymbol type, string what)
        {
            Problem ??= new JsonCodecProblem(path, isRoot ? what : $"has type '{Display(type)}', which {what}");
            return null;
        }

        private JsonTypeShape? NotAnEnum(string path, ITypeSymbol type) =>
            FailShape(path, $"has [JsonConverter(typeof(JsonStringEnumConverter))], but its type '{Display(type)}' is not an enum");

        private JsonTypeShape? FailShape(string path, string what)
        {
            Problem ??= new JsonCodecProblem(path, what);
            return null;
        }

        private JsonCodecModel? FailMember(string path, string what)
        {
            Problem ??= new JsonCodecProblem(path, what);
            return null;
        }
    }

    private static JsonShapeKind? ScalarKind(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return JsonShapeKind.Boolean;
            case SpecialType.System_Byte: return JsonShapeKind.Byte;
            case SpecialType.System_SByte: return JsonShapeKind.SByte;
            case SpecialType.System_Int16: return JsonShapeKind.Int16;
            case SpecialType.System_UInt16: return JsonShapeKind.UInt16;
            case SpecialType.System_Int32: return JsonShapeKind.Int32;
            case SpecialType.System_UInt32: return JsonShapeKind.UInt32;
            case SpecialType.System_Int64: return JsonShapeKind.Int64;
            case SpecialType.System_UInt64: return JsonShapeKind.UInt64;
            case SpecialType.System_Single: return JsonShapeKind.Single;
            case SpecialType.System_Double: return JsonShapeKind.Double;
            case SpecialType.System_Decimal: return JsonShapeKind.Decimal;
            case SpecialType.System_Char: return JsonShapeKind.Char;
            case SpecialType.System_String: return JsonShapeKind.String;
            case SpecialType.System_DateTime: return JsonShapeKind.DateTime;
            default: break;
        }

        if (type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte })
        {
            return JsonShapeKind.Bytes;
        }

        if (type is INamedTypeSymbol { ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } named && named.TypeArguments.Length == 0
            && IsFrameworkType(named))
        {
            return named.Name switch
            {
                "DateTimeOffset" => JsonShapeKind.DateTimeOffset,
                "TimeSpan" => JsonShapeKind.TimeSpan,
                "Guid" => JsonShapeKind.Guid,
                _ => null,
            };
        }

        return null;
    }

    private static JsonCollectionKind? CollectionKind(INamedTypeSymbol type)
    {
        if (!type.IsGenericType || type.ContainingNamespace?.ToDisplayString() != "System.Collections.Generic" || !IsFrameworkType(type))
        {
            return null;
        }

        return type.OriginalDefinition.MetadataName switch
        {
            "List`1" => JsonCollectionKind.List,
            "IEnumerable`1" or "IList`1" or "IReadOnlyList`1" or "ICollection`1" or "IReadOnlyCollection`1" => JsonCollectionKind.ListInterface,
            "Dictionary`2" => JsonCollectionKind.Dictionary,
            "IDictionary`2" or "IReadOnlyDictionary`2" => JsonCollectionKind.DictionaryInterface,
            _ => null,
        };
    }

    private static bool IsStringEnumConverter(AttributeData converter) =>
        converter.ConstructorArguments.FirstOrDefault().Value is INamedTypeSymbol
        {
            Name: "JsonStringEnumConverter", ContainingNamespace: { } ns,
        } && ns.ToDisplayString() == "System.Text.Json.Serialization";

    /// <summary>
    /// A type of the framework (System.* or Microsoft.*, from a framework assembly). The user's own types in a
    /// namespace that starts with System are not: they are declared in source or in the user's assemblies.
    /// </summary>
    private static bool IsFrameworkType(INamedTypeSymbol type)
    {
        var ns = type.ContainingNamespace;
        while (ns is { ContainingNamespace.IsGlobalNamespace: false })
        {
            ns = ns.ContainingNamespace;
        }

        if (ns is not { IsGlobalNamespace: false, Name: "System" or "Microsoft" } || !type.DeclaringSyntaxReferences.IsEmpty)
        {
            return false;
        }

        var assembly = type.ContainingAssembly?.Identity.Name ?? "";
        return assembly is "mscorlib" or "netstandard" or "System"
            || assembly.StartsWith("System.", StringComparison.Ordinal)
            || assembly.StartsWith("Microsoft.", StringComparison.Ordinal);
    }

    /// <summary>Whether the type or one that contains it has type arguments (its members then belong to a generic type).</summary>
    private static bool IsInGenericType(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.TypeArguments.Length > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAccessible(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal) || current.IsFileLocal)
            {
                return false;
            }
        }

        return true;
    }

    private static bool HasAttribute(ISymbol symbol, string fullName)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == fullName)
            {
                return true;
            }
        }

        return false;
    }

    private static AttributeData? FindAttribute(ISymbol symbol, string name, string ns = JsonAttributes)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass is { } attributeClass
                && attributeClass.Name == name
                && attributeClass.ContainingNamespace?.ToDisplayString() + "." == ns)
            {
                return attribute;
            }
        }

        return null;
    }
}
