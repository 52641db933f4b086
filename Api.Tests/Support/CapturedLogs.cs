using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Strongroom.Api.Tests.Support;

/// <summary>Every log entry the service writes, as an operator's log collector would receive it.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    public IReadOnlyCollection<CapturedLog> Entries => _entries;

    /// <summary>Entries written after <paramref name="mark"/> (a count taken from <see cref="Count"/>).</summary>
    public IReadOnlyList<CapturedLog> Since(int mark) => [.. _entries.Skip(mark)];

    public int Count => _entries.Count;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Register(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(this);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<CapturedLog> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                entries.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception), exception));
            }
        }
    }
}

public sealed record CapturedLog(string Category, LogLevel Level, string Message, Exception? Exception)
{
    public override string ToString() => $"{Level} {Category}: {Message}{(Exception is null ? "" : $" [{Exception.GetType().Name}]")}";
}
