using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Tests;

/// <summary>
/// Generated code compiles warning-free for every nullable combination of key and value types: topics of each pair,
/// agents whose processing method takes each type with and without '?', tables of each non-null key and each value.
/// </summary>
public sealed class GeneratedNullabilityTests
{
    private static readonly string[] Types = ["string", "string?", "long", "long?", "Order", "Order?", "List<string?>", "Color?"];

    [Fact]
    public void Every_nullable_combination_of_key_and_value_compiles_without_warnings()
    {
        var source = new StringBuilder("""
            using System.Collections.Generic;
            using Faustish;

            namespace Nullability;

            public sealed record Order(string Id, string? Note);

            public enum Color { Red, Green }

            """);
        var index = 0;
        foreach (var key in Types)
        {
            foreach (var value in Types)
            {
                index++;
                source.AppendLine(CultureInfo.InvariantCulture, $"[Topic(\"topic-{index}\")] public sealed partial class Topic{index} : Topic<{key}, {value}>;");
                var agent = 0;
                foreach (var keyParameter in Variants(key))
                {
                    foreach (var valueParameter in Variants(value))
                    {
                        agent++;
                        source.AppendLine(CultureInfo.InvariantCulture, $"[Agent(typeof(Topic{index}))] public sealed partial class Agent{index}x{agent} {{ public void Process({keyParameter} key, {valueParameter} value) {{ }} }}");
                    }
                }

                if (!key.EndsWith('?'))
                {
                    source.AppendLine(CultureInfo.InvariantCulture, $"[Table(\"table-{index}\")] public sealed partial class Table{index} : Table<{key}, {value}>;");
                }
            }
        }

        var (files, output, diagnostics) = GeneratorHarness.Run(source.ToString());
        Assert.Empty(diagnostics);
        var strict = output.WithOptions(output.Options.WithGeneralDiagnosticOption(ReportDiagnostic.Error));
        var problems = GeneratorHarness.Problems(strict);
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
        Assert.Equal(Types.Length * Types.Length, files.Keys.Count(k => k.EndsWith(".Topic.g.cs", System.StringComparison.Ordinal)));
    }

    /// <summary>The type, and for reference types its other annotation (a parameter may differ from the topic only so).</summary>
    private static IEnumerable<string> Variants(string type)
    {
        yield return type;
        if (type is "string" or "Order" or "List<string?>")
        {
            yield return type + "?";
        }
        else if (type is "string?" or "Order?")
        {
            yield return type.TrimEnd('?');
        }
    }
}
