using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Faustish.Analyzers.Analyzers;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Faustish.Analyzers.Tests;

/// <summary>Every id has a docs page (with a wrong and a right example), a release-tracking entry, and an analyzer.</summary>
public sealed class DiagnosticCatalogAnalyzerTests
{
    public static IEnumerable<object[]> Ids() => Descriptors().Select(d => new object[] { d.Id });

    private static List<DiagnosticDescriptor> Descriptors() =>
        typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToList();

    private static DiagnosticDescriptor Descriptor(string id) => Descriptors().Single(d => d.Id == id);

    [Fact]
    public void Ids_are_unique_and_follow_the_FSH_pattern()
    {
        var ids = Descriptors().Select(d => d.Id).ToList();
        Assert.True(ids.Count >= 30, $"only {ids.Count} descriptors");
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches("^FSH[0-9]{4}$", id));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Id_has_a_docs_page_with_a_wrong_and_a_right_example(string id)
    {
        var page = Path.Combine(TestSetup.RepoRoot(), "docs", "diagnostics", id + ".md");
        Assert.True(File.Exists(page), $"{id} has no page at docs/diagnostics/{id}.md");
        var text = File.ReadAllText(page);
        Assert.StartsWith("# " + id, text, StringComparison.Ordinal);
        Assert.Contains("## Wrong", text, StringComparison.Ordinal);
        Assert.Contains("## Right", text, StringComparison.Ordinal);
        Assert.True(Regex.Count(text, "```csharp") >= 2, $"{id}'s page needs a wrong and a right code example");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Id_has_a_help_link_to_its_page(string id)
    {
        Assert.Equal($"https://github.com/faustish/faustish/blob/main/docs/diagnostics/{id}.md", Descriptor(id).HelpLinkUri);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Id_is_listed_in_the_analyzer_releases(string id)
    {
        var folder = Path.Combine(TestSetup.RepoRoot(), "src", "Analyzers");
        var rows = File.ReadAllLines(Path.Combine(folder, "AnalyzerReleases.Shipped.md"))
            .Concat(File.ReadAllLines(Path.Combine(folder, "AnalyzerReleases.Unshipped.md")))
            .Where(l => l.StartsWith(id + " ", StringComparison.Ordinal))
            .ToList();
        var row = Assert.Single(rows);
        var cells = row.Split('|').Select(c => c.Trim()).ToArray();
        var descriptor = Descriptor(id);
        Assert.Equal(descriptor.Category, cells[1]);
        Assert.Equal(descriptor.DefaultSeverity.ToString(), cells[2]);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Id_is_reported_by_an_analyzer_in_its_area(string id)
    {
        var analyzers = typeof(DeclarationAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToList();
        Assert.Contains(analyzers, a => a.SupportedDiagnostics.Any(d => d.Id == id));

        var area = id.Substring(3, 2);
        var expected = area switch
        {
            "00" => "Faustish.Declarations",
            "01" => "Faustish.Agents",
            "02" => "Faustish.Tables",
            "03" => "Faustish.Topics",
            "04" => "Faustish.Serialization",
            "05" => "Faustish.Configuration",
            _ => "unknown area " + area,
        };
        Assert.Equal(expected, Descriptor(id).Category);
    }

    [Fact]
    public void Every_supported_id_is_in_the_catalogue()
    {
        var catalogue = Descriptors().Select(d => d.Id).ToHashSet();
        var supported = typeof(DeclarationAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .SelectMany(t => ((DiagnosticAnalyzer)Activator.CreateInstance(t)!).SupportedDiagnostics)
            .Select(d => d.Id);
        Assert.All(supported, id => Assert.Contains(id, catalogue));
    }
}
