using System.Threading.Tasks;
using Faustish.Analyzers.Diagnostics;
using Verifier = Faustish.Analyzers.Tests.Infrastructure.Verify<Faustish.Analyzers.Analyzers.AgentAnalyzer>;

namespace Faustish.Analyzers.Tests;

public sealed class AgentAnalyzerTests
{
    private const string Topics = """
        [Topic("page-views", Partitions = 4)]
        public sealed partial class PageViews : Topic<string, PageView>;

        [Table("page-counts")]
        public sealed partial class PageCounts : Table<string, long>;

        """;

    [Theory]
    [InlineData("public void Process(string page, PageView view) { }")]
    [InlineData("public void Process(string page, PageView view, EventContext context) { }")]
    [InlineData("public ValueTask ProcessAsync(string page, PageView view) => default;")]
    [InlineData("public async Task ProcessAsync(string page, PageView view) { await Task.Yield(); }")]
    [InlineData("public void Process(string? page, PageView? view) { }")]
    public async Task Well_formed_processing_methods_are_not_reported(string method)
    {
        await Verifier.AnalyzerAsync(Topics + $$"""
            [Agent(typeof(PageViews))]
            public sealed partial class CountViews(PageCounts counts, PageViews views)
            {
                {{method}}
                private void Helper() { }
            }
            """);
    }

    [Fact]
    public async Task Agent_without_processing_method_is_reported_with_the_expected_signature()
    {
        await Verifier.AnalyzerAsync(Topics + """
            [Agent(typeof(PageViews))]
            public sealed partial class {|#0:CountViews|}
            {
                public void Handle(string page, PageView view) { }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.NoProcessingMethod).WithLocation(0).WithArguments("CountViews", "string", "PageView"));
    }

    [Fact]
    public async Task Several_processing_methods_are_reported_on_each_extra_one()
    {
        await Verifier.AnalyzerAsync(Topics + """
            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                public void Process(string page, PageView view) { }
                public ValueTask {|#0:ProcessAsync|}(string page, PageView view) => default;
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.SeveralProcessingMethods).WithLocation(0)
                .WithArguments("CountViews", "Process(string page, PageView view)", "ProcessAsync(string page, PageView view)"));
    }

    [Theory]
    [InlineData("(int page, PageView view)")]
    [InlineData("(string page)")]
    [InlineData("(string page, string view)")]
    [InlineData("(string page, PageView view, int extra)")]
    [InlineData("(string page, ref PageView view)")]
    public async Task Parameters_that_do_not_match_the_topic_are_reported_with_both_types(string parameters)
    {
        await Verifier.AnalyzerAsync(Topics + $$"""
            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                public void Process{|#0:{{parameters}}|} { }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.ProcessingMethodParameters).WithLocation(0)
                .WithArguments("Process", "string", "PageView", "PageViews"));
    }

    [Fact]
    public async Task Unsupported_return_type_is_reported()
    {
        await Verifier.AnalyzerAsync(Topics + """
            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                public {|#0:Task<int>|} ProcessAsync(string page, PageView view) => Task.FromResult(1);
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.ProcessingMethodReturnType).WithLocation(0).WithArguments("ProcessAsync", "Task<int>"));
    }

    [Fact]
    public async Task Async_void_processing_method_is_reported_on_its_return_type()
    {
        await Verifier.AnalyzerAsync(Topics + """
            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                public async {|#0:void|} Process(string page, PageView view) { await Task.Yield(); }
                private async void Helper() { await Task.Yield(); }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.AsyncVoidProcessingMethod).WithLocation(0).WithArguments("Process"));
    }

    [Fact]
    public async Task Subscribing_to_a_type_that_is_not_a_topic_is_reported()
    {
        await Verifier.AnalyzerAsync(Topics + """
            [Agent({|#0:typeof(PageCounts)|})]
            public sealed partial class CountViews
            {
                public void Process(string page, long count) { }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.AgentTopicNotATopic).WithLocation(0).WithArguments("CountViews", "PageCounts"));
    }

    [Fact]
    public async Task Private_or_static_process_is_reported_when_there_is_no_public_one()
    {
        await Verifier.AnalyzerAsync(Topics + """
            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                void {|#0:Process|}(string page, PageView view) { }
            }

            [Agent(typeof(PageViews))]
            public sealed partial class CountViews2
            {
                public static void {|#1:ProcessAsync|}(string page, PageView view) { }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.ProcessingMethodNotPublic).WithLocation(0).WithArguments("Process"),
            Verifier.Diagnostic(DiagnosticDescriptors.ProcessingMethodNotPublic).WithLocation(1).WithArguments("ProcessAsync"));
    }

    [Fact]
    public async Task Constructor_taking_undeclared_table_or_topic_classes_is_reported()
    {
        await Verifier.AnalyzerAsync(Topics + """
            public sealed class LooseTable : Table<string, long> { public LooseTable() : base(null!) { } }
            public sealed class LooseTopic : Topic<string, long> { public LooseTopic() : base(null!, null!) { } }

            [Agent(typeof(PageViews))]
            public sealed partial class CountViews({|#0:LooseTable|} table, {|#1:LooseTopic|} topic, PageCounts counts, PageViews views, IServiceProvider services)
            {
                public void Process(string page, PageView view) { }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.TableParameterNotDeclared).WithLocation(0).WithArguments("CountViews", "LooseTable"),
            Verifier.Diagnostic(DiagnosticDescriptors.TopicParameterNotDeclared).WithLocation(1).WithArguments("CountViews", "LooseTopic"));
    }

    [Fact]
    public async Task Concurrency_below_one_and_bad_names_are_reported()
    {
        await Verifier.AnalyzerAsync(Topics + """
            [Agent(typeof(PageViews), Concurrency = {|#0:0|}, Name = {|#1:"count views"|})]
            public sealed partial class CountViews
            {
                public void Process(string page, PageView view) { }
            }

            [Agent(typeof(PageViews), Concurrency = 8, Name = "count-views.v2")]
            public sealed partial class CountViews2
            {
                public void Process(string page, PageView view) { }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidConcurrency).WithLocation(0).WithArguments("CountViews", 0),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidAgentName).WithLocation(1)
                .WithArguments("count views", "it contains a space; use only a-z, A-Z, 0-9, '.', '_' and '-'"));
    }
}
