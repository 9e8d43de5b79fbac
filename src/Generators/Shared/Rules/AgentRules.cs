using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Rules;

/// <summary>What the agent's processing method returns; the loop waits for anything but void.</summary>
internal enum ProcessReturn
{
    Void,
    ValueTask,
    Task,
}

/// <summary>
/// What an agent class must offer for the generator to run it: one processing method that matches its topic, one
/// constructor whose arguments the generator can supply, and a name. The generator's agent parser and the agent
/// analyzers both decide with these functions (this file is compiled into both).
/// </summary>
internal static class AgentRules
{
    public const string EventContext = "Faustish.Agents.EventContext";

    /// <summary>
    /// The user's methods named Process or ProcessAsync: <c>Candidates</c> are the public, non-generic instance ones
    /// (the processing method, when there is exactly one), <c>Misfits</c> the rest. Both in source order.
    /// </summary>
    public static (List<IMethodSymbol> Candidates, List<IMethodSymbol> Misfits) ProcessingMethods(INamedTypeSymbol agent)
    {
        var candidates = new List<IMethodSymbol>();
        var misfits = new List<IMethodSymbol>();
        foreach (var member in agent.GetMembers())
        {
            if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary, Name: "Process" or "ProcessAsync" } method
                && !method.IsImplicitlyDeclared && method.Locations.Any(l => l.IsInSource && !GeneratedCode.IsGenerated(l.SourceTree!)))
            {
                (method.DeclaredAccessibility == Accessibility.Public && !method.IsStatic && !method.IsGenericMethod ? candidates : misfits).Add(method);
            }
        }

        candidates.Sort(static (a, b) => Compare(a.Locations[0], b.Locations[0]));
        misfits.Sort(static (a, b) => Compare(a.Locations[0], b.Locations[0]));
        return (candidates, misfits);
    }

    /// <summary>The processing method, when the agent has exactly one candidate.</summary>
    public static IMethodSymbol? ProcessingMethod(INamedTypeSymbol agent) =>
        ProcessingMethods(agent).Candidates is { Count: 1 } candidates ? candidates[0] : null;

    /// <summary>
    /// Whether <paramref name="method"/> takes <c>(TKey key, TValue value)</c> or <c>(TKey key, TValue value, EventContext context)</c>
    /// for the topic's key and value types (nullable annotations aside), by value or <c>in</c>.
    /// </summary>
    public static bool ParametersMatch(IMethodSymbol method, ITypeSymbol key, ITypeSymbol value)
    {
        var parameters = method.Parameters;
        return parameters.Length is 2 or 3
            && parameters.All(p => p.RefKind is RefKind.None or RefKind.In)
            && SymbolEqualityComparer.Default.Equals(parameters[0].Type, key)
            && SymbolEqualityComparer.Default.Equals(parameters[1].Type, value)
            && (parameters.Length == 2 || (parameters[2].Type is INamedTypeSymbol context && TargetRules.HasMetadataName(context, EventContext)));
    }

    public const string JoinAttribute = "Faustish.JoinAttribute";

    /// <summary>The right side's topic of a join agent (<c>[Join(typeof(Right))]</c>), or null when it is not one.</summary>
    public static ITypeSymbol? JoinRight(INamedTypeSymbol agent) =>
        TargetRules.FindAttribute(agent, JoinAttribute) is { } join ? Topic(join) : null;

    /// <summary>
    /// Whether <paramref name="method"/> takes a join's <c>(TKey key, TLeft? left, TRight? right)</c> for the two
    /// topics' types (nullable annotations aside), by value or <c>in</c>.
    /// </summary>
    public static bool TakesJoin(IMethodSymbol method, ITypeSymbol key, ITypeSymbol left, ITypeSymbol right)
    {
        var parameters = method.Parameters;
        return parameters.Length == 3
            && parameters.All(p => p.RefKind is RefKind.None or RefKind.In)
            && SymbolEqualityComparer.Default.Equals(parameters[0].Type, key)
            && SymbolEqualityComparer.Default.Equals(parameters[1].Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), left.WithNullableAnnotation(NullableAnnotation.NotAnnotated))
            && SymbolEqualityComparer.Default.Equals(parameters[2].Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), right.WithNullableAnnotation(NullableAnnotation.NotAnnotated));
    }

    public const string StreamType = "Faustish.Stream`2";

    /// <summary>
    /// Whether <paramref name="method"/> is a stream agent's: one parameter, <c>Stream&lt;TKey, TValue&gt;</c> of the
    /// topic's key and value types (nullable annotations aside).
    /// </summary>
    public static bool TakesStream(IMethodSymbol method, ITypeSymbol key, ITypeSymbol value) =>
        method.Parameters.Length == 1
        && method.Parameters[0].RefKind is RefKind.None or RefKind.In
        && method.Parameters[0].Type is INamedTypeSymbol { Arity: 2 } stream
        && TargetRules.HasMetadataName(stream.OriginalDefinition, StreamType)
        && SymbolEqualityComparer.Default.Equals(stream.TypeArguments[0], key)
        && SymbolEqualityComparer.Default.Equals(stream.TypeArguments[1], value);

    /// <summary>The <c>TReply</c> of a method returning <c>IAsyncEnumerable&lt;TReply&gt;</c> (a replying stream agent's), or null.</summary>
    public static ITypeSymbol? ReplyType(IMethodSymbol method) =>
        method.ReturnType is INamedTypeSymbol { Arity: 1 } returned && TargetRules.HasMetadataName(returned.OriginalDefinition, "System.Collections.Generic.IAsyncEnumerable`1")
            ? returned.TypeArguments[0]
            : null;

    /// <summary>Whether replies of type <paramref name="reply"/> have a codec: a primitive encoding, or the topic's key or value type's.</summary>
    public static bool HasReplyCodec(ITypeSymbol reply, ITypeSymbol key, ITypeSymbol value) =>
        Serialization.JsonCodecModelBuilder.GetReference(reply).PrimitiveExpression is not null
        || SymbolEqualityComparer.Default.Equals(reply, key)
        || SymbolEqualityComparer.Default.Equals(reply, value);

    /// <summary>Whether <paramref name="method"/> takes a <c>Stream&lt;,&gt;</c> (of any types) as its only parameter.</summary>
    public static bool LooksLikeStreamAgent(IMethodSymbol method) =>
        method.Parameters.Length == 1 && method.Parameters[0].Type is INamedTypeSymbol { Arity: 2 } stream && TargetRules.HasMetadataName(stream.OriginalDefinition, StreamType);

    /// <summary>What the method returns, or null when the loop cannot wait for it (async void, or another type).</summary>
    public static ProcessReturn? Returns(IMethodSymbol method)
    {
        if (method.ReturnsVoid)
        {
            return method.IsAsync ? null : ProcessReturn.Void;
        }

        if (method.ReturnsByRef || method.ReturnsByRefReadonly || method.ReturnType is not INamedTypeSymbol { Arity: 0 } returned)
        {
            return null;
        }

        return TargetRules.MetadataName(returned) switch
        {
            "System.Threading.Tasks.ValueTask" => ProcessReturn.ValueTask,
            "System.Threading.Tasks.Task" => ProcessReturn.Task,
            _ => null,
        };
    }

    /// <summary>
    /// The constructor the generated code calls: the only public or internal one. Null when there are none or several
    /// (<paramref name="count"/> says how many).
    /// </summary>
    public static IMethodSymbol? Constructor(INamedTypeSymbol agent, out int count)
    {
        var usable = agent.InstanceConstructors
            .Where(c => c.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal)
            .ToList();
        count = usable.Count;
        return count == 1 ? usable[0] : null;
    }

    /// <summary>Why the generated code cannot supply <paramref name="parameter"/> (a table, a topic or a service), or null when it can.</summary>
    public static string? ParameterProblem(IParameterSymbol parameter)
    {
        if (parameter.RefKind is RefKind.Ref or RefKind.Out)
        {
            return $"it is passed by '{(parameter.RefKind == RefKind.Ref ? "ref" : "out")}'; take it by value";
        }

        if (parameter.RefKind is not (RefKind.None or RefKind.In))
        {
            return "it is passed by 'ref readonly'; take it by value";
        }

        var type = parameter.Type;
        if (type.IsRefLikeType)
        {
            return $"'{Display(type)}' is a ref struct, which cannot come from dependency injection";
        }

        if (type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
        {
            return $"'{Display(type)}' is a pointer, which cannot come from dependency injection";
        }

        return null;
    }

    /// <summary>The agent's name: <c>Name</c> from <c>[Agent]</c>, or the class name in kebab case.</summary>
    public static string EffectiveName(AttributeData attribute, INamedTypeSymbol agent)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == "Name" && argument.Value.Value is string name)
            {
                return name;
            }
        }

        return KebabCase(agent.Name);
    }

    /// <summary>Whether the agent's name comes from the class name (no <c>Name</c> set).</summary>
    public static bool HasDefaultName(AttributeData attribute) => !attribute.NamedArguments.Any(a => a.Key == "Name");

    /// <summary>The type named by <c>[Agent(typeof(T))]</c>, or null (also for <c>null</c>).</summary>
    public static ITypeSymbol? Topic(AttributeData attribute) =>
        attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Kind == TypedConstantKind.Type
            ? attribute.ConstructorArguments[0].Value as ITypeSymbol
            : null;

    /// <summary><c>CountPageViews</c> becomes <c>count-page-views</c>.</summary>
    public static string KebabCase(string name)
    {
        var text = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                {
                    text.Append('-');
                }

                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    private static int Compare(Location a, Location b)
    {
        var byPath = string.CompareOrdinal(a.SourceTree?.FilePath, b.SourceTree?.FilePath);
        return byPath != 0 ? byPath : a.SourceSpan.Start.CompareTo(b.SourceSpan.Start);
    }

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    /// <summary>Whether <paramref name="type"/> may hold null as declared: an annotated reference type or <c>Nullable&lt;T&gt;</c>.</summary>
    public static bool MayBeNull(ITypeSymbol type) =>
        type.IsReferenceType ? type.NullableAnnotation == NullableAnnotation.Annotated
        : type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
}
