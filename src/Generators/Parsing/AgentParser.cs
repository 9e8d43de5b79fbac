using System.Collections.Generic;
using System.Text;
using System.Threading;
using Faustish.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Parsing;

/// <summary>Turns an <c>[Agent]</c> class into an <see cref="AgentModel"/>, or null when the analyzers will reject it.</summary>
internal static class AgentParser
{
    public static AgentModel? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (context.TargetSymbol is not INamedTypeSymbol type || !SymbolNames.IsGeneratable(type) || type.IsAbstract)
        {
            return null;
        }

        var attribute = context.Attributes[0];
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not INamedTypeSymbol topic ||
            !TopicParser.IsServed(topic) ||
            SymbolNames.BaseTypeArguments(topic, SymbolNames.TopicBase) is not { } topicTypes)
        {
            return null;
        }

        var concurrency = TopicParser.NamedInt(attribute, "Concurrency") ?? 1;
        if (concurrency < 1 || !RecordTypes.TryCodecs(topicTypes.Key, topicTypes.Value, out _, out _) || FindProcessingMethod(type) is not { } method ||
            Describe(method, topicTypes.Key, topicTypes.Value) is not { } shape ||
            Dependencies(type) is not { } dependencies)
        {
            return null;
        }

        return new AgentModel(
            SymbolNames.Target(type),
            TopicParser.NamedString(attribute, "Name") ?? KebabCase(type.Name),
            concurrency,
            topic.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            RecordTypes.Describe(topicTypes.Key),
            RecordTypes.Describe(topicTypes.Value),
            method.Name,
            shape.Returns,
            shape.TakesEventContext,
            MayBeNull(method.Parameters[0].Type),
            MayBeNull(method.Parameters[1].Type),
            dependencies);
    }

    /// <summary>The one public instance method named Process or ProcessAsync; none when there are zero or several.</summary>
    private static IMethodSymbol? FindProcessingMethod(INamedTypeSymbol type)
    {
        IMethodSymbol? found = null;
        foreach (var member in type.GetMembers())
        {
            if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary, IsStatic: false, DeclaredAccessibility: Accessibility.Public } method &&
                method.Name is "Process" or "ProcessAsync")
            {
                if (found is not null)
                {
                    return null;
                }

                found = method;
            }
        }

        return found;
    }

    private static (ProcessReturn Returns, bool TakesEventContext)? Describe(IMethodSymbol method, ITypeSymbol key, ITypeSymbol value)
    {
        if (method.IsGenericMethod || method.Parameters.Length is < 2 or > 3 ||
            !SymbolEqualityComparer.Default.Equals(method.Parameters[0].Type.WithNullableAnnotation(NullableAnnotation.None), key.WithNullableAnnotation(NullableAnnotation.None)) ||
            !SymbolEqualityComparer.Default.Equals(method.Parameters[1].Type.WithNullableAnnotation(NullableAnnotation.None), value.WithNullableAnnotation(NullableAnnotation.None)))
        {
            return null;
        }

        foreach (var parameter in method.Parameters)
        {
            if (parameter.RefKind is not (RefKind.None or RefKind.In))
            {
                return null;
            }
        }

        var takesContext = method.Parameters.Length == 3;
        if (takesContext && method.Parameters[2].Type.ToDisplayString() != SymbolNames.EventContext)
        {
            return null;
        }

        ProcessReturn? returns = method.ReturnsVoid
            ? (method.IsAsync ? null : ProcessReturn.Void)
            : method.ReturnType.ToDisplayString() switch
            {
                "System.Threading.Tasks.ValueTask" => ProcessReturn.ValueTask,
                "System.Threading.Tasks.Task" => ProcessReturn.Task,
                _ => null,
            };
        return returns is { } kind ? (kind, takesContext) : null;
    }

    private static EquatableArray<AgentDependency>? Dependencies(INamedTypeSymbol type)
    {
        IMethodSymbol? constructor = null;
        foreach (var candidate in type.InstanceConstructors)
        {
            if (candidate.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal)
            {
                if (constructor is not null)
                {
                    return null; // Several constructors: which one DI should use is ambiguous.
                }

                constructor = candidate;
            }
        }

        if (constructor is null)
        {
            return null;
        }

        var dependencies = new List<AgentDependency>();
        foreach (var parameter in constructor.Parameters)
        {
            var parameterType = parameter.Type;
            var kind = SymbolNames.HasAttribute(parameterType, SymbolNames.TableAttribute) ? DependencyKind.Table
                : SymbolNames.HasAttribute(parameterType, SymbolNames.TopicAttribute) ? DependencyKind.Topic
                : DependencyKind.Service;

            // A table or topic the generator does not serve has no Definition or constructor to call: the analyzers
            // report why, and the agent waits until it is fixed rather than break the build with generated code.
            if ((kind == DependencyKind.Table && (parameterType is not INamedTypeSymbol table || !TableParser.IsServed(table))) ||
                (kind == DependencyKind.Topic && (parameterType is not INamedTypeSymbol sent || !TopicParser.IsServed(sent))))
            {
                return null;
            }
            dependencies.Add(new AgentDependency(kind, parameterType.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)));
        }

        return new EquatableArray<AgentDependency>(dependencies);
    }

    private static bool MayBeNull(ITypeSymbol type) =>
        type.IsReferenceType ? type.NullableAnnotation == NullableAnnotation.Annotated
        : type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;

    /// <summary><c>CountPageViews</c> becomes <c>count-page-views</c>.</summary>
    internal static string KebabCase(string name)
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
}
