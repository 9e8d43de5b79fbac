using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Faustish.Analyzers.Tests.Infrastructure;

/// <summary>Runs one analyzer over a source (plus the prelude) and compares diagnostics exactly.</summary>
internal static class Verify<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);

    public static async Task AnalyzerAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    /// <summary>Several source files, e.g. for rules that look across the compilation.</summary>
    public static async Task AnalyzerAsync((string Name, string Source)[] sources, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest();
        foreach (var source in sources)
        {
            test.TestState.Sources.Add(source);
        }

        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    private sealed class AnalyzerTest : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public AnalyzerTest()
        {
            ReferenceAssemblies = TestSetup.References;
            CompilerDiagnostics = TestSetup.Compiler;
            TestState.AdditionalReferences.AddRange(TestSetup.AdditionalReferences);
            TestState.Sources.Add(("Prelude.cs", TestSetup.Prelude));
        }

        protected override ParseOptions CreateParseOptions() =>
            ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(TestSetup.Language);

        protected override CompilationOptions CreateCompilationOptions() =>
            ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithAllowUnsafe(true).WithNullableContextOptions(NullableContextOptions.Enable);
    }
}

/// <summary>Runs an analyzer and a code fix, and compares the fixed source.</summary>
internal static class Verify<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static async Task CodeFixAsync(string source, DiagnosticResult[] expected, string fixedSource)
    {
        var test = new CodeFixTest { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    private sealed class CodeFixTest : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public CodeFixTest()
        {
            ReferenceAssemblies = TestSetup.References;
            CompilerDiagnostics = TestSetup.Compiler;
            TestState.AdditionalReferences.AddRange(TestSetup.AdditionalReferences);
            TestState.Sources.Add(("Prelude.cs", TestSetup.Prelude));
            FixedState.AdditionalReferences.AddRange(TestSetup.AdditionalReferences);
            FixedState.Sources.Add(("Prelude.cs", TestSetup.Prelude));
        }

        protected override ParseOptions CreateParseOptions() =>
            ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(TestSetup.Language);

        protected override CompilationOptions CreateCompilationOptions() =>
            ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithAllowUnsafe(true).WithNullableContextOptions(NullableContextOptions.Enable);
    }
}
