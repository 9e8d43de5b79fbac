using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Faustish.Generators.Serialization;

/// <summary>
/// Turns a key or value type into the models of the JSON codecs it needs (its own and those of every nested record
/// and enum), or says why it cannot. The generator emits code from the models; analyzers report the reason.
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
    /// Which codec a key or value type uses. Resolve it to code with <see cref="JsonCodecNameTable.CodecExpression"/>
    /// once all codec models of the compilation are known (two types may share a simple name).
    /// </summary>
    public static JsonCodecReference GetReference(ITypeSymbol type)
    {
        type = StripAnnotation(type);
        var primitive = PrimitiveCodecExpression(type);
        var (preferred, qualified) = CodecNames(type);
        return new JsonCodecReference(primitive, TypeName(type), preferred, qualified);
    }

    /// <summary>
    /// The C# expression for the codec of a key or value type, e.g.
    /// <c>global::Faustish.Serialization.PrimitiveCodecs.Utf8String</c> or
    /// <c>global::Faustish.Generated.Codecs.PageViewJsonCodec.Instance</c>. Assumes no other codec type in the
    /// compilation has the same simple name; <see cref="JsonCodecNameTable"/> gives the exact name when one might.
    /// </summary>
    public static string CodecExpression(ITypeSymbol type) => JsonCodecNameTable.Empty.CodecExpression(GetReference(type));

    /// <summary>
    /// Builds the codec models for <paramref name="type"/>: its own (first) and those of the records and enums it
    /// contains, in a stable order. Returns <see langword="false"/> with a reason naming the offending member when a
    /// type cannot be handled. Primitive key/value types (see <see cref="IsPrimitive"/>) need no models.
    /// </summary>
    public static bool TryBuild(ITypeSymbol type, out EquatableArray<JsonCodecModel> models, out string? unsupportedReason)
    {
        models = default;
        if (IsPrimitive(type))
        {
            unsupportedReason = null;
            return true;
        }

        var builder = new Builder();
        var shape = builder.Shape(StripAnnotation(type), converterOnMember: null, where: null);
        if (shape is null)
        {
            unsupportedReason = builder.Error;
            return false;
        }

        if (shape.Kind is not (JsonShapeKind.Object or JsonShapeKind.Enum))
        {
            // A supported non-record type used directly as a key or value gets a codec that wraps its shape.
            var (preferred, qualified) = CodecNames(StripAnnotation(type));
            builder.Models.Insert(0, new JsonCodecModel(
                shape.TypeName,
                Display(type),
                preferred,
                qualified,
                JsonCodecKind.Value,
                type.IsValueType,
                ValueShape: shape));
        }
        else
        {
            // The root first, then what it contains.
            var root = builder.Models.First(m => m.TypeName == shape.TypeName);
            builder.Models.Remove(root);
            builder.Models.Insert(0, root);
        }

        models = builder.Models.ToEquatableArray();
        unsupportedReason = null;
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
        var prefix = ns is null || ns.IsGlobalNamespace ? "" : ns.ToDisplayString().Replace('.', '_') + "_";
        return (safe + "JsonCodec", prefix + safe + "JsonCodec");
    }

    private sealed class Builder
    {
        private readonly Dictionary<ITypeSymbol, string> _built = new(SymbolEqualityComparer.Default);
        private readonly HashSet<ITypeSymbol> _inProgress = new(SymbolEqualityComparer.Default);

        public List<JsonCodecModel> Models { get; } = new();

        public string? Error { get; private set; }

        /// <summary>The shape of <paramref name="type"/>; <see langword="null"/> (with <see cref="Error"/> set) when unsupported.</summary>
        /// <param name="converterOnMember">The <c>[JsonConverter]</c> on the member, if any.</param>
        /// <param name="where">The member, as <c>Type.Member</c>, for messages; <see langword="null"/> for the root type.</param>
        public JsonTypeShape? Shape(ITypeSymbol type, AttributeData? converterOnMember, string? where)
        {
            type = StripAnnotation(type);
            var name = TypeName(type);
            var mangled = SafeName(type);

            if (converterOnMember is not null && !IsStringEnumConverter(converterOnMember, out _))
            {
                return Fail(where, type, "custom [JsonConverter]s are not supported (only JsonStringEnumConverter on an enum)");
            }

            var scalar = ScalarKind(type);
            if (scalar is { } kind)
            {
                if (converterOnMember is not null)
                {
                    return Fail(where, type, "JsonStringEnumConverter applies only to enums");
                }

                return new JsonTypeShape(kind, name, mangled, type.IsReferenceType);
            }

            switch (type)
            {
                case INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable:
                {
                    var element = Shape(nullable.TypeArguments[0], converterOnMember, where);
                    return element is null ? null : new JsonTypeShape(JsonShapeKind.Nullable, name, mangled, false, element);
                }

                case INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType:
                    return Enum(enumType, name, mangled, converterOnMember is not null, where);

                case IArrayTypeSymbol array:
                {
                    if (array.Rank != 1)
                    {
                        return Fail(where, type, "multi-dimensional arrays are not supported");
                    }

                    return Collection(type, array.ElementType, JsonCollectionKind.Array, converterOnMember, where);
                }

                case INamedTypeSymbol named when CollectionKind(named) is { } collection:
                {
                    if (converterOnMember is not null)
                    {
                        return Fail(where, type, "JsonStringEnumConverter applies only to enums");
                    }

                    if (collection is JsonCollectionKind.Dictionary or JsonCollectionKind.DictionaryInterface)
                    {
                        if (named.TypeArguments[0].SpecialType != SpecialType.System_String)
                        {
                            return Fail(where, type, "dictionaries must have string keys");
                        }

                        return Collection(type, named.TypeArguments[1], collection, null, where);
                    }

                    return Collection(type, named.TypeArguments[0], collection, null, where);
                }

                case INamedTypeSymbol named:
                    if (converterOnMember is not null)
                    {
                        return Fail(where, type, "JsonStringEnumConverter applies only to enums");
                    }

                    return Object(named, where);

                case ITypeParameterSymbol:
                    return Fail(where, type, "open generic type parameters are not supported; use a concrete type");
                case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                    return Fail(where, type, "pointers are not supported");
                case IDynamicTypeSymbol:
                    return Fail(where, type, "dynamic is not supported");
                default:
                    return Fail(where, type, "this kind of type is not supported");
            }
        }

        private JsonTypeShape? Collection(ITypeSymbol type, ITypeSymbol elementType, JsonCollectionKind kind, AttributeData? converter, string? where)
        {
            if (converter is not null)
            {
                return Fail(where, type, "JsonStringEnumConverter applies only to enums");
            }

            var element = Shape(elementType, null, where);
            if (element is null)
            {
                return null;
            }

            var shapeKind = kind is JsonCollectionKind.Dictionary or JsonCollectionKind.DictionaryInterface ? JsonShapeKind.Dictionary : JsonShapeKind.Array;
            return new JsonTypeShape(shapeKind, TypeName(type), SafeName(type), true, element, kind);
        }

        private JsonTypeShape? Enum(INamedTypeSymbol enumType, string name, string mangled, bool stringOnMember, string? where)
        {
            if (!IsAccessible(enumType))
            {
                return Fail(where, enumType, "the type must be public or internal (generated codecs live in another namespace)");
            }

            var typeConverter = FindAttribute(enumType, "JsonConverterAttribute");
            var stringOnType = false;
            if (typeConverter is not null && !IsStringEnumConverter(typeConverter, out stringOnType))
            {
                return Fail(where, enumType, "custom [JsonConverter]s are not supported (only JsonStringEnumConverter)");
            }

            var underlying = ScalarKind(enumType.EnumUnderlyingType!) ?? JsonShapeKind.Int32;
            if (!_built.ContainsKey(enumType))
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                var members = new List<JsonEnumMemberModel>();
                foreach (var field in enumType.GetMembers().OfType<IFieldSymbol>())
                {
                    if (!field.HasConstantValue)
                    {
                        continue;
                    }

                    var value = Convert.ToString(field.ConstantValue, CultureInfo.InvariantCulture) ?? "0";
                    var jsonName = FindAttribute(field, "JsonStringEnumMemberNameAttribute")?.ConstructorArguments.FirstOrDefault().Value as string ?? field.Name;
                    members.Add(new JsonEnumMemberModel(field.Name, jsonName, seen.Add(value)));
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
                    EnumAsString: stringOnType));
            }

            return new JsonTypeShape(JsonShapeKind.Enum, name, mangled, false, EnumAsString: stringOnType || stringOnMember, EnumUnderlying: underlying);
        }

        private JsonTypeShape? Object(INamedTypeSymbol type, string? where)
        {
            var name = TypeName(type);
            var shape = new JsonTypeShape(JsonShapeKind.Object, name, SafeName(type), type.IsReferenceType);
            if (_built.ContainsKey(type))
            {
                return shape;
            }

            if (_inProgress.Contains(type))
            {
                return Fail(where, type, $"'{Display(type)}' contains itself (directly or through other members); types with cycles are not supported");
            }

            var problem = ObjectProblem(type);
            if (problem is not null)
            {
                return Fail(where, type, problem);
            }

            _inProgress.Add(type);
            var model = ObjectModel(type);
            _inProgress.Remove(type);
            if (model is null)
            {
                return null;
            }

            _built.Add(type, name);
            Models.Add(model);
            return shape;
        }

        private static string? ObjectProblem(INamedTypeSymbol type)
        {
            if (type.TypeKind == TypeKind.Interface)
            {
                return "interfaces are not supported (except IEnumerable<T>, IList<T>, IReadOnlyList<T>, ICollection<T>, IReadOnlyCollection<T>, IDictionary<string, T> and IReadOnlyDictionary<string, T>)";
            }

            if (type.TypeKind == TypeKind.Delegate)
            {
                return "delegates are not supported";
            }

            if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
            {
                return "this kind of type is not supported";
            }

            if (type.SpecialType == SpecialType.System_Object)
            {
                return "object is not supported; use a concrete type";
            }

            if (IsInSystemNamespace(type))
            {
                return "this framework type is not supported by the generated serializer";
            }

            if (type.IsAbstract)
            {
                return "abstract types are not supported (the reader must create an instance)";
            }

            if (type.IsStatic)
            {
                return "static classes cannot be serialized";
            }

            if (type.IsRefLikeType)
            {
                return "ref structs are not supported";
            }

            if (type.IsUnboundGenericType || type.TypeArguments.Any(a => a.TypeKind == TypeKind.TypeParameter))
            {
                return "open generic types are not supported; use a closed type such as Envelope<PageView>";
            }

            if (!IsAccessible(type))
            {
                return "the type must be public or internal (generated codecs live in another namespace)";
            }

            foreach (var attribute in type.GetAttributes())
            {
                switch (attribute.AttributeClass?.Name)
                {
                    case "JsonConverterAttribute":
                        return "custom [JsonConverter]s are not supported";
                    case "JsonPolymorphicAttribute" or "JsonDerivedTypeAttribute":
                        return "polymorphic serialization is not supported";
                    case "JsonUnmappedMemberHandlingAttribute" or "JsonNumberHandlingAttribute" or "JsonObjectCreationHandlingAttribute":
                        return $"[{attribute.AttributeClass.Name.Replace("Attribute", "")}] is not supported";
                    default:
                        break;
                }
            }

            return null;
        }

        private JsonCodecModel? ObjectModel(INamedTypeSymbol type)
        {
            var display = Display(type);

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
                        return FailModel($"{display}.{field.Name}", "fields are not supported; make it a property");
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
                            return FailModel($"{display}.{property.Name}", "[JsonInclude] on a non-public property is not supported");
                        }

                        continue;
                    }

                    if (include && (property.GetMethod?.DeclaredAccessibility is not (null or Accessibility.Public)
                        || property.SetMethod?.DeclaredAccessibility is not (null or Accessibility.Public)))
                    {
                        return FailModel($"{display}.{property.Name}", "[JsonInclude] on a non-public accessor is not supported");
                    }

                    candidates.Add(property);
                }
            }

            var constructor = ChooseConstructor(type, out var constructorProblem);
            if (constructor is null && constructorProblem is not null)
            {
                return FailModel(display, constructorProblem);
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
                        return FailModel($"{display}({parameter.Name})",
                            "each constructor parameter must match a public property of the same name and type (as JsonSerializer requires)");
                    }

                    parameterOf[match] = parameter;
                }
            }

            var properties = new List<(JsonPropertyModel Model, int Order)>();
            foreach (var property in candidates)
            {
                var where = $"{display}.{property.Name}";
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
                                return FailModel(where, "a required member cannot be [JsonIgnore]d");
                            }

                            continue;
                        case 2:
                            ignore = JsonIgnoreWhen.WritingDefault;
                            break;
                        case 3:
                            ignore = JsonIgnoreWhen.WritingNull;
                            break;
                        default:
                            return FailModel(where, "this JsonIgnoreCondition is not supported");
                    }
                }

                foreach (var attribute in property.GetAttributes())
                {
                    if (attribute.AttributeClass?.Name is "JsonExtensionDataAttribute" or "JsonNumberHandlingAttribute" or "JsonObjectCreationHandlingAttribute")
                    {
                        return FailModel(where, $"[{attribute.AttributeClass.Name.Replace("Attribute", "")}] is not supported");
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
                else if (setter is not null)
                {
                    setterKind = setter.IsInitOnly ? JsonSetterKind.InitAccessor : JsonSetterKind.Assignment;
                }
                else
                {
                    setterKind = JsonSetterKind.None;
                }

                if (!canWrite && setterKind == JsonSetterKind.None)
                {
                    continue;
                }

                var shape = Shape(property.Type, FindAttribute(property, "JsonConverterAttribute"), where);
                if (shape is null)
                {
                    return null;
                }

                var jsonName = FindAttribute(property, "JsonPropertyNameAttribute")?.ConstructorArguments.FirstOrDefault().Value as string
                    ?? CamelCase(property.Name);
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
                    return FailModel($"{display}.{property.ClrName}",
                        $"its JSON name '{property.JsonName}' clashes with that of '{other}' (names are matched ignoring case)");
                }

                names.Add(property.JsonName, property.ClrName);
            }

            var (preferred, qualified) = CodecNames(type);
            return new JsonCodecModel(
                TypeName(type),
                display,
                preferred,
                qualified,
                JsonCodecKind.Object,
                type.IsValueType,
                ordered.ToEquatableArray(),
                parameters.IsDefault ? 0 : parameters.Length);
        }

        /// <summary>JsonSerializer's choice: [JsonConstructor], else a public parameterless one, else the only public one.</summary>
        private static IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, out string? problem)
        {
            problem = null;
            var constructors = type.InstanceConstructors;
            var attributed = constructors.Where(c => FindAttribute(c, "JsonConstructorAttribute") is not null).ToList();
            if (attributed.Count > 1)
            {
                problem = "more than one constructor has [JsonConstructor]";
                return null;
            }

            if (attributed.Count == 1)
            {
                if (attributed[0].DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
                {
                    problem = "the [JsonConstructor] must be public or internal";
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
                ? "it has no public constructor"
                : "it has several public constructors; mark the one to use with [JsonConstructor]";
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

        private JsonTypeShape? Fail(string? where, ITypeSymbol type, string why)
        {
            Error ??= where is null
                ? $"type '{Display(type)}' cannot be serialized to JSON: {why}"
                : $"'{where}' has type '{Display(type)}', which cannot be serialized to JSON: {why}";
            return null;
        }

        private JsonCodecModel? FailModel(string where, string why)
        {
            Error ??= $"'{where}' cannot be serialized to JSON: {why}";
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

        if (type is INamedTypeSymbol { ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } named && named.TypeArguments.Length == 0)
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
        if (!type.IsGenericType || type.ContainingNamespace?.ToDisplayString() != "System.Collections.Generic")
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

    private static bool IsStringEnumConverter(AttributeData converter, out bool isStringEnum)
    {
        var converterType = converter.ConstructorArguments.FirstOrDefault().Value as INamedTypeSymbol;
        isStringEnum = converterType is not null
            && converterType.Name == "JsonStringEnumConverter"
            && converterType.ContainingNamespace?.ToDisplayString() == "System.Text.Json.Serialization";
        return isStringEnum;
    }

    private static bool IsInSystemNamespace(INamedTypeSymbol type)
    {
        var ns = type.ContainingNamespace;
        while (ns is { ContainingNamespace.IsGlobalNamespace: false })
        {
            ns = ns.ContainingNamespace;
        }

        return ns is { Name: "System" or "Microsoft" };
    }

    private static bool IsAccessible(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
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
