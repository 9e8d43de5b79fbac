using System.Threading.Tasks;
using Faustish.Analyzers.Diagnostics;
using Verifier = Faustish.Analyzers.Tests.Infrastructure.Verify<Faustish.Analyzers.Analyzers.TableWriteAnalyzer>;

namespace Faustish.Analyzers.Tests;

public sealed class TableWriteAnalyzerTests
{
    private const string Model = """
        [Topic("page-views", Partitions = 4)]
        public sealed partial class PageViews : Topic<string, PageView>;

        [Topic("clicks", Partitions = 8)]
        public sealed partial class Clicks : Topic<string, PageView>;

        [Table("page-counts")]
        public sealed partial class PageCounts : Table<string, long>;

        [Table("fixed-counts", Partitions = 4)]
        public sealed partial class FixedCounts : Table<string, long>;

        [Table("baskets")]
        public sealed partial class Baskets : Table<string, Basket>;

        """;

    [Fact]
    public async Task Writes_from_the_agent_that_owns_the_table_are_not_reported()
    {
        await Verifier.AnalyzerAsync(Model + """
            [Agent(typeof(PageViews))]
            public sealed partial class CountViews(PageCounts counts, FixedCounts fixedCounts)
            {
                public void Process(string page, PageView view)
                {
                    counts[page] += 1;
                    counts[page]++;
                    counts[page] = counts[page] * 2;
                    counts.Increment(page, 3);
                    counts.Remove("old");
                    fixedCounts[page] = 1;
                    Bump(page);
                }

                private void Bump(string page) => counts.Increment(page);
            }

            public static class TableHelpers
            {
                public static void Add(Table<string, long> table, string key) => table[key] += 1;
            }
            """);
    }

