using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Faustish.Generators.Rules;

/// <summary>The role a Faustish attribute gives a class.</summary>
internal enum FaustishRole
{
    Topic,
    Table,
    Agent,
}

/// <summary>Why the generator cannot complete a declaration; each maps to one diagnostic id.</summary>
internal enum DeclarationRule
{
    /// <summary>FSH0001 (name, role).</summary>
    NotPartial,

    /// <summary>FSH0002 (name, attribute, what it must be).</summary>
    WrongBase,

    /// <summary>FSH0003 (name, attribute).</summary>
    ConstructorDeclared,

    /// <summary>FSH0004 (name, role).</summary>
    Generic,

    /// <summary>FSH0005 (name, first attribute, other attribute).</summary>
    SeveralRoles,

    /// <summary>FSH0006 (name, containing type).</summary>
    ContainerNotPartial,

    /// <summary>FSH0007 (name, role, why).</summary>
    Unreachable,

    /// <summary>FSH0008 (name, role, "abstract" or "static").</summary>
    NotInstantiable,

    /// <summary>FSH0009 (name, what).</summary>
    ReservedName,

    /// <summary>FSH0011 (name, role, members).</summary>
    RequiredMembers,
}

/// <summary>One reason a declaration cannot be completed, where to report it, and the message arguments.</summary>
internal sealed class DeclarationProblem(DeclarationRule rule, Location location, params object[] arguments)
{
    public DeclarationRule Rule { get; } = rule;

    public Location Location { get; } = location;

    public object[] Arguments { get; } = arguments;
}

/// <summary>
/// What a topic, table or agent class must look like for the generator to complete it. The generator completes a
/// class only when <see cref="Problems"/> is empty; the declaration analyzer reports every problem it returns. This
/// file is compiled into both, so the two cannot disagree.
/// </summary>
internal static class TargetRules
{
    public const string TopicAttribute = "Faustish.TopicAttribute";
    public const string TableAttribute = "Faustish.TableAttribute";
    public const string AgentAttribute = "Faustish.AgentAttribute";
    public const string TopicBase = "Faustish.Topic`2";
    public const string TableBase = "Faustish.Table`2";
    public const string WindowedTableBase = "Faustish.WindowedTable`2";
    public const string GlobalTableBase = "Faustish.GlobalTable`2";

    /// <summary>The name of the static property the generator adds to every topic, table and agent class.</summary>
    public const string DefinitionMember = "Definition";

    /// <summary>The Faustish attributes on <paramref name="type"/>, in declaration order.</summary>
    public static List<(AttributeData Attribute, FaustishRole Role)> Roles(INamedTypeSymbol type)
    {
        var roles = new List<(AttributeData, FaustishRole)>(1);
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is not { } attributeClass)
            {
                continue;
            }

