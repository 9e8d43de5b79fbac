using System;
using System.Collections.Generic;
using Microsoft.Extensions.Logging;

namespace Faustish.Hosting;

/// <summary>A warning or error the app logged, as the status page lists it.</summary>
internal sealed record LoggedProblem(DateTimeOffset At, string Level, string Category, string Message);

/// <summary>
/// The last warnings and errors the app logged (Faustish's own categories), kept for the status page. Logging already
/// says everything worth seeing; this only remembers the latest few, so a person opening the page sees why.
/// </summary>
internal sealed class RecentProblems
{
    private const int Kept = 20;
    private readonly Queue<LoggedProblem> _problems = new();
    private readonly object _gate = new();

    /// <summary>The problems, oldest first.</summary>
    public IReadOnlyList<LoggedProblem> Snapshot()
    {
        lock (_gate)
        {
            return [.. _problems];
        }
    }

    public void Add(LoggedProblem problem)
    {
        lock (_gate)
        {
            if (_problems.Count == Kept)
            {
                _problems.Dequeue();
            }

            _problems.Enqueue(problem);
        }
    }

    /// <summary>A logger provider that feeds <paramref name="problems"/> with Faustish's warnings and errors.</summary>
    public static ILoggerProvider Provider(RecentProblems problems) => new ProblemLoggerProvider(problems);

    private sealed class ProblemLoggerProvider(RecentProblems problems) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => categoryName.StartsWith("Faustish", StringComparison.Ordinal)
            ? new ProblemLogger(problems, categoryName)
            : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public void Dispose()
        {
        }
    }

    private sealed class ProblemLogger(RecentProblems problems, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                problems.Add(new LoggedProblem(DateTimeOffset.UtcNow, logLevel.ToString(), category, formatter(state, exception)));
            }
        }
    }
}
