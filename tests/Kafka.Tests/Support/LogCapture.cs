using System;
using System.Collections.Concurrent;
using System.Linq;
using Microsoft.Extensions.Logging;

namespace Faustish.Kafka.Tests.Support;

/// <summary>
/// Keeps every log entry of an in-process app (time, level, category, text) for assertions and failure messages.
/// Add it to a host's logging, or make a factory with <see cref="CreateFactory"/>.
/// </summary>
internal sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<CapturedLog> Entries { get; } = new();

    /// <summary>A logger factory writing here only (Information and up).</summary>
    public ILoggerFactory CreateFactory() => LoggerFactory.Create(logging => logging.AddProvider(this).SetMinimumLevel(LogLevel.Information));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>The last entries, one a line, for failure messages.</summary>
    public string Tail(int count = 60) => string.Join('\n', Entries.TakeLast(count).Select(e => e.ToString()));

    /// <summary>Entries live as long as the capture; the factories and hosts that dispose providers leave them alone.</summary>
    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Entries.Enqueue(new CapturedLog(DateTimeOffset.UtcNow, logLevel, category, formatter(state, exception), exception));
            }
        }
    }
}

/// <summary>One log entry of an in-process app.</summary>
internal sealed record CapturedLog(DateTimeOffset Logged, LogLevel Level, string Category, string Message, Exception? Exception)
{
    public override string ToString() =>
        $"{Logged:HH:mm:ss.fff} {Level} {Category}: {Message}{(Exception is null ? "" : " | " + Exception.GetType().Name + ": " + Exception.Message)}";
}
