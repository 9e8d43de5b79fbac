using System;
using System.Diagnostics;
using System.Threading;

namespace Faustish.Transport.Embedded;

/// <summary>Deadlines and the blocking (never spinning) wait of fetches.</summary>
internal static class FetchWait
{
    public static long Deadline(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return long.MaxValue;
        }

        if (timeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The fetch timeout must be zero or more, or Timeout.InfiniteTimeSpan.");
        }

        var ticks = timeout.TotalSeconds * Stopwatch.Frequency;
        var now = Stopwatch.GetTimestamp();
        return ticks >= long.MaxValue - now ? long.MaxValue : now + (long)ticks;
    }

    /// <summary>
    /// Blocks on <paramref name="wake"/> until it is set, <paramref name="deadline"/> or <paramref name="recheckAt"/>
    /// passes, or <paramref name="cancellationToken"/> fires. Returns false when the deadline passed or the
    /// token fired (the fetch should give up), true when the caller should look again.
    /// </summary>
    public static bool Wait(ManualResetEventSlim wake, long deadline, long recheckAt, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        if (now >= deadline || cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        var until = Math.Min(deadline, recheckAt);
        var milliseconds = until == long.MaxValue
            ? Timeout.Infinite
            : (int)Math.Clamp((until - now) * 1000 / Stopwatch.Frequency + 1, 0, int.MaxValue - 1);
        try
        {
            wake.Wait(milliseconds, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        return !cancellationToken.IsCancellationRequested;
    }
}
