using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace Faustish.Cli;

/// <summary>
/// A token that Ctrl+C (SIGINT) or SIGTERM cancels, for commands that run until stopped (<c>topic read --follow</c>):
/// they end cleanly, with their output flushed, instead of the process being killed mid-line.
/// </summary>
internal sealed class StopOnSignal : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public StopOnSignal(CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    }

    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _stop.Dispose();
    }

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true; // The command stops on its own, promptly.
        _stop.Cancel();
    }
}
