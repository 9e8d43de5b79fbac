using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Faustish.Serialization;

namespace Faustish.Cli;

/// <summary>
/// The stricter reading <c>send</c> gives a value typed by a person. The generated decoder reads JSON as
/// <c>System.Text.Json</c>'s defaults do, so a member left out becomes its default (0, or null even where the type
/// says it cannot be null) and the mistake surfaces one agent later. Here, a member that is not nullable and has no
/// default value must be present, may not be null, and a member the type does not have is refused: each with its
/// JSON path (<c>$.amount</c>), as the decoder names its own errors.
/// </summary>
/// <remarks>
/// The types' shape (constructor parameters, nullable annotations) is only in their metadata, so this reads it by
/// reflection, which a trimmed app may have removed: there <see cref="IsSupported"/> is false and <c>send</c> relies
/// on the decoder alone (and says so).
/// </remarks>
internal static class ValueMembersCheck
{
    /// <summary>
    /// False in trimmed and AOT-compiled apps, whose metadata may be gone: the SDK turns System.Text.Json's reflection
    /// switch off there, for the same reason.
    /// </summary>
    internal static bool IsSupported => JsonSerializer.IsReflectionEnabledByDefault;

    /// <summary>Throws <see cref="RecordDecodeException"/> naming the first member that is missing, null or unknown.</summary>
    [RequiresUnreferencedCode("Reads the value type's constructors and properties by reflection.")]
    public static void Check(Type type, string json)
    {
        ArgumentNullException.ThrowIfNull(type);
        using var document = JsonDocument.Parse(json);
        CheckValue(document.RootElement, type, "$", new NullabilityInfoContext());
    }

    [RequiresUnreferencedCode("Reads the value type's constructors and properties by reflection.")]
    private static void CheckValue(JsonElement element, Type type, string path, NullabilityInfoContext nullability)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (element.ValueKind == JsonValueKind.Null || IsScalar(type))
        {
            return; // Nulls are judged by the member that holds them; scalars by the decoder.
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in element.EnumerateObject())
                {
                    CheckValue(entry.Value, valueType, $"{path}.{entry.Name}", nullability);
                }
            }

            return;
        }

        if (ElementType(type) is { } itemType)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CheckValue(item, itemType, string.Create(CultureInfo.InvariantCulture, $"{path}[{index++}]"), nullability);
                }
            }

            return;
        }

        if (element.ValueKind == JsonValueKind.Object)
        {
            CheckObject(element, type, path, nullability);
        }
    }

    [RequiresUnreferencedCode("Reads the value type's constructors and properties by reflection.")]
    private static void CheckObject(JsonElement element, Type type, string path, NullabilityInfoContext nullability)
    {
        var members = Members(type, nullability);
        var present = new HashSet<Member>();
        foreach (var property in element.EnumerateObject())
        {
            var member = members.FirstOrDefault(m => string.Equals(m.JsonName, property.Name, StringComparison.Ordinal))
                ?? members.FirstOrDefault(m => string.Equals(m.JsonName, property.Name, StringComparison.OrdinalIgnoreCase));
            var memberPath = $"{path}.{property.Name}";
            if (member is null)
            {
                throw Refuse(memberPath,
                    $"{type.Name} has no member '{property.Name}' (its members: {string.Join(", ", members.Select(m => m.JsonName))}); the app would ignore it.");
            }

            present.Add(member);
            if (property.Value.ValueKind == JsonValueKind.Null && !member.Nullable)
            {
                throw Refuse(memberPath, $"{type.Name}.{member.ClrName} is not nullable, but the value is null.");
            }

            CheckValue(property.Value, member.Type, memberPath, nullability);
        }

        foreach (var member in members)
        {
            if (member.Required && !present.Contains(member))
            {
                throw Refuse($"{path}.{member.JsonName}",
                    $"required member '{member.JsonName}' is missing: {type.Name}.{member.ClrName} is not nullable and has no default value.");
            }
        }
    }

    private static RecordDecodeException Refuse(string path, string reason) => new($"{path}: {reason}") { Path = path };

    /// <summary>
    /// The members the generated codec reads, as it binds them: public properties (minus <c>[JsonIgnore]</c>), named as
    /// JSON names them, the constructor it calls choosing which are required.
    /// </summary>
    [RequiresUnreferencedCode("Reads the value type's constructors and properties by reflection.")]
    private static List<Member> Members(Type type, NullabilityInfoContext nullability)
    {
        var constructor = Constructor(type);
        var parameters = constructor?.GetParameters() ?? [];
        var members = new List<Member>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is not { IsPublic: true }
                || property.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Always })
            {
                continue;
            }

            var jsonName = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            var parameter = parameters.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
            bool nullable;
            bool required;
            if (parameter is not null)
            {
                nullable = IsNullable(parameter.ParameterType, () => nullability.Create(parameter).WriteState);
                required = !parameter.HasDefaultValue && !nullable;
            }
            else
            {
                nullable = IsNullable(property.PropertyType, () => nullability.Create(property).WriteState);
                // 'required' members and [JsonRequired] are checked by the decoder itself; other settable properties keep
                // their initial value when left out.
                required = false;
            }

            members.Add(new Member(property.Name, jsonName, property.PropertyType, nullable, required));
        }

        return members;
    }

    private static bool IsNullable(Type type, Func<NullabilityState> state) =>
        type.IsValueType ? Nullable.GetUnderlyingType(type) is not null : state() != NullabilityState.NotNull;

    /// <summary>The constructor JsonSerializer (and the generated codec) calls: [JsonConstructor], the parameterless one, or the only public one.</summary>
    [RequiresUnreferencedCode("Reads the value type's constructors by reflection.")]
    private static ConstructorInfo? Constructor(Type type)
    {
        var constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance);
        var marked = constructors.FirstOrDefault(c => c.GetCustomAttribute<JsonConstructorAttribute>() is not null);
        if (marked is not null)
        {
            return marked;
        }

        var publicOnes = constructors.Where(c => c.IsPublic).ToList();
        if (publicOnes.Any(c => c.GetParameters().Length == 0))
        {
            return null;
        }

        return publicOnes.Count == 1 ? publicOnes[0] : null;
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(DateTime)
        || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(TimeSpan) || type == typeof(DateOnly)
        || type == typeof(TimeOnly) || type == typeof(Uri) || type == typeof(byte[]);

    [RequiresUnreferencedCode("Reads the value type's interfaces by reflection.")]
    private static Type? DictionaryValueType(Type type) =>
        (Generic(type, typeof(IDictionary<,>)) ?? Generic(type, typeof(IReadOnlyDictionary<,>)))?[1];

    [RequiresUnreferencedCode("Reads the value type's interfaces by reflection.")]
    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType() : Generic(type, typeof(IEnumerable<>))?[0];

    [RequiresUnreferencedCode("Reads the value type's interfaces by reflection.")]
    private static Type[]? Generic(Type type, Type definition)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == definition)
        {
            return type.GetGenericArguments();
        }

        return type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition)?.GetGenericArguments();
    }

    private sealed record Member(string ClrName, string JsonName, Type Type, bool Nullable, bool Required);
}
