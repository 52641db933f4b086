using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Strongroom.Infrastructure.Database;

/// <summary>
/// Opens connections to whichever engine is configured. One connection per operation, disposed
/// with <c>await using</c>; the providers pool the physical connections.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The write turns' SemaphoreSlim owns nothing to dispose (its AvailableWaitHandle is never asked for), and a writer ending its turn after the container was disposed must not throw.")]
public sealed class SqlDatabase(IOptions<DatabaseOptions> options)
{
    // Clauses, not statements: appended by FirstRows, so kept out of the Sql/Sqlite/SqlServer classes the statement tests parse.
    private const string SqliteFirstRows = "\nLIMIT @Take";
    private const string SqlServerFirstRows = "\nOFFSET 0 ROWS FETCH NEXT @Take ROWS ONLY";

    private readonly DatabaseOptions _options = options.Value;

    // SQLite: the one write lock of the database file, taken in turns by this process's writers.
    private readonly SemaphoreSlim _writeTurns = new(1, 1);

    public DatabaseProvider Provider => _options.Provider;

    public int CommandTimeoutSeconds => _options.CommandTimeoutSeconds;

    /// <summary>Picks the statement text for the configured engine.</summary>
    public string Pick(string sqlite, string sqlServer) => Provider == DatabaseProvider.SqlServer ? sqlServer : sqlite;

    /// <summary>
    /// <paramref name="orderedQuery"/>, a query ending in its ORDER BY, cut to its first <c>@Take</c>
    /// rows as the configured engine spells it: <c>LIMIT @Take</c> on SQLite, <c>OFFSET 0 ROWS
    /// FETCH NEXT @Take ROWS ONLY</c> on SQL Server (the standard form of <c>TOP</c>, same plan).
    /// Where this is the only difference, a slice writes its query once.
    /// </summary>
    public string FirstRows(string orderedQuery) =>
        string.Concat(orderedQuery, Provider == DatabaseProvider.SqlServer ? SqlServerFirstRows : SqliteFirstRows);

    public DbConnection CreateConnection() => Provider switch
    {
        DatabaseProvider.SqlServer => new SqlConnection(_options.ConnectionString),
        _ => new SqliteConnection(_options.ConnectionString),
    };

    /// <summary>
    /// Opens a connection. A database that cannot be reached or opened is reported as
    /// <see cref="DatabaseUnavailableException"/>, whichever engine: callers answer 503 rather than retry.
    /// </summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (DbException exception) when (!cancellationToken.IsCancellationRequested)
        {
            await connection.DisposeAsync();
            throw new DatabaseUnavailableException(exception);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A turn at writing, to be held from before BEGIN to after COMMIT (dispose it to end the turn).
    /// SQLite has one write lock per database file, and a writer that finds it taken waits in
    /// sleeps: SQLite's busy handler backs off up to 100 ms at a time, Microsoft.Data.Sqlite's
    /// retry loop sleeps 150 ms. Two writers of this process that meet there (the ledger writer
    /// and the webhook dispatcher, the asynchronous intake and the ledger writer) would each keep
    /// missing the other's commit and wait in those sleeps; here they queue in the order they
    /// asked and the next starts the moment the last one's COMMIT ends. Other processes on the
    /// same file still meet at the lock itself. SQL Server locks rows: no turn is needed.
    /// </summary>
    public async ValueTask<WriteTurn> WriteTurnAsync(CancellationToken cancellationToken)
    {
        if (Provider == DatabaseProvider.SqlServer)
        {
            return default;
        }

        await _writeTurns.WaitAsync(cancellationToken);
        return new WriteTurn(_writeTurns);
    }

    /// <summary>A turn at writing as <see cref="WriteTurnAsync"/>, waited for no longer than <paramref name="timeout"/>: null when it did not come in time.</summary>
    public async ValueTask<WriteTurn?> TryWriteTurnAsync(TimeSpan timeout)
    {
        if (Provider == DatabaseProvider.SqlServer)
        {
            return default(WriteTurn);
        }

        return await _writeTurns.WaitAsync(timeout) ? new WriteTurn(_writeTurns) : null;
    }

    /// <summary>
    /// A read-only transaction whose statements all see one consistent state. SQLite (WAL): a
    /// deferred transaction reads one snapshot and does not block the writer. SQL Server:
    /// serializable, so what was read cannot change until the end.
    /// </summary>
    public static async Task<DbTransaction> BeginReadSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: true)
            : await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);

    /// <summary>True when <paramref name="exception"/> is a unique-key violation on either engine.</summary>
    public static bool IsUniqueViolation(Exception exception) => exception switch
    {
        // SQLITE_CONSTRAINT_UNIQUE / SQLITE_CONSTRAINT_PRIMARYKEY
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        // Cannot insert duplicate key row (unique index) / Violation of PRIMARY KEY or UNIQUE constraint
        SqlException sqlServer => sqlServer.Number is 2601 or 2627,
        _ => false,
    };
}

/// <summary>A turn at writing (<see cref="SqlDatabase.WriteTurnAsync"/>): disposing it, once, lets the next writer in.</summary>
public readonly struct WriteTurn(SemaphoreSlim? turns) : IDisposable
{
    public void Dispose() => turns?.Release();
}
