using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Strongroom.Infrastructure.Database;

/// <summary>
/// Opens connections to whichever engine is configured. One connection per operation, disposed
/// with <c>await using</c>; the providers pool the physical connections.
/// </summary>
public sealed class SqlDatabase(IOptions<DatabaseOptions> options)
{
    // Clauses, not statements: appended by FirstRows, so kept out of the Sql/Sqlite/SqlServer classes the statement tests parse.
    private const string SqliteFirstRows = "\nLIMIT @Take";
    private const string SqlServerFirstRows = "\nOFFSET 0 ROWS FETCH NEXT @Take ROWS ONLY";

    private readonly DatabaseOptions _options = options.Value;

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
