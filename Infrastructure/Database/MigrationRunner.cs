using System.Data.Common;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Logging;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Infrastructure.Database;

/// <summary>
/// Applies the numbered scripts of <see cref="MigrationScripts"/> in order and records each in the
/// <c>schema_migrations</c> journal, so applying twice is a no-op.
/// <para>
/// Why not DbUp: dbup-sqlserver 7.2 / dbup-sqlite 6.0 do publish without trim warnings of their
/// own, but neither stops two instances from migrating at once, so the lock below would be ours
/// anyway; and dbup-sqlserver is built against Microsoft.Data.SqlClient 6.x while we ship 7.x.
/// What remains after the lock is a journal and a loop, which is clearer kept here.
/// </para>
/// Concurrency: on SQLite everything runs inside one <c>BEGIN IMMEDIATE</c> transaction (the
/// database write lock), on SQL Server under an exclusive session <c>sp_getapplock</c>; a second
/// instance waits, then finds the journal complete.
/// </summary>
public sealed partial class MigrationRunner(SqlDatabase database, TimeProvider time, ILogger<MigrationRunner> logger)
{
    private const int LockTimeoutMilliseconds = 120_000;

    /// <summary>Applies what is pending; returns the ids applied (empty when up to date).</summary>
    public async Task<IReadOnlyList<string>> ApplyAsync(CancellationToken cancellationToken)
    {
        var scripts = MigrationScripts.For(database.Provider);
        await using var connection = await database.OpenAsync(cancellationToken);
        var applied = database.Provider == DatabaseProvider.SqlServer
            ? await ApplySqlServerAsync(connection, scripts, cancellationToken)
            : await ApplySqliteAsync(connection, scripts, cancellationToken);

        foreach (var id in applied)
        {
            LogApplied(logger, id, database.Provider);
        }

        return applied;
    }

    /// <summary>The ids of shipped scripts the database has not recorded; used by readiness.</summary>
    public async Task<IReadOnlyList<string>> PendingAsync(CancellationToken cancellationToken)
    {
        var scripts = MigrationScripts.For(database.Provider);
        await using var connection = await database.OpenAsync(cancellationToken);
        var exists = await connection.ExecuteScalarAsync<int>(database.Pick(Sqlite.JournalExists, SqlServer.JournalExists));
        if (exists == 0)
        {
            return [.. scripts.Select(s => s.Id)];
        }

        var done = (await connection.QueryAsync<string>(Sql.AppliedIds)).ToHashSet(StringComparer.Ordinal);
        return [.. scripts.Where(s => !done.Contains(s.Id)).Select(s => s.Id)];
    }

    private async Task<IReadOnlyList<string>> ApplySqliteAsync(DbConnection connection, IReadOnlyList<MigrationScript> scripts, CancellationToken cancellationToken)
    {
        // WAL lets readers proceed while the single writer commits; the mode is stored in the file.
        await connection.ExecuteAsync(Sqlite.EnableWal);
        // Microsoft.Data.Sqlite starts transactions with BEGIN IMMEDIATE: the write lock is taken now,
        // so a second instance blocks here (up to the busy timeout) instead of racing.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(Sqlite.CreateJournal, transaction: transaction);
        var done = (await connection.QueryAsync<string>(Sql.AppliedIds, transaction: transaction)).ToHashSet(StringComparer.Ordinal);
        var applied = new List<string>();
        foreach (var script in scripts.Where(s => !done.Contains(s.Id)))
        {
            await connection.ExecuteAsync(script.Text, transaction: transaction, commandTimeout: database.CommandTimeoutSeconds);
            await connection.ExecuteAsync(Sql.RecordApplied, new { Id = script.Id, AppliedAt = UnixMicroseconds.Now(time) }, transaction);
            applied.Add(script.Id);
        }

        await transaction.CommitAsync(cancellationToken);
        return applied;
    }

    private async Task<IReadOnlyList<string>> ApplySqlServerAsync(DbConnection connection, IReadOnlyList<MigrationScript> scripts, CancellationToken cancellationToken)
    {
        var lockResult = await connection.ExecuteScalarAsync<int>(SqlServer.AcquireLock, new { TimeoutMs = LockTimeoutMilliseconds }, commandTimeout: (LockTimeoutMilliseconds / 1000) + 30);
        if (lockResult < 0)
        {
            throw new InvalidOperationException($"Could not take the migration lock (sp_getapplock returned {lockResult}).");
        }

        try
        {
            await connection.ExecuteAsync(SqlServer.CreateJournal);
            var done = (await connection.QueryAsync<string>(Sql.AppliedIds)).ToHashSet(StringComparer.Ordinal);
            var applied = new List<string>();
            foreach (var script in scripts.Where(s => !done.Contains(s.Id)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                foreach (var batch in SplitBatches(script.Text))
                {
                    await connection.ExecuteAsync(batch, transaction: transaction, commandTimeout: database.CommandTimeoutSeconds);
                }

                await connection.ExecuteAsync(Sql.RecordApplied, new { Id = script.Id, AppliedAt = UnixMicroseconds.Now(time) }, transaction);
                await transaction.CommitAsync(cancellationToken);
                applied.Add(script.Id);
            }

            return applied;
        }
        finally
        {
            await connection.ExecuteAsync(SqlServer.ReleaseLock);
        }
    }

    /// <summary>SQL Server scripts may hold several batches separated by <c>GO</c> lines.</summary>
    public static IEnumerable<string> SplitBatches(string script) =>
        GoSeparator().Split(script).Where(batch => !string.IsNullOrWhiteSpace(batch));

    [GeneratedRegex(@"^\s*GO\s*;?\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex GoSeparator();

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {MigrationId} on {Provider}")]
    private static partial void LogApplied(ILogger logger, string migrationId, DatabaseProvider provider);

    private static class Sql
    {
        public const string AppliedIds = """
            SELECT id FROM schema_migrations ORDER BY id
            """;

        public const string RecordApplied = """
            INSERT INTO schema_migrations (id, applied_at) VALUES (@Id, @AppliedAt)
            """;
    }

    private static class Sqlite
    {
        public const string EnableWal = "PRAGMA journal_mode = WAL";

        public const string JournalExists = """
            SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'
            """;

        public const string CreateJournal = """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                id TEXT NOT NULL PRIMARY KEY,
                applied_at INTEGER NOT NULL
            ) STRICT
            """;
    }

    private static class SqlServer
    {
        public const string JournalExists = """
            SELECT CASE WHEN OBJECT_ID(N'dbo.schema_migrations', N'U') IS NULL THEN 0 ELSE 1 END
            """;

        public const string AcquireLock = """
            DECLARE @result int;
            EXEC @result = sp_getapplock @Resource = N'strongroom:migrations', @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = @TimeoutMs;
            SELECT @result;
            """;

        public const string ReleaseLock = """
            EXEC sp_releaseapplock @Resource = N'strongroom:migrations', @LockOwner = 'Session';
            """;

        public const string CreateJournal = """
            IF OBJECT_ID(N'dbo.schema_migrations', N'U') IS NULL
                CREATE TABLE dbo.schema_migrations (
                    id nvarchar(200) NOT NULL CONSTRAINT pk_schema_migrations PRIMARY KEY,
                    applied_at bigint NOT NULL
                );
            """;
    }
}
