using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Faustish.Generators.Tests.Fuzz;
using Xunit.Abstractions;

namespace Faustish.Generators.Tests;

/// <summary>
/// The generator never breaks a build and never drops code silently: several hundred unusual but plausible inputs,
/// built from a seed (<see cref="FuzzInputs"/>), each compiled with the generator and every analyzer as a user's build
/// does (<see cref="FuzzRunner"/>). A failing input is written to a folder and can be rerun alone:
/// <c>FAUSTISH_FUZZ_INPUT=&lt;folder&gt; dotnet test --filter GeneratorFuzz</c> (edit its files freely), or
/// <c>FAUSTISH_FUZZ_CASE=&lt;index&gt;</c> (with <c>FAUSTISH_FUZZ_SEED</c>) to rebuild it from the seed.
/// <c>FAUSTISH_FUZZ_COUNT</c> and <c>FAUSTISH_FUZZ_SEED</c> run more or other inputs.
/// </summary>
public sealed class GeneratorFuzz(ITestOutputHelper output)
{
    private const int DefaultSeed = 13;
    private const int DefaultCount = 600;

    [Fact]
    public void Every_input_gets_working_code_or_a_Faustish_diagnostic_on_the_users_code()
    {
        var seed = Setting("FAUSTISH_FUZZ_SEED") ?? DefaultSeed;
        var count = Setting("FAUSTISH_FUZZ_COUNT") ?? DefaultCount;
        var folder = Environment.GetEnvironmentVariable("FAUSTISH_FUZZ_INPUT");
        var single = Setting("FAUSTISH_FUZZ_CASE");
        var inputs = folder is { Length: > 0 } ? [FuzzCase.ReadFrom(folder)]
            : single is { } index ? [FuzzInputs.Create(seed, index)]
            : FuzzInputs.Generate(seed, count).ToList();

        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var outcomes = new ConcurrentBag<FuzzOutcome>();
        Parallel.ForEach(inputs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, input => outcomes.Add(RunOne(input)));
        clock.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;

        var all = outcomes.OrderBy(o => o.Case.Index).ToList();
        var failed = all.Where(o => o.Failures.Count > 0).ToList();
        output.WriteLine(Summary(all, failed, seed, clock.Elapsed, cpu));
        if (failed.Count == 0)
        {
            if (folder is null && single is null)
            {
                Assert.True(all.Count >= 500 || count < 500, $"only {all.Count} inputs");
                Assert.Equal(FuzzInputs.ScenarioCount, all.Select(o => o.Case.Scenario).Distinct(StringComparer.Ordinal).Count());
            }

            return;
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"{failed.Count} of {all.Count} inputs broke a promise.");
        foreach (var outcome in failed.Take(15))
        {
            var written = Path.Combine(Path.GetTempPath(), "faustish-fuzz", $"seed{outcome.Case.Seed}", $"case{outcome.Case.Index:D4}");
            outcome.Case.WriteTo(written);
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture, $"{outcome.Case} — written to {written}");
            report.AppendLine(CultureInfo.InvariantCulture, $"  rerun: FAUSTISH_FUZZ_INPUT={written} dotnet test tests/Generators.Tests --filter GeneratorFuzz");
            foreach (var failure in outcome.Failures.Take(6))
            {
                report.AppendLine("  - " + failure.Replace("\n", "\n    ", StringComparison.Ordinal));
            }
        }

        Assert.Fail(report.ToString());
    }

    [Fact]
    public void Inputs_are_the_same_for_the_same_seed()
    {
        var first = FuzzInputs.Generate(7, 40).Select(c => string.Join("\n", c.Files.Select(f => f.Text)) + c.Probe).ToList();
        var second = FuzzInputs.Generate(7, 40).Select(c => string.Join("\n", c.Files.Select(f => f.Text)) + c.Probe).ToList();
        Assert.Equal(first, second);
        Assert.NotEqual(first, FuzzInputs.Generate(8, 40).Select(c => string.Join("\n", c.Files.Select(f => f.Text)) + c.Probe).ToList());
    }

    private static FuzzOutcome RunOne(FuzzCase input)
    {
        try
        {
            return FuzzRunner.Run(input);
        }
        catch (Exception exception)
        {
            return new FuzzOutcome(input, [$"running the input threw {exception}"], [], 0, false);
        }
    }

    private static string Summary(List<FuzzOutcome> all, List<FuzzOutcome> failed, int seed, TimeSpan elapsed, TimeSpan cpu)
    {
        var valid = all.Count(o => o.Case.IsValid);
        var probed = all.Where(o => o.Probed).ToList();
        var ids = all.SelectMany(o => o.ReportedIds).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return string.Join(Environment.NewLine,
            $"GeneratorFuzz: seed {seed}, {all.Count} inputs from {all.Select(o => o.Case.Scenario).Distinct(StringComparer.Ordinal).Count()} scenarios, {FuzzRunner.AnalyzerCount} analyzers, {elapsed.TotalSeconds:F1} s on {Environment.ProcessorCount} cores ({cpu.TotalSeconds:F1} s of processor time)",
            $"  valid: {valid} (compiled clean, all in the app model); codecs probed in {probed.Count} of them, {probed.Sum(o => o.ProbeChecks)} values against JsonSerializer",
            $"  invalid: {all.Count - valid} (each got its Faustish diagnostic); ids seen: {string.Join(" ", ids)}",
            $"  failed: {failed.Count}",
            $"  time per phase, all threads: {FuzzRunner.Phases()}");
    }

    private static int? Setting(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
