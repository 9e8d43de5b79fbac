using System.Threading.Tasks;
using Faustish.Analyzers.Diagnostics;
using Verifier = Faustish.Analyzers.Tests.Infrastructure.Verify<Faustish.Analyzers.Analyzers.TimerAnalyzer>;

namespace Faustish.Analyzers.Tests;

public sealed class TimerAnalyzerTests
{
    private const string Topics = """
        [Topic("page-views", Partitions = 4)]
        public sealed partial class PageViews : Topic<string, PageView>;

        [Table("page-counts")]
        public sealed partial class PageCounts : Table<string, long>;

        """;

    private static string Agent(string members) => Topics + $$"""
        [Agent(typeof(PageViews))]
        public sealed partial class CountViews(PageCounts counts)
        {
            public void Process(string page, PageView view) => counts[page] += 1;

            {{members}}
        }
        """;

    [Theory]
    [InlineData("[Timer(\"10s\")] public void Report() { }")]
    [InlineData("[Timer(\"500ms\", OnLeader = true)] public Task Report() => Task.CompletedTask;")]
    [InlineData("[Timer(\"00:00:10\")] public async Task Report(CancellationToken cancellationToken) { await Task.Delay(1, cancellationToken); }")]
    [InlineData("[Timer(\"1h\")] internal ValueTask Report() => default;")]
    [InlineData("[Crontab(\"*/5 * * * *\")] public void Sweep() { }")]
    [InlineData("[Crontab(\"30 */5 * * * *\", TimeZone = \"Europe/Paris\", OnLeader = true)] public void Sweep() { }")]
    [InlineData("[Crontab(\"0 9 * * MON-FRI\", TimeZone = \"UTC\")] public void Sweep() { }")]
    [InlineData("[OnStart] public void Warm() { } [OnStop] public Task Flush() => Task.CompletedTask;")]
    public async Task Well_formed_timers_and_hooks_are_not_reported(string members)
    {
        await Verifier.AnalyzerAsync(Agent(members));
    }

    [Theory]
    [InlineData("10", "'10' has no unit; write one of ms, s, m, h or d after the number, e.g. \"10s\"")]
    [InlineData("0s", "'0s' is not more than zero; a timer needs a positive interval, e.g. \"10s\"")]
    [InlineData("-00:00:01", "'-00:00:01' is not more than zero; a timer needs a positive interval, e.g. \"10s\"")]
    [InlineData("10 seconds", "'10 seconds' is not an interval; write a number and a unit (ms, s, m, h or d), e.g. \"10s\", or a TimeSpan such as \"00:00:10\"")]
    [InlineData("", "the interval is empty; write a number and a unit, e.g. \"10s\", \"500ms\", \"1m\" or \"1h\"")]
    public async Task An_interval_that_does_not_parse_or_is_not_positive_is_reported_with_what_to_write(string interval, string reason)
    {
        await Verifier.AnalyzerAsync(Agent($$"""[{|#0:Timer("{{interval}}")|}] public void Report() { }"""),
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidTimerInterval).WithLocation(0).WithArguments("Report", reason));
    }

    [Theory]
    [InlineData("*/5 * * *")]
    [InlineData("61 * * * *")]
    [InlineData("every five minutes")]
    public async Task A_cron_expression_Cronos_rejects_is_reported(string expression)
    {
        var test = Agent($$"""[{|#0:Crontab("{{expression}}")|}] public void Sweep() { }""");
        var problem = CronosMessage(expression);
        await Verifier.AnalyzerAsync(test,
            Verifier.Diagnostic(DiagnosticDescriptors.InvalidCronExpression).WithLocation(0).WithArguments("Sweep", expression, problem));
    }

    [Fact]
    public async Task A_time_zone_that_does_not_exist_is_reported()
    {
        await Verifier.AnalyzerAsync(Agent("""[{|#0:Crontab("0 9 * * *", TimeZone = "Europe/Atlantis")|}] public void MorningReport() { }"""),
            Verifier.Diagnostic(DiagnosticDescriptors.UnknownTimeZone).WithLocation(0).WithArguments("MorningReport", "Europe/Atlantis"));
    }

    [Theory]
    [InlineData("Timer(\"10s\")", "Timer")]
    [InlineData("Crontab(\"* * * * *\")", "Crontab")]
    [InlineData("OnStart", "OnStart")]
    [InlineData("OnStop", "OnStop")]
    public async Task A_timer_or_hook_on_a_class_that_is_not_an_agent_is_reported(string attribute, string name)
    {
        await Verifier.AnalyzerAsync($$"""
            public sealed class Reports
            {
                [{|#0:{{attribute}}|}]
                public void Publish() { }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.ScheduledMethodOutsideAgent).WithLocation(0).WithArguments(name, "Publish", "Reports"));
    }

    [Theory]
    [InlineData("[Timer(\"10s\")] public void {|#0:Report|}(string page) { }", "Timer", "it takes parameters; it may take none, or only a CancellationToken")]
    [InlineData("[Timer(\"10s\")] public void {|#0:Report|}(CancellationToken a, CancellationToken b) { }", "Timer", "it takes parameters; it may take none, or only a CancellationToken")]
    [InlineData("[Timer(\"10s\")] public int {|#0:Report|}() => 0;", "Timer", "it returns 'int'; return void or Task")]
    [InlineData("[Crontab(\"* * * * *\")] public Task<int> {|#0:Sweep|}() => Task.FromResult(0);", "Crontab", "it returns 'System.Threading.Tasks.Task<int>'; return void or Task")]
    [InlineData("[OnStart] public async void {|#0:Warm|}() { await Task.Yield(); }", "OnStart", "it is 'async void', which nobody can wait for; return Task instead")]
    [InlineData("[OnStop] private void {|#0:Flush|}() { }", "OnStop", "it is not public or internal, so the generated code cannot call it; make it public or internal")]
    [InlineData("[Timer(\"10s\")] public static void {|#0:Report|}() { }", "Timer", "it is static; make it an instance method, so it can use the agent's tables and topics")]
    [InlineData("[Timer(\"10s\")] public void {|#0:Report|}<T>() { }", "Timer", "it is generic; remove its type parameters")]
    public async Task A_method_the_worker_cannot_call_is_reported_with_what_to_change(string members, string attribute, string problem)
    {
        var name = members.Substring(members.IndexOf("{|#0:", System.StringComparison.Ordinal) + 5).Split('|')[0];
        await Verifier.AnalyzerAsync(Agent(members),
            Verifier.Diagnostic(DiagnosticDescriptors.ScheduledMethodSignature).WithLocation(0).WithArguments(attribute, name, problem));
    }

    private static string CronosMessage(string expression)
    {
        try
        {
            Cronos.CronExpression.Parse(expression);
            return "";
        }
        catch (Cronos.CronFormatException exception)
        {
            return exception.Message.TrimEnd('.');
        }
    }
}
