using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace Faustish.Agents;

/// <summary>
/// Questions for a worker from other threads (the web server's table reads). Table state belongs to the worker's
/// thread, so instead of locking it on every event the worker answers these between batches: the loop pays one
/// emptiness check per turn, and a reader waits at most one batch or one poll.
/// </summary>
internal sealed class WorkerMailbox
{
    private readonly ConcurrentQueue<Action> _questions = new();
    private volatile bool _closed;

    /// <summary>Asks <paramref name="question"/> on the worker's thread; fails with <see cref="TimeoutException"/> when it does not answer in time.</summary>
    public Task<T> AskAsync<T>(Func<T> question, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_closed)
        {
            answer.SetException(new WorkerStoppedException());
            return answer.Task;
        }

        _questions.Enqueue(() =>
        {
            try
            {
                answer.TrySetResult(question());
            }
            catch (Exception exception)
            {
                answer.TrySetException(exception);
            }
        });
        if (_closed)
        {
            Close();
        }

        return answer.Task.WaitAsync(timeout, cancellationToken);
    }

    /// <summary>Answers every waiting question; called by the worker between batches.</summary>
    public void Answer()
    {
        while (_questions.TryDequeue(out var question))
        {
            question();
        }
    }

    /// <summary>The worker stops: questions asked from now on, and those still waiting, fail at once.</summary>
    public void Close()
    {
        _closed = true;
        while (_questions.TryDequeue(out _))
        {
            // Dropped questions time out at their askers; none is answered from a worker that no longer holds state.
        }
    }

    public bool IsEmpty => _questions.IsEmpty;
}

/// <summary>The worker asked stopped before it could answer.</summary>
internal sealed class WorkerStoppedException() : InvalidOperationException("The worker stopped; ask again once it runs.");
