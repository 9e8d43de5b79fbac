using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Faustish.Analyzers.Analyzers;

/// <summary>
/// Table writes (indexer set, compound assignment, ++/--, Remove, Increment): who writes (an agent's processing,
/// or someone else), whether the writer's topic is co-partitioned with the table, whether all writers agree on a
/// partition count; and values changed in place without being written back (lost updates).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TableWriteAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableHashSet<string> CollectionMutators = ImmutableHashSet.Create(
        "Add", "AddRange", "Insert", "InsertRange", "Remove", "RemoveAt", "RemoveAll", "RemoveRange", "Clear",
        "Push", "Pop", "Enqueue", "Dequeue", "TryAdd", "TryRemove", "Sort", "Reverse");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.TableWrittenOutsideAgent,
        DiagnosticDescriptors.TablePartitionMismatch,
        DiagnosticDescriptors.TableWritersPartitionMismatch,
        DiagnosticDescriptors.TableValueMutatedInPlace);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (FaustishSymbols.Get(start.Compilation) is not { } symbols)
            {
                return;
            }

            var writes = new ConcurrentBag<AgentWrite>();
            start.RegisterOperationBlockAction(c => AnalyzeBlock(c, symbols, writes));
            start.RegisterCompilationEndAction(c => ReportWritersMismatch(c, writes));
        });
    }

    private sealed class AgentWrite(INamedTypeSymbol table, INamedTypeSymbol agent, INamedTypeSymbol topic, int topicPartitions, Location location)
    {
        public INamedTypeSymbol Table { get; } = table;

        public INamedTypeSymbol Agent { get; } = agent;

        public INamedTypeSymbol Topic { get; } = topic;

        public int TopicPartitions { get; } = topicPartitions;

        public Location Location { get; } = location;
    }

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, FaustishSymbols symbols, ConcurrentBag<AgentWrite> writes)
    {
        var owner = context.OwningSymbol;
        var agent = symbols.ContainingAgent(owner);
        var lostUpdates = new LostUpdateFinder(symbols);
        foreach (var block in context.OperationBlocks)
        {
            foreach (var operation in block.DescendantsAndSelf())
            {
                if (WrittenTable(operation, symbols) is { } receiver)
                {
                    AnalyzeWrite(context, symbols, writes, owner, agent, operation, receiver);
                }

                lostUpdates.Visit(operation);
            }
        }

        foreach (var (location, tableExpression) in lostUpdates.Findings())
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TableValueMutatedInPlace, location, tableExpression));
        }
    }

    private static void AnalyzeWrite(OperationBlockAnalysisContext context, FaustishSymbols symbols, ConcurrentBag<AgentWrite> writes,
        ISymbol owner, INamedTypeSymbol? agent, IOperation operation, IOperation receiver)
    {
        if (receiver.Type is not INamedTypeSymbol table || !symbols.IsTableClass(table))
        {
            return; // Helpers over Table<K, V> itself are not judged: the caller is.
        }

        for (var type = owner.ContainingType; type is not null; type = type.ContainingType)
        {
            if (SymbolEqualityComparer.Default.Equals(type, table))
            {
                return; // The table class's own helpers.
            }
        }

        if (IsTestContextTable(receiver))
        {
            return; // A test seeding the tables of an agent test context (test.Table<T>()[key] = value), as a restore would.
        }

        var location = operation.Syntax.GetLocation();
        var tableName = AttributeReader.Name(table);
        if (agent is null || owner is IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor } || owner is IFieldSymbol or IPropertySymbol)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TableWrittenOutsideAgent, location, tableName,
                owner.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat.WithMemberOptions(SymbolDisplayMemberOptions.IncludeContainingType))));
            return;
        }

        if (symbols.IsGlobalTable(table) || Roles.TopicOfAgent(symbols, agent) is not { } topic || Roles.TopicPartitions(symbols, topic) is not { } topicPartitions)
        {
            return; // A global table is held whole by every worker: any agent may write it, whatever its partitions.
        }

        var tablePartitions = FaustishSymbols.FindAttribute(table, symbols.TableAttribute) is { } attribute ? AttributeReader.Partitions(attribute, 0) : 0;
        if (tablePartitions > 0 && tablePartitions != topicPartitions)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TablePartitionMismatch, location,
                tableName, tablePartitions, AttributeReader.Name(agent), AttributeReader.Name(topic), topicPartitions));
        }
        else if (tablePartitions == 0)
        {
            writes.Add(new AgentWrite(table, agent, topic, topicPartitions, location));
        }
    }

    private static void ReportWritersMismatch(CompilationAnalysisContext context, ConcurrentBag<AgentWrite> writes)
    {
        foreach (var byTable in writes.GroupBy(w => w.Table, SymbolEqualityComparer.Default))
        {
            // First write of each agent, in source order, so each agent gets one diagnostic per table.
            var firstByAgent = byTable
                .GroupBy(w => w.Agent, SymbolEqualityComparer.Default)
                .Select(g => g.OrderBy(w => w.Location.SourceTree?.FilePath, System.StringComparer.Ordinal).ThenBy(w => w.Location.SourceSpan.Start).First())
                .OrderBy(w => w.Agent.ToDisplayString(), System.StringComparer.Ordinal)
                .ToList();
            if (firstByAgent.Select(w => w.TopicPartitions).Distinct().Count() < 2)
            {
                continue;
            }

            foreach (var write in firstByAgent)
            {
                var other = firstByAgent.First(w => w.TopicPartitions != write.TopicPartitions);
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TableWritersPartitionMismatch, write.Location,
                    AttributeReader.Name(write.Table),
                    AttributeReader.Name(write.Agent), AttributeReader.Name(write.Topic), write.TopicPartitions,
                    AttributeReader.Name(other.Agent), AttributeReader.Name(other.Topic), other.TopicPartitions));
            }
        }

    }

    /// <summary>The receiver of a table write (the table expression), or null when <paramref name="operation"/> is not one.</summary>
    /// <summary>Whether <paramref name="receiver"/> is <c>test.Table&lt;T&gt;()</c> of an agent test context.</summary>
    private static bool IsTestContextTable(IOperation receiver)
    {
        while (receiver is IConversionOperation conversion)
        {
            receiver = conversion.Operand;
        }

        return receiver is IInvocationOperation { TargetMethod: { Name: "Table", ContainingType: { } context } }
            && context.OriginalDefinition.ToDisplayString() == "Faustish.Testing.AgentTestContext<TKey, TValue>";
    }

    internal static IOperation? WrittenTable(IOperation operation, FaustishSymbols symbols)
    {
        switch (operation)
        {
            case IAssignmentOperation { Target: IPropertyReferenceOperation target } when IsTableIndexer(target.Property, symbols):
                return target.Instance;
            case IIncrementOrDecrementOperation { Target: IPropertyReferenceOperation target } when IsTableIndexer(target.Property, symbols):
                return target.Instance;
            case IInvocationOperation invocation:
                var method = invocation.TargetMethod;
                if (method.Name is "Remove" or "Increment" && invocation.Instance is not null && IsTableType(method.ContainingType, symbols))
                {
                    return invocation.Instance;
                }

                if (method.Name == "Increment" && method.IsExtensionMethod
                    && SymbolEqualityComparer.Default.Equals(method.ContainingType, symbols.TableExtensions)
                    && invocation.Arguments.Length > 0)
                {
                    return Unwrap(invocation.Arguments[0].Value);
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// An indexer of <c>Table&lt;,&gt;</c> or <c>WindowedTable&lt;,&gt;</c>, or one the generator declares on a [Table] class
    /// (a windowed table of collections gets indexers that take collection expressions).
    /// </summary>
    internal static bool IsTableIndexer(IPropertySymbol property, FaustishSymbols symbols) =>
        property.IsIndexer && (IsTableType(property.ContainingType, symbols) || symbols.IsTableClass(property.ContainingType));

    /// <summary><c>Table&lt;,&gt;</c> itself, or <c>WindowedTable&lt;,&gt;</c> (whose indexer, Increment and Remove write windows).</summary>
    private static bool IsTableType(INamedTypeSymbol type, FaustishSymbols symbols) =>
        SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, symbols.TableBase)
        || (symbols.WindowedTableBase is { } windowed && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, windowed));

    internal static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation { IsImplicit: true } conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    /// <summary>
    /// Finds Faust's lost update, conservatively: a member of a value read from a table is changed (assigned,
    /// incremented, or a collection in it mutated) either straight through the indexer (<c>t[k].Items.Add(x)</c>),
    /// or through a local holding the value that is never used in any other way (so it cannot have been written back).
    /// </summary>
    private sealed class LostUpdateFinder(FaustishSymbols symbols)
    {
        private readonly List<(Location Location, string Table)> _direct = [];
        private readonly Dictionary<ILocalSymbol, string> _fromTable = new(SymbolEqualityComparer.Default);
        private readonly List<(ILocalSymbol Local, Location Location)> _localMutations = [];
        private readonly HashSet<ILocalSymbol> _escaped = new(SymbolEqualityComparer.Default);

        public void Visit(IOperation operation)
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation { Initializer.Value: { } value } declarator when TableRead(value) is { } read:
                    _fromTable[declarator.Symbol] = read;
                    break;
                case IInvocationOperation { TargetMethod.Name: "TryGetValue" } tryGet
                    when tryGet.Instance is not null && tryGet.Arguments.Length == 2
                    && SymbolEqualityComparer.Default.Equals(tryGet.TargetMethod.ContainingType.OriginalDefinition, symbols.TableBase)
                    && tryGet.Arguments[1].Value is IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared }:
                    _fromTable[declared.Local] = tryGet.Instance.Syntax.ToString();
                    break;
                case ILocalReferenceOperation { IsDeclaration: false } local when !IsReceiver(local):
                    _escaped.Add(local.Local);
                    break;
            }

            if (MutatedChain(operation) is not { } root)
            {
                return;
            }

            if (TableRead(root) is { } table && root.Type is { IsReferenceType: true, SpecialType: not SpecialType.System_String })
            {
                _direct.Add((operation.Syntax.GetLocation(), table));
            }
            else if (root is ILocalReferenceOperation local)
            {
                _localMutations.Add((local.Local, operation.Syntax.GetLocation()));
            }
        }

        public IEnumerable<(Location Location, string Table)> Findings()
        {
            foreach (var finding in _direct)
            {
                yield return finding;
            }

            foreach (var (local, location) in _localMutations)
            {
                if (_fromTable.TryGetValue(local, out var table) && !_escaped.Contains(local)
                    && local.Type.SpecialType != SpecialType.System_String)
                {
                    yield return (location, table);
                }
            }
        }

        /// <summary>The table expression when <paramref name="operation"/> reads a table's indexer.</summary>
        private string? TableRead(IOperation operation) =>
            Unwrap(operation) is IPropertyReferenceOperation { Instance: { } instance } reference && IsTableIndexer(reference.Property, symbols)
                ? instance.Syntax.ToString()
                : null;

        /// <summary>
        /// For a mutation (member assignment, increment, collection mutator call), the start of the receiver chain:
        /// <c>v.A.B = x</c> gives <c>v</c>. Null for anything else, including assignments to the local itself.
        /// </summary>
        private IOperation? MutatedChain(IOperation operation)
        {
            IOperation? start = operation switch
            {
                IAssignmentOperation { Target: IMemberReferenceOperation target } when target is IFieldReferenceOperation or IPropertyReferenceOperation
                    && !(target is IPropertyReferenceOperation p && IsTableIndexer(p.Property, symbols)) => target.Instance,
                IIncrementOrDecrementOperation { Target: IMemberReferenceOperation target } when target is IFieldReferenceOperation or IPropertyReferenceOperation
                    && !(target is IPropertyReferenceOperation p && IsTableIndexer(p.Property, symbols)) => target.Instance,
                IInvocationOperation { Instance: { } instance } invocation when CollectionMutators.Contains(invocation.TargetMethod.Name)
                    && IsCollection(instance.Type) => instance,
                _ => null,
            };
            if (start is null)
            {
                return null;
            }

            var current = Unwrap(start);
            while (true)
            {
                if (TableRead(current) is not null)
                {
                    return current;
                }

                switch (current)
                {
                    case IFieldReferenceOperation { Instance: { } inner }:
                        current = Unwrap(inner);
                        continue;
                    case IPropertyReferenceOperation { Instance: { } inner }:
                        current = Unwrap(inner);
                        continue;
                    case IArrayElementReferenceOperation element:
                        current = Unwrap(element.ArrayReference);
                        continue;
                    case ILocalReferenceOperation:
                        return current;
                    default:
                        return null;
                }
            }
        }

        private bool IsCollection(ITypeSymbol? type)
        {
            if (type is null)
            {
                return false;
            }

            if (IsCollectionInterface(type))
            {
                return true;
            }

            foreach (var candidate in type.AllInterfaces)
            {
                if (IsCollectionInterface(candidate))
                {
                    return true;
                }
            }

            return false;
        }

        private bool IsCollectionInterface(ITypeSymbol candidate) =>
            SymbolEqualityComparer.Default.Equals(candidate.OriginalDefinition, symbols.ICollection)
            || SymbolEqualityComparer.Default.Equals(candidate, symbols.NonGenericCollection);

        private static bool IsReceiver(ILocalReferenceOperation local) =>
            local.Parent switch
            {
                IMemberReferenceOperation member => ReferenceEquals(member.Instance, local),
                IInvocationOperation invocation => ReferenceEquals(invocation.Instance, local),
                IArrayElementReferenceOperation element => ReferenceEquals(element.ArrayReference, local),
                _ => false,
            };
    }
}
