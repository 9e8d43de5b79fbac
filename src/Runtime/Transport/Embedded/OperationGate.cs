using System;
using System.Threading;

namespace Faustish.Transport.Embedded;

/// <summary>
/// Lets many threads use the transport's logs at once and lets <see cref="EmbeddedTransport.DisposeAsync"/>
/// close them only after every operation in flight has left, so that no log is touched after it is disposed.
/// </summary>
internal sealed class OperationGate(string description)
{
    private int _active;
    private int _closed;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public void Enter()
    {
        Interlocked.Increment(ref _active);
        if (Volatile.Read(ref _closed) != 0)
        {
            Interlocked.Decrement(ref _active);
            ThrowClosed();
        }
    }

    public void Exit() => Interlocked.Decrement(ref _active);

    public void ThrowIfClosed()
    {
        if (IsClosed)
        {
            ThrowClosed();
        }
    }

    /// <summary>Refuses new operations, then waits for those in flight to finish.</summary>
    public void CloseAndDrain()
    {
        Interlocked.Exchange(ref _closed, 1);
        var spin = new SpinWait();
        while (Volatile.Read(ref _active) != 0)
        {
            spin.SpinOnce(sleep1Threshold: 20);
        }
    }

    private void ThrowClosed() =>
        throw new ObjectDisposedException(nameof(EmbeddedTransport), $"The embedded transport on {description} has been disposed.");
}
