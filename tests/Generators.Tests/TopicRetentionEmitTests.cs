using System.Linq;

namespace Faustish.Generators.Tests;

/// <summary>
/// A topic's declared retention reaches its definition: the generator emits it as an initializer (only when declared,
/// so topics without one are emitted as before), and the output compiles.
/// </summary>
public sealed class TopicRetentionEmitTests
{
    [Fact]
    public void Retention_and_retention_bytes_are_emitted_into_the_definition()
    {
        var (files, output, diagnostics) = GeneratorHarness.Run("""
            using Faustish;

            namespace Shop;

            public sealed record Click(string Page);

            [Topic("clicks", Partitions = 2, Retention = "1h", RetentionBytes = 1073741824)]
            public sealed partial class Clicks : Topic<string, Click>;

            [Topic("views")]
            public sealed partial class Views : Topic<string, Click>;
            """);

        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var clicks = files.Single(f => f.Key.Contains("Clicks", System.StringComparison.Ordinal)).Value;
        Assert.Contains("Retention = \"1h\",", clicks, System.StringComparison.Ordinal);
        Assert.Contains("RetentionBytes = 1073741824L,", clicks, System.StringComparison.Ordinal);
        var views = files.Single(f => f.Key.Contains("Views", System.StringComparison.Ordinal)).Value;
        Assert.DoesNotContain("Retention", views, System.StringComparison.Ordinal);
    }
}
