using System;
using System.Diagnostics;
using System.Threading;

namespace Faustish.Kafka.Tests.Support;

/// <summary>
/// Sends events <c>0 … total-1</c> in order on a thread of its own, at most <c>rate</c> a second (so they flow while a
/// test changes the group, instead of arriving all at once), and never beyond the limit the test has opened with
/// <see cref="OpenUpTo"/>. Flushes when all are sent. The sender and its producer belong to that thread.
/// </summary>
internal sealed class PacedSender : IDisposable
{
    private const int Chunk = 1_000;
    private readonly RecordSender _sender;
    private readonly Action<RecordSender, long> _send;
    private readonly long _total;
    private readonly double _rate;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _opened = new(0);
    private long _limit;
    private long _sent;
    private volatile bool _flushed;
    private Exception? _failure;

    /// <param name="sender">A sender whose producer this object flushes and disposes.</param>
    /// <param name="total">How many events.</param>
    /// <param name="perSecond">The most events a second.</param>
    /// <param name="send">Sends event number <c>i</c>.</param>
    public PacedSender(RecordSender sender, long total, double perSecond, Action<RecordSender, long> send)
    {
        _sender = sender;
        _total = total;
        _rate = perSecond;
        _send = send;
        _thread = new Thread(Run) { IsBackground = true, Name = "paced-sender" };
        _thread.Start();
    }

    /// <summary>Events handed to the producer so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Whether every event was sent and delivered.</summary>
    public bool Done => _flushed;

    /// <summary>Lets the thread send events up to (not including) number <paramref name="limit"/>.</summary>
    public void OpenUpTo(long limit)
    {
        ThrowIfFailed();
        Interlocked.Exchange(ref _limit, Math.Min(limit, _total));
        _opened.Release();
    }

    /// <summary>Waits until all events are delivered; throws if the time runs out or sending failed.</summary>
    public void WaitUntilDone(TimeSpan timeout)
    {
        if (!_thread.Join(timeout))
        {
            throw new TimeoutException($"The sender did not deliver {_total:N0} events within {timeout} ({Sent:N0} handed to the producer).");
        }

        ThrowIfFailed();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _opened.Release();
        _thread.Join(TimeSpan.FromSeconds(30));
        _sender.Producer.Dispose();
        _stop.Dispose();
    }

    /// <summary>Throws if sending failed.</summary>
    public void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw new InvalidOperationException("The sender failed: " + failure.Message, failure);
        }
    }

    private void Run()
    {
        try
        {
            var clock = Stopwatch.StartNew();
            var paced = 0L; // events sent since the clock last restarted (pacing starts over after a wait at a limit)
            while (Sent < _total)
            {
                var limit = Interlocked.Read(ref _limit);
                if (Sent >= limit)
                {
                    _opened.Wait(TimeSpan.FromMilliseconds(100), _stop.Token);
                    clock.Restart();
                    paced = 0;
                    continue;
                }

                var end = Math.Min(limit, Sent + Chunk);
                for (var i = Sent; i < end; i++)
                {
                    _send(_sender, i);
                }

                paced += end - Sent;
                Interlocked.Exchange(ref _sent, end);
                var due = TimeSpan.FromSeconds(paced / _rate) - clock.Elapsed;
                if (due > TimeSpan.Zero && _stop.Token.WaitHandle.WaitOne(due))
                {
                    return;
                }
            }

            // Bounded: a delivery that cannot finish within this fails the test instead of hanging it.
            using var flushTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            flushTimeout.CancelAfter(TimeSpan.FromSeconds(90));
            _sender.Producer.Flush(flushTimeout.Token);
            _flushed = true;
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Volatile.Write(ref _failure, e);
        }
    }
}
