using System;
using AnalyzerWindow = Faustish.Analyzers.Model.WindowSpec;
using RuntimeWindow = Faustish.Tables.Windows.WindowSpec;

namespace Faustish.Analyzers.Tests;

/// <summary>
/// The window grammar is parsed twice: by the analyzers (netstandard2.0, at compile time) and by the runtime (at
/// start). Both must accept and reject the same specifications and read the same numbers from them, or a table would
/// pass the build and fail at start (or the reverse).
/// </summary>
public sealed class WindowGrammarAnalyzerAgreementTests
{
    [Theory]
    [InlineData("tumbling 1m")]
    [InlineData("Tumbling 500ms grace 10s")]
    [InlineData("hopping 10m every 1m")]
    [InlineData("hopping 10m every 10m grace 30s")]
    [InlineData("sliding 5m")]
    [InlineData("sliding 500ms grace 1s")]
    [InlineData("session 30s")]
    [InlineData("session 2h grace 1d")]
    [InlineData("  tumbling   1h  ")]
    [InlineData("tumbling")]
    [InlineData("tumbling 0s")]
    [InlineData("tumbling 1x")]
    [InlineData("tumbling 1M")]
    [InlineData("hopping 1m")]
    [InlineData("hopping 1m every 5m")]
    [InlineData("hopping 5m every 0s")]
    [InlineData("session 0ms")]
    [InlineData("sliding 5m grace")]
    [InlineData("tumbling 1m grace 10s extra")]
    [InlineData("rolling 1m")]
    [InlineData("")]
    public void Analyzers_and_runtime_accept_the_same_specifications_and_read_the_same_numbers(string text)
    {
        var atCompileTime = AnalyzerWindow.TryParse(text, out var analyzerError);
        var atStart = RuntimeWindow.TryParse(text, expires: null, out var runtime, out var runtimeError);

        Assert.True((atCompileTime is not null) == atStart,
            $"'{text}': analyzers {(atCompileTime is null ? "reject (" + analyzerError + ")" : "accept")}, runtime {(atStart ? "accepts" : "rejects (" + runtimeError + ")")}.");
        if (atCompileTime is null)
        {
            return;
        }

        Assert.Equal(atCompileTime.Kind, runtime!.Kind.ToString(), StringComparer.OrdinalIgnoreCase);
        Assert.Equal((long)atCompileTime.Size.TotalMilliseconds, runtime.SizeMs);
        Assert.Equal((long)atCompileTime.Grace.TotalMilliseconds, runtime.GraceMs);
        if (atCompileTime.Step is { } step)
        {
            Assert.Equal((long)step.TotalMilliseconds, runtime.StepMs);
        }
    }

    [Theory]
    [InlineData("500ms")]
    [InlineData("30s")]
    [InlineData("15m")]
    [InlineData("2h")]
    [InlineData("7d")]
    [InlineData("1.5h")]
    [InlineData("-1s")]
    [InlineData("one hour")]
    [InlineData("10")]
    public void Analyzers_and_runtime_read_durations_alike(string text)
    {
        var atCompileTime = AnalyzerWindow.TryParseDuration(text, out var duration, out _);
        var atStart = RuntimeWindow.TryParseDuration(text, out var milliseconds, out _);

        Assert.Equal(atCompileTime, atStart);
        if (atCompileTime)
        {
            Assert.Equal((long)duration.TotalMilliseconds, milliseconds);
        }
    }
}
