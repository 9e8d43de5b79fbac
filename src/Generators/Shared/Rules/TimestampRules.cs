using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Rules;

/// <summary>What <c>[Topic(Timestamp = ...)]</c> reads, and how it becomes Unix milliseconds.</summary>
internal enum TimestampKind
{
    /// <summary>A <c>DateTimeOffset</c> member of the value: <c>ToUnixTimeMilliseconds()</c>.</summary>
    DateTimeOffsetMember,

    /// <summary>A <c>DateTime</c> member of the value, read as UTC.</summary>
    DateTimeMember,

    /// <summary>A <c>long</c> member of the value: Unix milliseconds already.</summary>
    UnixMillisecondsMember,

    /// <summary>A static method of the topic class returning <c>long</c> (Unix milliseconds).</summary>
    UnixMillisecondsMethod,

    /// <summary>A static method of the topic class returning <c>DateTimeOffset</c>.</summary>
    DateTimeOffsetMethod,
}

/// <summary>What a topic's <c>Timestamp</c> names, once it is known to be usable.</summary>
/// <param name="Kind">What it is and what it gives.</param>
/// <param name="Name">The member's or method's name as C# writes it (keywords escaped).</param>
/// <param name="Source">What messages call it: <c>PageView.At</c>, or <c>PageViews.EventTime(key, value, recordTimestampMs)</c>.</param>
/// <param name="MethodTakesNullKey">A method whose key parameter accepts null.</param>
/// <param name="MethodTakesNullValue">A method whose value parameter accepts null: it is called for records without a value too.</param>
internal readonly record struct TimestampTarget(TimestampKind Kind, string Name, string Source, bool MethodTakesNullKey, bool MethodTakesNullValue);

/// <summary>
/// Where a topic's events take their time from (<c>[Topic(Timestamp = ...)]</c>): a <c>DateTimeOffset</c>,
/// <c>DateTime</c> or <c>long</c> property or field of the value type, or a static method of the topic class
/// <c>(TKey key, TValue value, long recordTimestampMs)</c> returning <c>long</c> or <c>DateTimeOffset</c>. The generator's
/// topic parser and the topic analyzer (FSH0512) both decide with these functions (this file is compiled into both).
/// </summary>
internal static class TimestampRules
{
    public const string Setting = "Timestamp";

    private const string DateTimeOffsetName = "System.DateTimeOffset";

    /// <summary>The name <c>Timestamp</c> is set to, or null when it is not set.</summary>
    public static string? Named(AttributeData attribute) => TableRules.NamedString(attribute, Setting);

    /// <summary>
    /// What <paramref name="name"/> names for topic class <paramref name="topic"/> of <paramref name="key"/> and
    /// <paramref name="value"/> records; null with <paramref name="problem"/> saying what to change when it names nothing usable.
    /// </summary>
    public static TimestampTarget? Resolve(INamedTypeSymbol topic, ITypeSymbol key, ITypeSymbol value, string name, out string? problem)
    {
        problem = null;
        // Members are looked up on the value type itself: T of Nullable<T>, a class without its nullable annotation.
        var valueType = value.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T && value is INamedTypeSymbol { TypeArguments.Length: 1 } nullable
            ? nullable.TypeArguments[0]
            : value.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        string Signature(string method) => $"internal static long {method}({Display(key)} key, {Display(value)} value, long recordTimestampMs)";
        if (string.IsNullOrWhiteSpace(name))
        {
            problem = $"it names nothing; name a DateTimeOffset, DateTime or long (Unix milliseconds) property of {Display(valueType)} " +
                $"(nameof({Display(valueType)}.At)) or a method of {topic.Name}, {Signature("EventTime")}; or leave Timestamp out to keep the records' own timestamps";
            return null;
        }

        var methods = topic.GetMembers(name).OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary).ToList();
        var member = FindMember(valueType, name);
        if (methods.Count > 0 && member is not null)
        {
            problem = $"both {Display(valueType)}.{name} and the method {topic.Name}.{name} have that name; rename one of them";
            return null;
        }

        if (methods.Count > 0)
        {
            string? first = null;
            foreach (var method in methods)
            {
                if (MethodProblem(method, key, value, topic) is not { } methodProblem)
                {
                    var returnsOffset = method.ReturnType is INamedTypeSymbol returned && TargetRules.HasMetadataName(returned, DateTimeOffsetName);
                    return new TimestampTarget(
                        returnsOffset ? TimestampKind.DateTimeOffsetMethod : TimestampKind.UnixMillisecondsMethod,
                        Identifier(name),
                        $"{topic.Name}.{name}(key, value, recordTimestampMs)",
                        AgentRules.MayBeNull(method.Parameters[0].Type),
                        AgentRules.MayBeNull(method.Parameters[1].Type));
                }

                first ??= methodProblem;
            }

            problem = $"{topic.Name}.{name} {first}; declare it {Signature(name)} (or returning DateTimeOffset)";
            return null;
        }

        if (member is null)
        {
            problem = $"{Display(valueType)} has no property or field '{name}' and {topic.Name} no method '{name}'; name a DateTimeOffset, " +
                $"DateTime or long (Unix milliseconds) property of {Display(valueType)}, or declare on {topic.Name} {Signature(name)}";
            return null;
        }

