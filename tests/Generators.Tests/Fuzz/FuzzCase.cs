using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Faustish.Generators.Tests.Fuzz;

internal sealed record FuzzFile(string Path, string Text);

/// <summary>
/// One fuzz input: its source files, what it exercises, and what it expects — no diagnostic at all (valid), or at
/// least these Faustish ids (invalid). Valid inputs with JSON codecs carry a probe that checks them against
/// JsonSerializer. A case can be written to a folder and read back, to rerun it alone.
/// </summary>
internal sealed record FuzzCase(int Seed, int Index, string Scenario, IReadOnlyList<FuzzFile> Files, IReadOnlyList<string> ExpectedIds, string? Probe)
{
    public bool IsValid => ExpectedIds.Count == 0;

    public override string ToString() => $"case {Index} (seed {Seed}): {Scenario}";

    /// <summary>Writes the case to <paramref name="folder"/>: the sources, <c>Probe.cs.txt</c>, and <c>case.txt</c> with what it expects.</summary>
    public void WriteTo(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in Files)
        {
            File.WriteAllText(System.IO.Path.Combine(folder, file.Path), file.Text);
        }

        if (Probe is not null)
        {
            File.WriteAllText(System.IO.Path.Combine(folder, "Probe.cs.txt"), Probe);
        }

        File.WriteAllLines(System.IO.Path.Combine(folder, "case.txt"),
        [
            $"seed: {Seed}",
            $"index: {Index}",
            $"scenario: {Scenario}",
            $"expect: {(IsValid ? "valid" : string.Join(" ", ExpectedIds))}",
        ]);
    }

    /// <summary>Reads a case <see cref="WriteTo"/> wrote (the sources may have been edited since).</summary>
    public static FuzzCase ReadFrom(string folder)
    {
        var settings = File.ReadAllLines(System.IO.Path.Combine(folder, "case.txt"))
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(folder, "*.cs").Order(StringComparer.Ordinal)
            .Select(path => new FuzzFile(System.IO.Path.GetFileName(path), File.ReadAllText(path))).ToList();
        var probePath = System.IO.Path.Combine(folder, "Probe.cs.txt");
        var expect = settings["expect"];
        return new FuzzCase(
            int.Parse(settings["seed"], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(settings["index"], System.Globalization.CultureInfo.InvariantCulture),
            settings["scenario"],
            files,
            expect == "valid" ? [] : expect.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            File.Exists(probePath) ? File.ReadAllText(probePath) : null);
    }
}
