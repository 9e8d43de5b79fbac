using System.Threading.Tasks;
using Faustish.Analyzers.Diagnostics;
using Verifier = Faustish.Analyzers.Tests.Infrastructure.Verify<Faustish.Analyzers.Analyzers.BlockingCallAnalyzer>;

namespace Faustish.Analyzers.Tests;

public sealed class BlockingCallAnalyzerTests
{
    private const string Topic = """
        [Topic("page-views")]
        public sealed partial class PageViews : Topic<string, PageView>;

        """;

    [Fact]
    public async Task Blocking_calls_inside_an_agent_are_reported()
    {
        await Verifier.AnalyzerAsync(Topic + """
            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                public void Process(string page, PageView view)
                {
                    var n = {|#0:Load().Result|};
                    {|#1:Save().Wait()|};
                    {|#2:Thread.Sleep(10)|};
                    {|#3:Save().GetAwaiter().GetResult()|};
                    var m = {|#4:LoadValue().GetAwaiter().GetResult()|};
                }

                private void Helper() => {|#5:Task.WaitAll(Save())|};

                private static Task<int> Load() => Task.FromResult(1);
                private static Task Save() => Task.CompletedTask;
                private static ValueTask<int> LoadValue() => new(1);
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.BlockingCall).WithLocation(0).WithArguments(".Result"),
            Verifier.Diagnostic(DiagnosticDescriptors.BlockingCall).WithLocation(1).WithArguments(".Wait()"),
            Verifier.Diagnostic(DiagnosticDescriptors.BlockingCall).WithLocation(2).WithArguments("Thread.Sleep"),
            Verifier.Diagnostic(DiagnosticDescriptors.BlockingCall).WithLocation(3).WithArguments(".GetAwaiter().GetResult()"),
            Verifier.Diagnostic(DiagnosticDescriptors.BlockingCall).WithLocation(4).WithArguments(".GetAwaiter().GetResult()"),
            Verifier.Diagnostic(DiagnosticDescriptors.BlockingCall).WithLocation(5).WithArguments("Task.WaitAll()"));
    }

    [Fact]
    public async Task Awaiting_inside_an_agent_and_blocking_outside_agents_are_not_reported()
    {
        await Verifier.AnalyzerAsync(Topic + """
            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                public async ValueTask ProcessAsync(string page, PageView view)
                {
                    var n = await Load();
                    await Task.Delay(10);
                    var done = Load();
                    if (done.IsCompleted) { }
                }

                private static Task<int> Load() => Task.FromResult(1);
            }

            public static class Tool
            {
                public static int Run() { Thread.Sleep(1); return Task.FromResult(1).Result; }
            }
            """);
    }
}
