using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Strongroom.Infrastructure.Database;

/// <summary>
/// The database could not be reached or opened (refused, timed out, missing or not a database
/// file). Unlike a deadlock or a busy lock this does not go away by retrying at once.
/// </summary>
public sealed class DatabaseUnavailableException(Exception inner)
    : Exception($"The database is unavailable ({inner.GetType().Name}).", inner)
{
    /// <summary>True when <paramref name="exception"/> or anything it wraps says the database is unavailable.</summary>
    public static bool IsUnavailable(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            // SQLITE_CANTOPEN, SQLITE_NOTADB, SQLITE_IOERR, SQLITE_CORRUPT: the file itself is gone or unusable.
            if (current is DatabaseUnavailableException || current is SqliteException { SqliteErrorCode: 14 or 26 or 10 or 11 })
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// What this replica last learnt about the database. Once a write found it unavailable, writes are
/// refused at once (503) instead of each waiting out a connect timeout, and a probe retries in the
/// background every <see cref="ProbeInterval"/> until the database answers again.
/// </summary>
public sealed partial class DatabaseAvailability(SqlDatabase database, IHostApplicationLifetime lifetime, ILogger<DatabaseAvailability> logger)
{
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    private int _down;

    public bool IsDown => Volatile.Read(ref _down) == 1;

    /// <summary>Records that the database is unavailable and, the first time, starts probing for its return.</summary>
    public void ReportUnavailable()
    {
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            LogDown(logger);
            _ = Task.Run(ProbeAsync, CancellationToken.None);
        }
    }

    private async Task ProbeAsync()
    {
        var stopping = lifetime.ApplicationStopping;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(ProbeInterval, stopping);
                await using var connection = await database.OpenAsync(stopping);
                await connection.ExecuteScalarAsync<int>(Sql.Probe);
                Volatile.Write(ref _down, 0);
                LogUp(logger);
                return;
            }
            catch (Exception exception) when (exception is DbException or DatabaseUnavailableException)
            {
                // Still down: try again after the interval.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static class Sql
    {
        public const string Probe = "SELECT 1";
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The database is unavailable: writes are refused with 503 until it answers again")]
    private static partial void LogDown(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "The database answers again: writes resume")]
    private static partial void LogUp(ILogger logger);
}
