using System;
using System.Threading;

namespace Faustish.Transport.Embedded;

/// <summary>Reads one partition outside any group. Owned by one thread.</summary>
internal sealed class EmbeddedPartitionReader : IPartitionReader
{
    private readonly EmbeddedTransport _transport;
    private readonly PartitionCursor _cursor;
    private readonly ManualResetEventSlim _wake = new(initialState: false, spinCount: 1);
    private long _position;
    private bool _disposed;

    public EmbeddedPartitionReader(EmbeddedTransport transport, PartitionLog log, long fromOffset)
    {
        _transport = transport;
        _cursor = log.OpenCursor(fromOffset);
        _position = _cursor.Position;
        log.AddWaiter(_wake);
    }

    public long Position => _disposed ? _position : _cursor.Position;

    public bool Fetch(RecordBatch batch, int maxRecords, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var deadline = FetchWait.Deadline(timeout);
        var gate = _transport.Gate;
        while (true)
        {
            _wake.Reset();
            gate.Enter();
            try
            {
                if (_cursor.HasData && _cursor.Fill(batch, maxRecords) > 0)
                {
                    return true;
                }
            }
            finally
            {
                gate.Exit();
            }

            if (!FetchWait.Wait(_wake, deadline, long.MaxValue, cancellationToken))
            {
                return false;
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _position = _cursor.Position;
        _disposed = true;
        _cursor.Log.RemoveWaiter(_wake);
        _cursor.Dispose();
    }
}
