using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;

namespace Faustish.EndToEnd.Tests;

/// <summary>
/// A stack trace through generated code names files that are on disk: the package's build props (imported here
/// through eng/UseFaustish.props, as a package reference imports them) write the generated files under obj/generated,
/// and the compiler names them by that path in the PDB.
/// </summary>
public sealed class GeneratedSourcePathTests
{
    [Fact]
    public void An_agent_exception_s_stack_trace_points_at_the_generated_loop_on_disk_and_at_the_user_s_method()
    {
        using var app = new TestApp(TestApp.CommandsModel);
        app.Send(sender => sender.Send(AccountCommands.Definition, "acct-1", new AccountCommand("fail", 1)));

        var failure = Assert.Throws<AgentFailedException>(() => app.RunUntil(1));
        var frames = new StackTrace(failure.InnerException!, fNeedFileInfo: true).GetFrames()
            .Where(f => f.GetFileName() is not null)
            .Select(f => (File: f.GetFileName()!, Line: f.GetFileLineNumber()))
            .ToList();

        var user = Assert.Single(frames, f => Path.GetFileName(f.File) == "Commands.cs");
        Assert.True(File.Exists(user.File), user.File);
        var generated = Assert.Single(frames, f => f.File.EndsWith(".Agent.g.cs", StringComparison.Ordinal));
        Assert.True(File.Exists(generated.File), $"the trace names {generated.File}, which is not on disk");
        Assert.Contains(Path.Combine("EndToEnd.Worker", "obj", "generated"), generated.File, StringComparison.Ordinal);
        var line = File.ReadAllLines(generated.File)[generated.Line - 1];
        Assert.Contains("_agent.Process(key, value", line, StringComparison.Ordinal);
    }
}