            if (HasMetadataName(attributeClass, TopicAttribute))
            {
                roles.Add((attribute, FaustishRole.Topic));
            }
            else if (HasMetadataName(attributeClass, TableAttribute))
            {
                roles.Add((attribute, FaustishRole.Table));
            }
            else if (HasMetadataName(attributeClass, AgentAttribute))
            {
                roles.Add((attribute, FaustishRole.Agent));
            }
        }

        return roles;
    }

    /// <summary>The attribute with metadata name <paramref name="attributeName"/> on <paramref name="type"/>, if any.</summary>
    public static AttributeData? FindAttribute(ITypeSymbol type, string attributeName)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is { } attributeClass && HasMetadataName(attributeClass, attributeName))
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>The type arguments of <paramref name="type"/>'s base class with metadata name <paramref name="baseName"/>, if it has one.</summary>
    public static (ITypeSymbol Key, ITypeSymbol Value)? BaseTypeArguments(INamedTypeSymbol type, string baseName)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (current.IsGenericType && HasMetadataName(current.ConstructedFrom, baseName))
            {
                return (current.TypeArguments[0], current.TypeArguments[1]);
            }
        }

        return null;
    }

    /// <summary>Whether the generator can complete <paramref name="type"/> (a class with exactly one Faustish role).</summary>
    public static bool IsGeneratable(INamedTypeSymbol type, CancellationToken cancellationToken = default) =>
        Problems(type, cancellationToken).Count == 0;

    /// <summary>
    /// Whether a class the generator does not complete can still take a stand-in constructor (so the build shows only
    /// the analyzer's errors, not CS7036 as well): it is partial, in partial containers, not generic, static or
    /// file-local, and its base class has the constructor the stand-in calls.
    /// </summary>
    public static bool CanStandIn(INamedTypeSymbol type, List<DeclarationProblem> problems)
    {
        foreach (var problem in problems)
        {
            var allowed = problem.Rule switch
            {
                DeclarationRule.SeveralRoles or DeclarationRule.ReservedName or DeclarationRule.RequiredMembers => true,
                DeclarationRule.NotInstantiable => !type.IsStatic,
                DeclarationRule.Unreachable => !IsFileLocalOrInOne(type),
                _ => false,
            };
            if (!allowed)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsFileLocalOrInOne(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsFileLocal)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Every reason the generator cannot complete <paramref name="type"/>; empty when it can (or when it has no Faustish role).</summary>
    public static List<DeclarationProblem> Problems(INamedTypeSymbol type, CancellationToken cancellationToken = default)
    {
        var problems = new List<DeclarationProblem>();
        var roles = Roles(type);
        if (roles.Count == 0)
        {
            return problems;
        }

        // Shown only in problems, which are rare: built when the first one is.
        string? displayName = null;
        string Name() => displayName ??= type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

        var (first, role) = roles[0];
        var roleName = RoleName(role);
        var declarations = UserDeclarations(type, cancellationToken);
        var identifier = declarations.Count > 0 ? declarations[0].Identifier.GetLocation() : type.Locations.FirstOrDefault() ?? Location.None;

        for (var i = 1; i < roles.Count; i++)
        {
            problems.Add(new DeclarationProblem(DeclarationRule.SeveralRoles, AttributeLocation(roles[i].Attribute, type, cancellationToken),
                Name(), AttributeName(role), AttributeName(roles[i].Role)));
        }

        if (declarations.Count > 0 && !declarations.Any(d => d.Modifiers.Any(SyntaxKind.PartialKeyword)))
        {
            problems.Add(new DeclarationProblem(DeclarationRule.NotPartial, identifier, Name(), roleName));
        }

        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (!UserDeclarations(outer, cancellationToken).Any(d => d.Modifiers.Any(SyntaxKind.PartialKeyword)))
            {
                problems.Add(new DeclarationProblem(DeclarationRule.ContainerNotPartial, identifier, Name(),
                    outer.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
                break;
            }
        }

        if (type.IsGenericType)
        {
            var parameters = declarations.Select(d => d.TypeParameterList).FirstOrDefault(l => l is not null);
            problems.Add(new DeclarationProblem(DeclarationRule.Generic, parameters?.GetLocation() ?? identifier, Name(), roleName));
        }

        if (Unreachable(type) is { } why)
        {
            problems.Add(new DeclarationProblem(DeclarationRule.Unreachable, identifier, Name(), roleName, why));
        }

        if (type.IsAbstract || type.IsStatic)
        {
            problems.Add(new DeclarationProblem(DeclarationRule.NotInstantiable, identifier, Name(), roleName, type.IsStatic ? "static" : "abstract"));
        }

        if (type.Name == DefinitionMember)
        {
            problems.Add(new DeclarationProblem(DeclarationRule.ReservedName, identifier, Name(),
                $"is named '{DefinitionMember}', the name of the member the generator adds to it"));
        }

        foreach (var member in type.GetMembers(DefinitionMember))
        {
            if (member.Locations.FirstOrDefault(l => l.IsInSource && !GeneratedCode.IsGenerated(l.SourceTree!)) is { } location)
            {
                problems.Add(new DeclarationProblem(DeclarationRule.ReservedName, location, Name(),
                    $"declares a member named '{DefinitionMember}', the name of the member the generator adds to it"));
            }
        }

        // The generated code creates instances with 'new' and can set no required member: only an agent's constructor
        // marked [SetsRequiredMembers] vouches for them.
        if (RequiredMembers(type) is { Count: > 0 } required
            && !(role == FaustishRole.Agent && AgentRules.Constructor(type, out _) is { } agentConstructor && SetsRequiredMembers(agentConstructor)))
        {
            problems.Add(new DeclarationProblem(DeclarationRule.RequiredMembers, identifier, Name(), roleName, string.Join(", ", required)));
        }

        if (role == FaustishRole.Agent)
        {
            if (type.TypeKind != TypeKind.Class)
            {
                problems.Add(new DeclarationProblem(DeclarationRule.WrongBase, identifier, Name(), AttributeName(role), "a class"));
            }

            return problems;
        }

        // The generated constructor calls the base's with the definition (topics) or the shard (tables): Faustish's own
        // base class has that constructor, a base class in between must have it too.
        var isTopic = role == FaustishRole.Topic;
        var expected = isTopic
            ? "a class deriving from Faustish.Topic<TKey, TValue>"
            : "a class deriving from Faustish.Table<TKey, TValue>, WindowedTable<TKey, TValue> or GlobalTable<TKey, TValue>";
        if (type.TypeKind != TypeKind.Class || type.IsRecord)
        {
            problems.Add(new DeclarationProblem(DeclarationRule.WrongBase, identifier, Name(), AttributeName(role), expected + ", not a record"));
        }
        else if (BaseTypeArguments(type, isTopic ? TopicBase : TableBase) is not { } types)
        {
            problems.Add(new DeclarationProblem(DeclarationRule.WrongBase, identifier, Name(), AttributeName(role), expected));
        }
        else if (!BaseConstructorFits(type, role, types.Key, types.Value))
        {
            var windowed = BaseTypeArguments(type, WindowedTableBase) is not null;
            var parameters = isTopic ? "(TopicDefinition<TKey, TValue>, RecordSender)" : windowed ? "(WindowedTableShard<TKey, TValue>)" : "(TableShard<TKey, TValue>)";
            problems.Add(new DeclarationProblem(DeclarationRule.WrongBase, identifier, Name(), AttributeName(role),
                $"{expected} through base classes that keep its constructor {parameters}, which the generated constructor calls"));
        }

        foreach (var declaration in declarations)
        {
            if (declaration.ParameterList is { } primary)
            {
                problems.Add(new DeclarationProblem(DeclarationRule.ConstructorDeclared, primary.GetLocation(), Name(), AttributeName(role)));
            }

            foreach (var constructor in declaration.Members.OfType<ConstructorDeclarationSyntax>())
            {
                if (!constructor.Modifiers.Any(SyntaxKind.StaticKeyword))
                {
                    problems.Add(new DeclarationProblem(DeclarationRule.ConstructorDeclared, constructor.Identifier.GetLocation(), Name(), AttributeName(role)));
                }
            }
        }

        return problems;
    }

    /// <summary>The names of the required members of <paramref name="type"/> and its base classes.</summary>
    private static List<string> RequiredMembers(INamedTypeSymbol type)
    {
        var names = new List<string>();
        for (var current = type; current is not null; current = current.BaseType)
        {
            // The generic definition has the same members: asking it spares building a constructed base's members.
            foreach (var member in current.OriginalDefinition.GetMembers())
            {
                if (member is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true } && !names.Contains(member.Name))
                {
                    names.Add(member.Name);
                }
            }
        }

        return names;
    }

    private static bool SetsRequiredMembers(IMethodSymbol constructor) =>
        constructor.GetAttributes().Any(a => a.AttributeClass is { } attribute && HasMetadataName(attribute, "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute"));

    /// <summary>Whether the direct base class has a constructor the generated one can call with the definition or the shard.</summary>
    private static bool BaseConstructorFits(INamedTypeSymbol type, FaustishRole role, ITypeSymbol key, ITypeSymbol value)
    {
        if (type.BaseType is not { } baseType)
        {
            return false;
        }

        var windowed = BaseTypeArguments(type, WindowedTableBase) is not null;
        foreach (var constructor in baseType.InstanceConstructors)
        {
            var sameAssembly = SymbolEqualityComparer.Default.Equals(constructor.ContainingAssembly, type.ContainingAssembly);
            var accessible = constructor.DeclaredAccessibility switch
            {
                Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal => true,
                Accessibility.Internal or Accessibility.ProtectedAndInternal => sameAssembly,
                _ => false,
            };
            var parameters = constructor.Parameters;
            if (!accessible || parameters.Any(p => p.RefKind != RefKind.None))
            {
                continue;
            }

            var fits = role == FaustishRole.Topic
                ? parameters.Length == 2 && IsConstructed(parameters[0].Type, "Faustish.Topics.TopicDefinition`2", key, value)
                    && parameters[1].Type is INamedTypeSymbol sender && HasMetadataName(sender, "Faustish.RecordSender")
                : parameters.Length == 1 && IsConstructed(parameters[0].Type,
                    windowed ? "Faustish.Tables.Windows.WindowedTableShard`2" : "Faustish.Tables.TableShard`2", key, value);
            if (fits)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsConstructed(ITypeSymbol type, string definition, ITypeSymbol key, ITypeSymbol value) =>
        type is INamedTypeSymbol { IsGenericType: true } named && HasMetadataName(named.ConstructedFrom, definition)
        && SymbolEqualityComparer.Default.Equals(named.TypeArguments[0], key) && SymbolEqualityComparer.Default.Equals(named.TypeArguments[1], value);

    /// <summary>
    /// Why generated code elsewhere in the assembly (the app model, agents) cannot name <paramref name="type"/>, or null
    /// when it can: it and every type that contains it must be public or internal, and not file-local.
    /// </summary>
    public static string? Unreachable(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            var what = SymbolEqualityComparer.Default.Equals(current, type) ? "it" : $"its containing type '{current.Name}'";
            if (current.IsFileLocal)
            {
                return $"{what} is file-local";
            }

            if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return $"{what} is {Describe(current.DeclaredAccessibility)}";
            }
        }

        return null;
    }

    /// <summary>The user's own declarations of <paramref name="type"/> (generated partial parts left out).</summary>
    public static List<TypeDeclarationSyntax> UserDeclarations(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences
            .Select(r => r.GetSyntax(cancellationToken))
            .OfType<TypeDeclarationSyntax>()
            .Where(d => !GeneratedCode.IsGenerated(d.SyntaxTree))
            .ToList();

    public static string RoleName(FaustishRole role) => role switch
    {
        FaustishRole.Topic => "topic",
        FaustishRole.Table => "table",
        _ => "agent",
    };

    public static string AttributeName(FaustishRole role) => role switch
    {
        FaustishRole.Topic => "Topic",
        FaustishRole.Table => "Table",
        _ => "Agent",
    };

    public static Location AttributeLocation(AttributeData attribute, ISymbol fallback, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? fallback.Locations.FirstOrDefault() ?? Location.None;

    /// <summary>
    /// Whether <see cref="MetadataName"/> of <paramref name="type"/> is <paramref name="fullName"/>, without building the
    /// string: the analyzers ask this of every attribute of every type in a compilation.
    /// </summary>
    public static bool HasMetadataName(INamedTypeSymbol type, string fullName)
    {
        var end = fullName.Length;
        if (!EndsWith(type.MetadataName))
        {
            return false;
        }

        for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            if (end == 0 || fullName[end - 1] != '.')
            {
                return false;
            }

            end--;
            if (!EndsWith(ns.Name))
            {
                return false;
            }
        }

        return end == 0;

        bool EndsWith(string segment)
        {
            if (end < segment.Length || string.CompareOrdinal(fullName, end - segment.Length, segment, 0, segment.Length) != 0)
            {
                return false;
            }

            end -= segment.Length;
            return true;
        }
    }

    public static string MetadataName(INamedTypeSymbol type) =>
        type.ContainingNamespace is null || type.ContainingNamespace.IsGlobalNamespace
            ? type.MetadataName
            : type.ContainingNamespace.ToDisplayString() + "." + type.MetadataName;

    private static string Describe(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => "not accessible",
    };
}
