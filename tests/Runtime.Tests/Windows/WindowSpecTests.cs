using System;
using System.Linq;
using Faustish.Tables.Windows;

namespace Faustish.Tests.Windows;

public sealed class WindowSpecTests
{
    [Theory]
    [InlineData("tumbling 1m", null, WindowKind.Tumbling, 60_000, 60_000, 0, 60_000)]
    [InlineData("tumbling 1m grace 10s", "1h", WindowKind.Tumbling, 60_000, 60_000, 10_000, 3_600_000)]
    [InlineData("HOPPING 10m every 1m", null, WindowKind.Hopping, 600_000, 60_000, 0, 600_000)]
    [InlineData("sliding 500ms grace 1s", null, WindowKind.Sliding, 500, 0, 1_000, 1_500)]
    [InlineData("session 30m grace 1d", "2d", WindowKind.Session, 1_800_000, 0, 86_400_000, 172_800_000)]
    public void Specifications_parse_with_retention_defaulting_to_size_plus_grace(string window, string? expires, WindowKind kind, long size, long step, long grace, long retention)
    {
        var spec = WindowSpec.Parse("t", window, expires);
        Assert.Equal(kind, spec.Kind);
        Assert.Equal(size, spec.SizeMs);
        Assert.Equal(step, spec.StepMs);
        Assert.Equal(grace, spec.GraceMs);
        Assert.Equal(retention, spec.RetentionMs);
    }

    [Theory]
    [InlineData(null, null, "Window is missing")]
    [InlineData("rolling 1m", null, "'rolling' is not a window kind")]
    [InlineData("tumbling", null, "needs a size")]
    [InlineData("tumbling m", null, "is not a duration")]
    [InlineData("tumbling 1 m", null, "'1' has no known unit")]
    [InlineData("tumbling 1w", null, "no known unit")]
    [InlineData("hopping 1m", null, "needs a step")]
    [InlineData("hopping 1m every 2m", null, "leave gaps")]
    [InlineData("session 0s", null, "greater than zero")]
    [InlineData("tumbling 1m grace", null, "only 'grace <duration>'")]
    [InlineData("tumbling 1m grace 1s extra", null, "unexpected 'extra'")]
    [InlineData("tumbling 1m grace 10s", "1m", "shorter than the size plus grace")]
    [InlineData("tumbling 1m", "soon", "Expires 'soon' is not a duration")]
    public void A_bad_specification_fails_at_start_saying_what_to_change(string? window, string? expires, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => WindowSpec.Parse("views", window, expires));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("Windowed table 'views'", error.Message, StringComparison.Ordinal);
        Assert.Contains("[Table(Window = ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_windowed_changelog_is_compacted_and_kept_until_its_windows_expire_plus_a_day()
    {
        var definition = WindowTestKit.Definition("tumbling 1m grace 10s", "1h");
        var topology = new Agents.AppTopology(new Agents.AppModel([], [definition], []), "app");

        var changelog = topology.RequiredTopics().Single(t => t.Name == definition.ChangelogTopic("app"));
        Assert.True(changelog.Compacted);
        // Retention (1 h) + size (1 m) + grace (10 s) + one day: no record is deleted while its window can be restored.
        Assert.Equal(3_600_000 + 60_000 + 10_000 + 86_400_000L, changelog.RetentionMs);
    }

    [Fact]
    public void The_topology_rejects_a_bad_window_at_start()
    {
        var definition = WindowTestKit.Definition("tumbling 1m grace 10s", "30s");
        var error = Assert.Throws<InvalidOperationException>(() => new Agents.AppTopology(new Agents.AppModel([], [definition], []), "app"));
        Assert.Contains("shorter than the size plus grace", error.Message, StringComparison.Ordinal);
    }
}
