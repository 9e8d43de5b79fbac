using System.Threading.Tasks;
using Faustish.Analyzers.Diagnostics;
using AgentVerifier = Faustish.Analyzers.Tests.Infrastructure.Verify<Faustish.Analyzers.Analyzers.AgentAnalyzer>;
using Verifier = Faustish.Analyzers.Tests.Infrastructure.Verify<Faustish.Analyzers.Analyzers.StreamAnalyzer>;

namespace Faustish.Analyzers.Tests;

/// <summary>Stream agents: their method's shapes, the codec of their replies (FSH0113), and GroupBy's repartition topic (FSH0114).</summary>
public sealed class StreamAnalyzerTests
{
    private const string Topics = """
        [Topic("page-views", Partitions = 4)]
        public sealed partial class PageViews : Topic<string, PageView>;

        [Table("page-counts")]
        public sealed partial class PageCounts : Table<string, long>;

        """;

    private static string Agent(string method) => Topics + $$"""
        [Agent(typeof(PageViews))]
        public sealed partial class CountViews(PageCounts counts)
        {
            {{method}}
        }
        """;

    [Theory]
    [InlineData("public async Task ProcessAsync(Stream<string, PageView> views) { await foreach (var view in views) { counts[view.Page] += 1; } }")]
    [InlineData("public async ValueTask ProcessAsync(Stream<string, PageView> views) { await foreach (var (page, _) in views.GroupBy(v => v.Page, \"page\").Items()) { counts[page] += 1; } }")]
    [InlineData("public async IAsyncEnumerable<long> ProcessAsync(Stream<string, PageView> views) { await foreach (var view in views) { yield return counts[view.Page] += 1; } }")]
    [InlineData("public async IAsyncEnumerable<PageView> ProcessAsync(Stream<string, PageView> views) { await foreach (var view in views) { counts[view.Page] += 1; yield return view; } }")]
    public async Task Stream_agents_of_every_shape_are_not_reported(string method)
    {
        await AgentVerifier.AnalyzerAsync(Agent(method));
        await Verifier.AnalyzerAsync(Agent(method));
    }

    [Fact]
    public async Task A_reply_type_without_a_codec_is_reported()
    {
        var source = Agent("""
            public async {|#0:IAsyncEnumerable<Receipt>|} ProcessAsync(Stream<string, PageView> views)
            {
                await foreach (var view in views) { counts[view.Page] += 1; yield return new Receipt(view.Page); }
            }
            """) + "\npublic sealed record Receipt(string Page);\n";
        await AgentVerifier.AnalyzerAsync(source,
            AgentVerifier.Diagnostic(DiagnosticDescriptors.ReplyTypeWithoutCodec).WithLocation(0).WithArguments("CountViews", "Receipt", "string", "PageView"));
    }

    [Fact]
    public async Task A_GroupBy_name_that_is_not_a_constant_is_reported()
    {
        await Verifier.AnalyzerAsync(Agent("""
            public async Task ProcessAsync(Stream<string, PageView> views)
            {
                var name = "by-" + views.GetHashCode();
                await foreach (var view in views.GroupBy(v => v.Page, {|#0:name|})) { counts[view.Page] += 1; }
            }
            """),
            Verifier.Diagnostic(DiagnosticDescriptors.GroupByNotDeclarable).WithLocation(0).WithArguments("its name is not a constant string; write the name as a literal or a const"));
    }

    [Fact]
    public async Task A_GroupBy_key_without_a_primitive_encoding_is_reported()
    {
        await Verifier.AnalyzerAsync(Agent("""
            public async Task ProcessAsync(Stream<string, PageView> views)
            {
                await foreach (var view in views.GroupBy({|#0:v => v|}, "view")) { counts[view.Page] += 1; }
            }
            """),
            Verifier.Diagnostic(DiagnosticDescriptors.GroupByNotDeclarable).WithLocation(0).WithArguments(
                "its key type 'PageView' has no primitive encoding; group by a string, int, long or double (a member of the record, or a string made of several)"));
    }
}
