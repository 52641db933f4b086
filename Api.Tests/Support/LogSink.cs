using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Strongroom.Api.Tests.Support;

/// <summary>A log entry the service wrote, with the request scope it was written in (path, trace id) when there was one.</summary>
public sealed record CapturedLogEntry(DateTimeOffset At, LogLevel Level, string Category, string Message, Exception? Exception, string Scope);

/// <summary>
/// Keeps every entry at or above <see cref="MinimumLevel"/> in memory, so a test can assert the
/// service logged no errors while it was being driven (add it with <c>services.AddSingleton&lt;ILoggerProvider&gt;</c>).
/// </summary>
public sealed class LogSink : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CapturedLogEntry> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public LogLevel MinimumLevel { get; init; } = LogLevel.Warning;

    public IReadOnlyList<CapturedLogEntry> Entries => [.. _entries];

    public IReadOnlyList<CapturedLogEntry> Since(DateTimeOffset start, LogLevel level) =>
        [.. _entries.Where(entry => entry.At >= start && entry.Level >= level)];

    public ILogger CreateLogger(string categoryName) => new SinkLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class SinkLogger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => sink._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= sink.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var scope = new StringBuilder();
            sink._scopes.ForEachScope((value, builder) => builder.Append(value).Append(" => "), scope);
            sink._entries.Enqueue(new CapturedLogEntry(DateTimeOffset.UtcNow, logLevel, category, formatter(state, exception), exception, scope.ToString()));
        }
    }
}
