using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Copies the SQLite write-ahead log back into the database file on a thread of its own, so the
/// ledger writer's commits only append to the log and fsync it.
/// </summary>
/// <remarks>
/// Left to itself, SQLite checkpoints inside the COMMIT that takes the log past 1,000 pages: at
/// 10,000 transfers a second that is one group in about twelve, which then also writes some
/// megabytes into the database file and fsyncs it, and every request in that group waits for it.
/// Here the writer's connection checkpoints only as a backstop (<see cref="WriterBackstopPages"/>,
/// should this thread fall behind or fail), and this thread runs a PASSIVE checkpoint at most every
/// <see cref="Interval"/> while commits arrive. PASSIVE never takes the write lock, so the writer
/// is not held up; a page written many times within the interval is copied once. Durability does
/// not depend on it: every commit is durable in the log (synchronous=FULL) when it is answered.
/// </remarks>
internal sealed partial class WalCheckpointer : IAsyncDisposable
{
    /// <summary>The writer's own autocheckpoint threshold: about 80 MB of log, reached only if this thread cannot keep up.</summary>
    public const int WriterBackstopPages = 20_000;

    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private const int Passive = 0; // SQLITE_CHECKPOINT_PASSIVE

    private readonly SqlDatabase _database;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _committed = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public WalCheckpointer(SqlDatabase database, ILogger logger)
    {
        _database = database;
        _logger = logger;
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Gives the writer's connection the backstop threshold instead of SQLite's 1,000 pages.</summary>
    public static void Defer(SqliteConnection writer) =>
        SqliteException.ThrowExceptionForRC(SQLitePCL.raw.sqlite3_wal_autocheckpoint(writer.Handle, WriterBackstopPages), writer.Handle);

    /// <summary>Says a group committed: there is log to copy. Cheap and never blocks.</summary>
    public void Committed()
    {
        if (_committed.CurrentCount == 0)
        {
            try
            {
                _committed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another commit signalled first: one pending checkpoint covers both.
            }
        }
    }

    private async Task RunAsync()
    {
        SqliteConnection? connection = null;
        try
        {
            // Still behind: the last checkpoint could not copy the whole log (a reader's snapshot
            // pinned its end, or another connection was checkpointing); try again without waiting
            // for another commit, which may never come.
            var behind = false;
            while (!_stopping.IsCancellationRequested)
            {
                if (!behind)
                {
                    await _committed.WaitAsync(_stopping.Token);
                }

                // Let the log gather an interval's commits, so each page is copied once for all of them.
                await Task.Delay(Interval, _stopping.Token);
                try
                {
                    if (connection is not null && Path.IsPathRooted(connection.DataSource) && !File.Exists(connection.DataSource))
                    {
                        // The file was moved or deleted: let it go, as the writer does.
                        await connection.DisposeAsync();
                        connection = null;
                    }

                    connection ??= await OpenAsync();
                    var rc = SQLitePCL.raw.sqlite3_wal_checkpoint_v2(connection.Handle, "main", Passive, out var logPages, out var copiedPages);
                    if (rc == SQLitePCL.raw.SQLITE_BUSY)
                    {
                        // Another connection (another replica's) is checkpointing the same file.
                        behind = true;
                        continue;
                    }

                    SqliteException.ThrowExceptionForRC(rc, connection.Handle);
                    Log.Checkpointed(_logger, copiedPages, logPages);
                    behind = copiedPages < logPages;
                }
                catch (Exception exception) when (exception is SqliteException or IOException or InvalidOperationException)
                {
                    // Disk full, the file gone, a busy lock: the writer's backstop still bounds the log,
                    // and the next commit tries again on a new connection.
                    Log.CheckpointFailed(_logger, exception.Message);
                    behind = false;
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A connection that has read the database once: until it has, SQLite has not opened the log
    /// on it, and a checkpoint there finds no log to copy (it reports -1 pages and succeeds).
    /// </summary>
    private async Task<SqliteConnection> OpenAsync()
    {
        var connection = (SqliteConnection)await _database.OpenAsync(_stopping.Token);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        await command.ExecuteScalarAsync(_stopping.Token);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
        _committed.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Trace, Message = "Checkpointed {Copied} of {Log} log pages.")]
        public static partial void Checkpointed(ILogger logger, int copied, int log);

        [LoggerMessage(Level = LogLevel.Warning, Message = "A checkpoint of the write-ahead log failed ({Reason}); the next commit retries it.")]
        public static partial void CheckpointFailed(ILogger logger, string reason);
    }
}
