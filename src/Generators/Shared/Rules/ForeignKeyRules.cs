using System.Linq;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Rules;

/// <summary>What <c>[Join(ForeignKey = ...)]</c> names, once it is known to be usable.</summary>
/// <param name="IsMethod">A static method of the agent taking the left value; else a property or field of the left value.</param>
/// <param name="Name">Its name as C# writes it (keywords escaped).</param>
/// <param name="Source">What messages call it: <c>Order.ProductId</c>, or <c>PriceOrders.ProductOf(value)</c>.</param>
internal readonly record struct ForeignKeyTarget(bool IsMethod, string Name, string Source);

/// <summary>
/// Where a foreign-key join's foreign key comes from: a property or field of the left value whose type is the right
/// topic's key type (nullable or not: null joins nothing), or a static method of the agent taking the left value and
/// returning one. The generator's agent parser and the join analyzer (FSH0115) both decide with this (compiled into both).
/// </summary>
internal static class ForeignKeyRules
{
    public const string Setting = "ForeignKey";

    /// <summary>The name <c>ForeignKey</c> is set to, or null when it is not set.</summary>
    public static string? Named(AttributeData join) => TableRules.NamedString(join, Setting);

    /// <summary>
    /// What <paramref name="name"/> names for agent <paramref name="agent"/> joining <paramref name="leftValue"/> values to a
    /// topic keyed by <paramref name="rightKey"/>; null with <paramref name="problem"/> saying what to change otherwise.
    /// </summary>
    public static ForeignKeyTarget? Resolve(INamedTypeSymbol agent, ITypeSymbol leftValue, INamedTypeSymbol right, ITypeSymbol rightKey, string name, out string? problem)
    {
        problem = null;
        var valueType = Strip(leftValue);
        var keyType = Strip(rightKey);
        var value = TimestampRules.Display(valueType);
        var key = TimestampRules.Display(keyType);
        string Signature(string method) => $"internal static {key}? {method}({value} value)";
        if (string.IsNullOrWhiteSpace(name))
        {
            problem = $"ForeignKey names nothing; name a {key} property of {value} (nameof({value}.{right.Name.TrimEnd('s')}Id)) or a method of {agent.Name}, {Signature("ForeignKeyOf")}";
            return null;
        }

        var methods = agent.GetMembers(name).OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary).ToList();
        var member = TimestampRules.FindMember(valueType, name);
        if (methods.Count > 0 && member is not null)
        {
            problem = $"ForeignKey '{name}' names both {value}.{name} and the method {agent.Name}.{name}; rename one of them";
            return null;
        }

        if (methods.Count > 0)
        {
            string? first = null;
            foreach (var method in methods)
            {
                if (MethodProblem(method, valueType, keyType, agent) is not { } methodProblem)
                {
                    return new ForeignKeyTarget(true, TimestampRules.Identifier(name), $"{agent.Name}.{name}(value)");
                }

                first ??= methodProblem;
            }

            problem = $"ForeignKey method {agent.Name}.{name} {first}; declare it {Signature(name)}";
            return null;
        }

        if (member is null)
        {
            problem = $"ForeignKey '{name}': {value} has no property or field '{name}' and {agent.Name} no method '{name}'; name a {key} property of {value}, " +
                $"or declare on {agent.Name} {Signature(name)}";
            return null;
        }

        var memberType = member switch
        {
            IPropertySymbol property => property.Type,
            IFieldSymbol field => field.Type,
            _ => null,
        };
        if (member.IsStatic || memberType is null || member is IPropertySymbol { IsIndexer: true } || member is IPropertySymbol { GetMethod: null })
        {
            problem = $"ForeignKey {value}.{name} is not a readable instance property or field; name one of each value, or a method of {agent.Name}, {Signature("ForeignKeyOf")}";
            return null;
        }

        var readable = member is IPropertySymbol { GetMethod: { } getter } ? getter : member;
        if (!TimestampRules.Reachable(member, agent) || !TimestampRules.Reachable(readable, agent))
        {
            problem = $"ForeignKey {value}.{name} is {TimestampRules.Accessibility(readable)}, so the generated code cannot read it; make it public or internal";
            return null;
        }

        if (!SymbolEqualityComparer.Default.Equals(Strip(memberType), keyType))
        {
            problem = $"ForeignKey {value}.{name} is {TimestampRules.Display(memberType)}, but '{right.Name}' has {key} keys; a foreign key is a key of the right topic, " +
                $"so give it that type, or convert it in a method of {agent.Name}, {Signature("ForeignKeyOf")}, and name that";
            return null;
        }

        return new ForeignKeyTarget(false, TimestampRules.Identifier(name), $"{value}.{name}");
    }

    /// <summary>Why <paramref name="method"/> cannot give the foreign key, or null when it can.</summary>
    private static string? MethodProblem(IMethodSymbol method, ITypeSymbol value, ITypeSymbol key, INamedTypeSymbol agent)
    {
        if (!method.IsStatic)
        {
            return "is not static";
        }

        if (method.IsGenericMethod)
        {
            return "is generic";
        }

        if (!TimestampRules.Reachable(method, agent))
        {
            return $"is {TimestampRules.Accessibility(method)}, so the generated code cannot call it";
        }

        if (method.Parameters.Length != 1 || method.Parameters[0].RefKind is not (RefKind.None or RefKind.In) ||
            !SymbolEqualityComparer.Default.Equals(Strip(method.Parameters[0].Type), value))
        {
            return $"takes ({string.Join(", ", method.Parameters.Select(p => TimestampRules.Display(p.Type)))})";
        }

        if (method.ReturnsVoid || method.ReturnsByRef || method.ReturnsByRefReadonly || !SymbolEqualityComparer.Default.Equals(Strip(method.ReturnType), key))
        {
            return $"returns {(method.ReturnsVoid ? "void" : TimestampRules.Display(method.ReturnType))}";
        }

        return null;
    }

    /// <summary>The type itself: T of Nullable&lt;T&gt;, a class without its nullable annotation.</summary>
    public static ITypeSymbol Strip(ITypeSymbol type) =>
        type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T && type is INamedTypeSymbol { TypeArguments.Length: 1 } nullable
            ? nullable.TypeArguments[0]
            : type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
}