        var memberType = member switch
        {
            IPropertySymbol property => property.Type,
            IFieldSymbol field => field.Type,
            _ => null,
        };
        var convert = $"convert it in a method of {topic.Name}, {Signature("EventTime")}, and name that";
        if (member.IsStatic)
        {
            problem = $"{Display(valueType)}.{name} is static, the same for every record; name a member of each value, or {convert}";
            return null;
        }

        if (member is IPropertySymbol { IsIndexer: true } || memberType is null)
        {
            problem = $"{Display(valueType)}.{name} is not a property or field; name a DateTimeOffset, DateTime or long property of {Display(valueType)}";
            return null;
        }

        if (member is IPropertySymbol { GetMethod: null })
        {
            problem = $"{Display(valueType)}.{name} has no getter; give it one, or name another member";
            return null;
        }

        var readable = member is IPropertySymbol { GetMethod: { } getter } ? getter : member;
        if (!Reachable(member, topic) || !Reachable(readable, topic))
        {
            problem = $"{Display(valueType)}.{name} is {Accessibility(readable)}, so the generated code cannot read it; make it public or internal";
            return null;
        }

        if (Kind(memberType) is { } kind)
        {
            return new TimestampTarget(kind, Identifier(name), $"{Display(valueType)}.{name}", false, false);
        }

        if (memberType.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T && memberType is INamedTypeSymbol { TypeArguments.Length: 1 } optional && Kind(optional.TypeArguments[0]) is not null)
        {
            problem = $"{Display(valueType)}.{name} is {Display(memberType)}, which may be null; make it {Display(optional.TypeArguments[0])}, or decide " +
                $"the time of records without it in a method of {topic.Name}, {Signature("EventTime")}, and name that";
            return null;
        }

        problem = $"{Display(valueType)}.{name} is {Display(memberType)}, not DateTimeOffset, DateTime or long (Unix milliseconds); {convert}";
        return null;
    }

    /// <summary>Why <paramref name="method"/> cannot give the event time, or null when it can.</summary>
    private static string? MethodProblem(IMethodSymbol method, ITypeSymbol key, ITypeSymbol value, INamedTypeSymbol topic)
    {
        if (!method.IsStatic)
        {
            return "is not static";
        }

        if (method.IsGenericMethod)
        {
            return "is generic";
        }

        if (!Reachable(method, topic))
        {
            return $"is {Accessibility(method)}, so the agents' generated loops cannot call it";
        }

        var parameters = method.Parameters;
        if (parameters.Length != 3 || parameters.Any(p => p.RefKind is not (RefKind.None or RefKind.In)) ||
            !SymbolEqualityComparer.Default.Equals(parameters[0].Type, key) ||
            !SymbolEqualityComparer.Default.Equals(parameters[1].Type, value) ||
            parameters[2].Type.SpecialType != SpecialType.System_Int64)
        {
            return $"takes ({string.Join(", ", parameters.Select(p => Display(p.Type)))})";
        }

        if (AgentRules.MayBeNull(key) && !AgentRules.MayBeNull(parameters[0].Type))
        {
            return $"takes a {Display(parameters[0].Type)} key, but records of the topic may have none (its key type is {Display(key)})";
        }

        if (method.ReturnsByRef || method.ReturnsByRefReadonly ||
            !(method.ReturnType.SpecialType == SpecialType.System_Int64 ||
              (method.ReturnType is INamedTypeSymbol returned && TargetRules.HasMetadataName(returned, DateTimeOffsetName))))
        {
            return $"returns {(method.ReturnsVoid ? "void" : Display(method.ReturnType))}";
        }

        return null;
    }

    /// <summary>The instance or static property or field <paramref name="name"/> of <paramref name="type"/> or a type it derives from, nearest first.</summary>
    internal static ISymbol? FindMember(ITypeSymbol type, string name)
    {
        IEnumerable<ITypeSymbol> types = type.TypeKind == TypeKind.Interface ? [type, .. type.AllInterfaces] : Hierarchy(type);
        foreach (var current in types)
        {
            foreach (var member in current.GetMembers(name))
            {
                if (member is IPropertySymbol or IFieldSymbol)
                {
                    return member;
                }
            }
        }

        return null;
    }

    private static IEnumerable<ITypeSymbol> Hierarchy(ITypeSymbol type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            yield return current;
        }
    }

    private static TimestampKind? Kind(ITypeSymbol type) =>
        type.SpecialType == SpecialType.System_DateTime ? TimestampKind.DateTimeMember
        : type.SpecialType == SpecialType.System_Int64 ? TimestampKind.UnixMillisecondsMember
        : type is INamedTypeSymbol named && TargetRules.HasMetadataName(named, DateTimeOffsetName) ? TimestampKind.DateTimeOffsetMember
        : null;

    /// <summary>Whether code generated into <paramref name="topic"/>'s assembly may use <paramref name="symbol"/>.</summary>
    internal static bool Reachable(ISymbol symbol, INamedTypeSymbol topic) => symbol.DeclaredAccessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => true,
        Microsoft.CodeAnalysis.Accessibility.Internal or Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal =>
            SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, topic.ContainingAssembly),
        _ => false,
    };

    internal static string Accessibility(ISymbol symbol) => symbol.DeclaredAccessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Private => "private",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
        Microsoft.CodeAnalysis.Accessibility.Internal or Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "internal to another assembly",
        _ => "not accessible",
    };

    internal static string Identifier(string name) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;

    internal static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
}