    [Fact]
    public async Task Writes_outside_an_agent_are_reported()
    {
        await Verifier.AnalyzerAsync(Model + """
            public sealed class Admin(PageCounts counts)
            {
                public void Reset(string page)
                {
                    {|#0:counts[page] = 0|};
                    {|#1:counts.Remove(page)|};
                    {|#2:counts.Increment(page)|};
                    {|#3:counts[page]++|};
                    var read = counts[page];
                }
            }

            [Agent(typeof(PageViews))]
            public sealed partial class CountViews
            {
                public CountViews(PageCounts counts) { {|#4:counts["start"] = 1|}; }
                public void Process(string page, PageView view) { }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.TableWrittenOutsideAgent).WithLocation(0).WithArguments("PageCounts", "Admin.Reset"),
            Verifier.Diagnostic(DiagnosticDescriptors.TableWrittenOutsideAgent).WithLocation(1).WithArguments("PageCounts", "Admin.Reset"),
            Verifier.Diagnostic(DiagnosticDescriptors.TableWrittenOutsideAgent).WithLocation(2).WithArguments("PageCounts", "Admin.Reset"),
            Verifier.Diagnostic(DiagnosticDescriptors.TableWrittenOutsideAgent).WithLocation(3).WithArguments("PageCounts", "Admin.Reset"),
            Verifier.Diagnostic(DiagnosticDescriptors.TableWrittenOutsideAgent).WithLocation(4).WithArguments("PageCounts", "CountViews.CountViews"));
    }

    [Fact]
    public async Task A_test_may_seed_the_tables_of_an_agent_test_context_but_not_a_table_it_keeps()
    {
        await Verifier.AnalyzerAsync(Model + """
            public sealed class CountViewsTests
            {
                public void Seed(Faustish.Testing.AgentTestContext<string, PageView> test)
                {
                    test.Table<PageCounts>()["/home"] = 9_999;
                    test.Table<PageCounts>().Increment("/about");
                    var counts = test.Table<PageCounts>();
                    {|#0:counts["/faq"] = 1|};
                }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.TableWrittenOutsideAgent).WithLocation(0).WithArguments("PageCounts", "CountViewsTests.Seed"));
    }

    [Fact]
    public async Task A_global_table_may_be_written_by_agents_of_any_partition_count()
    {
        await Verifier.AnalyzerAsync(Model + """
            [Table("rates", Partitions = 3)]
            public sealed partial class Rates : GlobalTable<string, long>;

            [Agent(typeof(PageViews))]
            public sealed partial class A(Rates rates)
            {
                public void Process(string page, PageView view) => rates[page] = 1;
            }

            [Agent(typeof(Clicks))]
            public sealed partial class B(Rates rates)
            {
                public void Process(string page, PageView view) => rates.Increment(page);
            }
            """);
    }

    [Fact]
    public async Task Windowed_table_writes_outside_an_agent_are_reported_and_reads_are_not()
    {
        await Verifier.AnalyzerAsync(Model + """
            [Table("per-minute", Window = "tumbling 1m")]
            public sealed partial class PerMinute : WindowedTable<string, long>;

            public sealed class Janitor(PerMinute perMinute)
            {
                public void Poke(string page)
                {
                    {|#0:perMinute[page] = 3|};
                    {|#1:perMinute.Increment(page)|};
                    {|#2:perMinute.Remove(page)|};
                    var read = perMinute[page].Current();
                }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.TableWrittenOutsideAgent).WithLocation(0).WithArguments("PerMinute", "Janitor.Poke"),
            Verifier.Diagnostic(DiagnosticDescriptors.TableWrittenOutsideAgent).WithLocation(1).WithArguments("PerMinute", "Janitor.Poke"),
            Verifier.Diagnostic(DiagnosticDescriptors.TableWrittenOutsideAgent).WithLocation(2).WithArguments("PerMinute", "Janitor.Poke"));
    }

    /// <summary>A windowed table of lists gets generated indexers on its own class (collection-expression targets); they write too.</summary>
    [Fact]
    public async Task Writes_through_the_generated_indexers_of_a_windowed_table_of_collections_outside_an_agent_are_reported()
    {
        await Verifier.AnalyzerAsync(Model + """
            [Table("samples-per-minute", Window = "tumbling 1m")]
            public sealed partial class SamplesPerMinute : WindowedTable<string, System.Collections.Generic.List<long>>;

            // The shape the generator declares for such a table.
            public sealed partial class SamplesPerMinute
            {
                public new KeyWindows this[string key] { get => new(base[key]); set => base[key] = value.Set; }

                public readonly struct KeyWindows(WindowSet<string, System.Collections.Generic.List<long>> set)
                {
                    public WindowSet<string, System.Collections.Generic.List<long>> Set { get; } = set;

                    public System.Collections.Generic.List<long> Value() => Set.Value();

                    public static implicit operator KeyWindows(System.Collections.Generic.List<long> value) => new(value);
                }
            }

            public sealed class Janitor(SamplesPerMinute samples)
            {
                public void Poke(string sensor)
                {
                    {|#0:samples[sensor] = new System.Collections.Generic.List<long> { 1 }|};
                    var read = samples[sensor].Value();
                }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.TableWrittenOutsideAgent).WithLocation(0).WithArguments("SamplesPerMinute", "Janitor.Poke"));
    }

    [Fact]
    public async Task Write_from_an_agent_whose_topic_has_another_partition_count_is_reported_with_both_counts()
    {
        await Verifier.AnalyzerAsync(Model + """
            [Agent(typeof(Clicks))]
            public sealed partial class CountClicks(FixedCounts counts)
            {
                public void Process(string page, PageView view) { {|#0:counts[page] += 1|}; }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.TablePartitionMismatch).WithLocation(0)
                .WithArguments("FixedCounts", 4, "CountClicks", "Clicks", 8));
    }

    [Fact]
    public async Task Table_written_by_agents_of_differently_partitioned_topics_is_reported_on_each()
    {
        await Verifier.AnalyzerAsync(Model + """
            [Agent(typeof(PageViews))]
            public sealed partial class CountViews(PageCounts counts)
            {
                public void Process(string page, PageView view) { {|#0:counts.Increment(page)|}; counts[page] += 1; }
            }

            [Agent(typeof(Clicks))]
            public sealed partial class CountClicks(PageCounts counts)
            {
                public void Process(string page, PageView view) { {|#1:counts[page] += 1|}; }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.TableWritersPartitionMismatch).WithLocation(1)
                .WithArguments("PageCounts", "CountClicks", "Clicks", 8, "CountViews", "PageViews", 4),
            Verifier.Diagnostic(DiagnosticDescriptors.TableWritersPartitionMismatch).WithLocation(0)
                .WithArguments("PageCounts", "CountViews", "PageViews", 4, "CountClicks", "Clicks", 8));
    }

    [Fact]
    public async Task Two_agents_of_equally_partitioned_topics_are_not_reported()
    {
        await Verifier.AnalyzerAsync(Model + """
            [Topic("more-views", Partitions = 4)]
            public sealed partial class MoreViews : Topic<string, PageView>;

            [Agent(typeof(PageViews))]
            public sealed partial class CountViews(PageCounts counts)
            {
                public void Process(string page, PageView view) => counts[page] += 1;
            }

            [Agent(typeof(MoreViews))]
            public sealed partial class CountMore(PageCounts counts)
            {
                public void Process(string page, PageView view) => counts[page] += 1;
            }
            """);
    }

    [Fact]
    public async Task Changing_a_table_value_in_place_is_reported()
    {
        await Verifier.AnalyzerAsync(Model + """
            [Agent(typeof(PageViews))]
            public sealed partial class Collect(Baskets baskets)
            {
                public void Process(string page, PageView view)
                {
                    {|#0:baskets[view.User].Items.Add(page)|};
                    {|#1:baskets[view.User].Count++|};
                    var basket = baskets[view.User];
                    {|#2:basket.Count = 3|};
                    if (baskets.TryGetValue(page, out var other))
                    {
                        {|#3:other.Items.Clear()|};
                    }
                }
            }
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.TableValueMutatedInPlace).WithLocation(0).WithArguments("baskets"),
            Verifier.Diagnostic(DiagnosticDescriptors.TableValueMutatedInPlace).WithLocation(1).WithArguments("baskets"),
            Verifier.Diagnostic(DiagnosticDescriptors.TableValueMutatedInPlace).WithLocation(2).WithArguments("baskets"),
            Verifier.Diagnostic(DiagnosticDescriptors.TableValueMutatedInPlace).WithLocation(3).WithArguments("baskets"));
    }

    [Fact]
    public async Task Changing_a_value_and_writing_it_back_is_not_reported()
    {
        await Verifier.AnalyzerAsync(Model + """
            [Agent(typeof(PageViews))]
            public sealed partial class Collect(Baskets baskets, PageCounts counts)
            {
                public void Process(string page, PageView view)
                {
                    var basket = baskets[view.User];
                    basket.Items.Add(page);
                    basket.Count++;
                    baskets[view.User] = basket;

                    var fresh = new Basket();
                    fresh.Count = 1;
                    baskets[page] = fresh;

                    var shared = baskets[page];
                    Save(shared);
                    shared.Count = 2;

                    var total = counts[page];
                    total++;
                    var size = baskets[page].Items.Count;
                }

                private void Save(Basket basket) => baskets["x"] = basket;
            }
            """);
    }
}
