using System.Data.Common;
using Dapper;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Strongroom.Infrastructure.Database;

/// <summary>
/// The database could not be reached or opened (refused, timed out, missing or not a database
/// file), or it cannot take a write (disk, data file or log full). Unlike a deadlock or a busy
/// lock this does not go away by retrying at once.
/// </summary>
public sealed class DatabaseUnavailableException(Exception inner)
    : Exception($"The database is unavailable ({inner.GetType().Name}).", inner)
{
    /// <summary>True when <paramref name="exception"/> or anything it wraps says the database is unavailable.</summary>
    public static bool IsUnavailable(Exception? exception) => Any(exception, static current => current switch
    {
        DatabaseUnavailableException => true,
        // SQLITE_CANTOPEN, SQLITE_NOTADB, SQLITE_IOERR, SQLITE_CORRUPT: the file itself is gone or
        // unusable; SQLITE_FULL: the disk is.
        SqliteException sqlite => sqlite.SqliteErrorCode is 14 or 26 or 10 or 11 or 13,
        // The filegroup is full; the transaction log is full.
        SqlException sqlServer => sqlServer.Number is 1105 or 9002,
        _ => false,
    });

    /// <summary>
    /// True when the database answered but a lock kept the work out for the whole wait allowed
    /// (SQLITE_BUSY/LOCKED after the busy timeout; SQL Server's lock timeout, deadlock victim or
    /// command timeout). Retrying later can succeed.
    /// </summary>
    public static bool IsBusy(Exception? exception) => Any(exception, static current => current switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6,
        SqlException sqlServer => sqlServer.Number is 1222 or 1205 or -2,
        _ => false,
    });

    private static bool Any(Exception? exception, Func<Exception, bool> test)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (test(current))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// What this replica last learnt about the database. Once a request found it unavailable or busy
/// past every wait, writes are refused at once (503) instead of each waiting out a timeout,
/// <c>/health/ready</c> reports unhealthy, and a probe tries a real write in the background every
/// <see cref="ProbeInterval"/> until one commits: a read would answer while the disk is full or
/// another process holds the write lock.
/// </summary>
public sealed partial class DatabaseAvailability(SqlDatabase database, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<DatabaseAvailability> logger)
{
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    private int _down;

    public bool IsDown => Volatile.Read(ref _down) == 1;

    /// <summary>Records that writes cannot succeed and, the first time, starts probing for their return.</summary>
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
                // Waits for a lock at most one interval, then tries again.
                await connection.ExecuteAsync(Sql.Probe, new { At = time.GetUtcNow().ToUnixTimeMilliseconds() }, commandTimeout: (int)ProbeInterval.TotalSeconds);
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
        public const string Probe = "UPDATE health_probe SET probed_at = @At WHERE id = 1";
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The database cannot take writes: they are refused with 503 until a probe write commits")]
    private static partial void LogDown(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "The database takes writes again: writes resume")]
    private static partial void LogUp(ILogger logger);
}
