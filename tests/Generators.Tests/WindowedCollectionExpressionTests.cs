using System;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Faustish.Generators.Tests;

/// <summary>
/// A windowed table's indexers take what a plain table's take: a collection expression builds the value
/// (<c>perWindow[key, at] = [.. events, sample];</c> was CS9174, the window set not being a collection type).
/// </summary>
public sealed class WindowedCollectionExpressionTests
{
    [Theory]
    [InlineData("List<Sample>")]
    [InlineData("Sample[]")]
    [InlineData("IReadOnlyList<Sample>")]
    [InlineData("List<Sample?>?")]
    [InlineData("List<string>")]
    public void Collection_expressions_assign_to_a_windowed_table_as_to_a_plain_one(string value)
    {
        var element = value.StartsWith("List<string>", StringComparison.Ordinal) ? "string" : "Sample";
        var source = $$"""
            using System;
            using System.Collections.Generic;
            using System.Collections.Immutable;
            using Faustish;

            namespace Windowed;

            public sealed record Sample(string Sensor, long Value, DateTimeOffset At);

            [Topic("samples")]
            public sealed partial class Samples : Topic<string, {{element}}>;

            [Table("per-window", Window = "tumbling 1m", Expires = "1h")]
            public sealed partial class PerWindow : WindowedTable<string, {{value}}>;

            [Table("latest")]
            public sealed partial class Latest : Table<string, {{value}}>;

            [Agent(typeof(Samples))]
            public sealed partial class Collect(PerWindow perWindow, Latest latest)
            {
                public void Process(string key, {{element}} sample)
                {
                    var at = DateTimeOffset.UnixEpoch;
                    {{value}} events = [sample];
                    latest[key] = [.. events, sample];
                    perWindow[key, at] = [.. events, sample];
                    perWindow[key] = [sample];
                    perWindow[key, at] = [.. perWindow[key, at], sample];
                    perWindow[key] = [.. events];
                    {{value}} now = perWindow[key].Now();
                    {{value}} current = perWindow[key, at].Current();
                    foreach (var item in perWindow[key])
                    {
                        _ = item;
                    }

                    _ = (now, current, perWindow.Windows(key));
                }
            }
            """;

        var (files, output, diagnostics) = GeneratorHarness.Run(source);
        Assert.Empty(diagnostics);
        Assert.Contains("CollectionBuilder(typeof(KeyWindows)", files.Single(f => f.Key.EndsWith("PerWindow.Table.g.cs", StringComparison.Ordinal)).Value, StringComparison.Ordinal);
        var strict = output.WithOptions(output.Options.WithGeneralDiagnosticOption(ReportDiagnostic.Error));
        var problems = GeneratorHarness.Problems(strict);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void A_windowed_table_of_numbers_keeps_the_window_set_indexers()
    {
        var (files, output, _) = GeneratorHarness.Run("""
            using Faustish;

            namespace Windowed;

            [Topic("views")]
            public sealed partial class Views : Topic<string, long>;

            [Table("views-per-minute", Window = "tumbling 1m", Expires = "1h")]
            public sealed partial class ViewsPerMinute : WindowedTable<string, long>;

            [Agent(typeof(Views))]
            public sealed partial class CountViews(ViewsPerMinute perMinute)
            {
                public void Process(string page, long view)
                {
                    perMinute[page] += 1;
                    Faustish.WindowSet<string, long> windows = perMinute[page];
                    _ = windows.Current();
                }
            }
            """);
        Assert.DoesNotContain("KeyWindows", files.Single(f => f.Key.EndsWith("ViewsPerMinute.Table.g.cs", StringComparison.Ordinal)).Value, StringComparison.Ordinal);
        Assert.Empty(GeneratorHarness.Problems(output.WithOptions(output.Options.WithGeneralDiagnosticOption(ReportDiagnostic.Error))));
    }
}
