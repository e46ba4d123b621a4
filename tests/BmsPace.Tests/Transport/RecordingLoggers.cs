using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace BmsPace.Tests.Transport;

/// <summary>A logger factory that keeps every line at every level with its category: tests read what the program said.</summary>
internal sealed class RecordingLoggers : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, string Message)> _entries = new();

    public RecordingLoggers(Action<ILoggingBuilder>? configure = null)
    {
        Factory = LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            configure?.Invoke(logging);
            logging.AddProvider(this);
        });
    }

    public ILoggerFactory Factory { get; }

    public IReadOnlyList<(string Category, LogLevel Level, string Message)> Entries => [.. _entries];

    /// <summary>How many times a transport opened its link (each open logs "connected").</summary>
    public int Opens => _entries.Count(e => e.Message.EndsWith(" connected", StringComparison.Ordinal));

    public int Count(LogLevel level, string containing) =>
        _entries.Count(e => e.Level == level && e.Message.Contains(containing, StringComparison.Ordinal));

    public string AllText => string.Join('\n', _entries.Select(e => $"{e.Level} {e.Category}: {e.Message}"));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() => Factory.Dispose();

    private sealed class Logger(RecordingLoggers owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue((category, logLevel, formatter(state, exception)));
    }
}
