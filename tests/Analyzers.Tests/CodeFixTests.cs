using System.Threading.Tasks;
using Faustish.Analyzers.Analyzers;
using Faustish.Analyzers.CodeFixes;
using Faustish.Analyzers.Diagnostics;
using Faustish.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;

namespace Faustish.Analyzers.Tests;

public sealed class CodeFixAnalyzerTests
{
    [Fact]
    public async Task Make_partial_adds_the_modifier_before_class()
    {
        await Verify<DeclarationAnalyzer, MakePartialCodeFix>.CodeFixAsync("""
            [Topic("page-views")]
            public sealed class {|#0:PageViews|} : Topic<string, PageView>;
            """,
            [new DiagnosticResult(DiagnosticDescriptors.ClassNotPartial).WithLocation(0).WithArguments("PageViews", "topic")],
            """
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;
            """);
    }

    [Fact]
    public async Task Make_partial_works_without_other_modifiers_and_keeps_attributes()
    {
        await Verify<DeclarationAnalyzer, MakePartialCodeFix>.CodeFixAsync("""
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            class {|#0:CountViews|}
            {
                public void Process(string key, PageView value) { }
            }
            """,
            [new DiagnosticResult(DiagnosticDescriptors.ClassNotPartial).WithLocation(0).WithArguments("CountViews", "agent")],
            """
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            partial class CountViews
            {
                public void Process(string key, PageView value) { }
            }
            """);
    }

    [Fact]
    public async Task Make_partial_fixes_the_containing_type()
    {
        await Verify<DeclarationAnalyzer, MakePartialCodeFix>.CodeFixAsync("""
            public static class Streams
            {
                [Topic("page-views")]
                public sealed partial class {|#0:PageViews|} : Topic<string, PageView>;
            }
            """,
            [new DiagnosticResult(DiagnosticDescriptors.ContainingTypeNotPartial).WithLocation(0).WithArguments("PageViews", "Streams")],
            """
            public static partial class Streams
            {
                [Topic("page-views")]
                public sealed partial class PageViews : Topic<string, PageView>;
            }
            """);
    }

    [Fact]
    public async Task Async_void_becomes_ValueTask_ProcessAsync()
    {
        await Verify<AgentAnalyzer, ReturnValueTaskCodeFix>.CodeFixAsync("""
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                public async {|#0:void|} Process(string page, PageView view)
                {
                    await Task.Delay(1);
                }
            }
            """,
            [new DiagnosticResult(DiagnosticDescriptors.AsyncVoidProcessingMethod).WithLocation(0).WithArguments("Process")],
            """
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                public async ValueTask ProcessAsync(string page, PageView view)
                {
                    await Task.Delay(1);
                }
            }
            """);
    }

    [Fact]
    public async Task Async_void_ProcessAsync_keeps_its_name()
    {
        await Verify<AgentAnalyzer, ReturnValueTaskCodeFix>.CodeFixAsync("""
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                public async {|#0:void|} ProcessAsync(string page, PageView view) => await Task.Yield();
            }
            """,
            [new DiagnosticResult(DiagnosticDescriptors.AsyncVoidProcessingMethod).WithLocation(0).WithArguments("ProcessAsync")],
            """
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                public async ValueTask ProcessAsync(string page, PageView view) => await Task.Yield();
            }
            """);
    }

    [Fact]
    public async Task Constructor_is_removed()
    {
        await Verify<DeclarationAnalyzer, RemoveConstructorCodeFix>.CodeFixAsync("""
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>
            {
                public {|#0:PageViews|}() : base(null!, null!) { }

                public string Describe() => Name;
            }
            """,
            [new DiagnosticResult(DiagnosticDescriptors.ConstructorDeclared).WithLocation(0).WithArguments("PageViews", "Topic")],
            """
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>
            {
                public string Describe() => Name;
            }
            """);
    }

    [Fact]
    public async Task Primary_constructor_is_removed()
    {
        await Verify<DeclarationAnalyzer, RemoveConstructorCodeFix>.CodeFixAsync("""
            [Table("counts")]
            public sealed partial class Counts{|#0:(Faustish.Tables.TableShard<string, long> shard)|} : Table<string, long>;
            """,
            [new DiagnosticResult(DiagnosticDescriptors.ConstructorDeclared).WithLocation(0).WithArguments("Counts", "Table")],
            """
            [Table("counts")]
            public sealed partial class Counts : Table<string, long>;
            """);
    }

    [Fact]
    public async Task Private_process_becomes_public()
    {
        await Verify<AgentAnalyzer, MakeProcessingMethodPublicCodeFix>.CodeFixAsync("""
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                private static void {|#0:Process|}(string page, PageView view) { }
            }
            """,
            [new DiagnosticResult(DiagnosticDescriptors.ProcessingMethodNotPublic).WithLocation(0).WithArguments("Process")],
            """
            [Topic("page-views")]
            public sealed partial class PageViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                public void Process(string page, PageView view) { }
            }
            """);
    }
}
