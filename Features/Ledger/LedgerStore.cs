using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Strongroom.Features.Vocabulary;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Where the ledger writer's transactions read and write: opens one, with every wait bounded by
/// the group's deadline, locks and loads what a group of commands touches (ascending id, so two
/// writers cannot deadlock on them) into a <see cref="LedgerWorkSet"/>, writes back what the
/// work set changed, and commits. Both engines' texts side by side where they differ.
/// </summary>
internal sealed class LedgerStore(SqlDatabase database, TimeProvider time)
{
    // Settlement accounts never change identity once created, so their ids may be remembered.
    private readonly Dictionary<string, string> _settlementIds = new(StringComparer.Ordinal);
    private readonly Lock _settlementLock = new();

    private SqlDatabase Database => database;

    private TimeProvider Time => time;

    /// <summary>
    /// Opens a connection and begins the transaction, waiting no longer than
    /// <paramref name="deadline"/> (a timestamp of the service's clock; <see cref="long.MaxValue"/>
    /// for none). SQLite: BEGIN IMMEDIATE, the single write lock. SQL Server: row locks, taken as
    /// the session loads.
    /// </summary>
    public async Task<Session> BeginAsync(long deadline)
    {
        var connection = await OpenAsync(deadline);
        try
        {
            if (connection is SqliteConnection sqlite)
            {
                await BoundBusyWaitAsync(sqlite, deadline);
            }

            var transaction = await connection.BeginTransactionAsync();
            return new Session(this, connection, transaction, deadline);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A connection, waited for no longer than the deadline (SQLite opens at once; SQL Server may have to connect).</summary>
    private async Task<DbConnection> OpenAsync(long deadline)
    {
        using var timeout = new CancellationTokenSource(Remaining(deadline), time);
        try
        {
            return await database.OpenAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // Slow, not known to be down: transient, and the writer answers what is past its deadline.
            throw new TimeoutException("No connection to the database before the ledger commands' deadline.");
        }
    }

    /// <summary>
    /// Bounds how long this connection waits for SQLite's write lock to the time left. The busy
    /// wait is otherwise the provider's: it retries SQLITE_BUSY every 150 ms until the command
    /// timeout (Database:CommandTimeoutSeconds, whole seconds, 30 by default). Here SQLite's own
    /// busy handler waits instead, to the millisecond (PRAGMA busy_timeout), and a negative
    /// default timeout stops the provider retrying after it (it gives up once the time waited
    /// reaches the timeout, which a negative one always has; the end-to-end bound is tested by
    /// LedgerWriterDeadlineTests). The pooled handle keeps the PRAGMA: the next ledger writer sets
    /// its own, and any other connection that gets the handle keeps the provider's retry loop (its
    /// DefaultTimeout is the connection string's), so the leftover only puts SQLite's finer wait
    /// in front of each of its 150 ms sleeps; readers in WAL mode never wait for the write lock.
    /// </summary>
    private async Task BoundBusyWaitAsync(SqliteConnection connection, long deadline)
    {
        connection.DefaultTimeout = -1;
        var remaining = Remaining(deadline);
        var milliseconds = remaining == Timeout.InfiniteTimeSpan ? database.CommandTimeoutSeconds * 1000L : (long)Math.Ceiling(remaining.TotalMilliseconds);
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {Math.Clamp(milliseconds, 1, int.MaxValue).ToString(CultureInfo.InvariantCulture)}";
        await command.ExecuteNonQueryAsync();
    }

    private TimeSpan Remaining(long deadline)
    {
        var remaining = deadline == long.MaxValue ? Timeout.InfiniteTimeSpan : time.GetElapsedTime(time.GetTimestamp(), deadline);
        return remaining == Timeout.InfiniteTimeSpan || remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1);
    }

    /// <summary>One open transaction of the ledger writer: load, save, commit, or dispose to roll back.</summary>
    public sealed class Session(LedgerStore store, DbConnection connection, DbTransaction transaction, long deadline) : IAsyncDisposable
    {
        private SqlDatabase Database => store.Database;

        /// <summary>
        /// Locks and loads every hold the commands settle, every account they touch (with the
        /// settlement account of each deposit's or withdrawal's currency) and every
        /// Idempotency-Key they carry: one query each, in ascending id order.
        /// </summary>
        public async Task LoadAsync(LedgerWorkSet work, IReadOnlyList<LedgerCommand> commands)
        {
            var accountIds = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var transferId in commands.OfType<SettleHold>().Select(c => c.TransferId).Distinct().Order(StringComparer.Ordinal))
            {
                var transfer = await connection.QuerySingleOrDefaultAsync<TransferRow>(Database.Pick(Sqlite.LoadTransfer, SqlServer.LoadTransfer), new { Id = transferId }, transaction, CommandTimeout());
                if (transfer is not null)
                {
                    work.Transfers[transfer.Id] = transfer;
                    accountIds.Add(transfer.FromAccountId);
                    accountIds.Add(transfer.ToAccountId);
                }
            }

            foreach (var instruction in commands.OfType<PostTransfers>().SelectMany(c => c.Transfers))
            {
                foreach (var id in new[] { instruction.FromAccountId, instruction.ToAccountId })
                {
                    if (id is not null)
                    {
                        accountIds.Add(id);
                    }
                }

                if (instruction.Kind != TransferKind.Transfer && await SettlementIdAsync(work, instruction.Currency) is { } settlement)
                {
                    accountIds.Add(settlement);
                }
            }

            foreach (var id in accountIds)
            {
                var account = await connection.QuerySingleOrDefaultAsync<AccountState>(Database.Pick(Sqlite.LoadAccount, SqlServer.LoadAccount), new { Id = id }, transaction, CommandTimeout());
                if (account is not null)
                {
                    work.Accounts[id] = account;
                }
            }

            foreach (var command in commands.Where(c => c.IdempotencyKey is not null).DistinctBy(c => (c.Caller!.UserId, c.IdempotencyKey)))
            {
                var stored = await connection.QuerySingleOrDefaultAsync<LedgerWorkSet.StoredResponse>(
                    Database.Pick(Sqlite.LoadIdempotencyKey, SqlServer.LoadIdempotencyKey),
                    new { OwnerId = command.Caller!.UserId, Key = command.IdempotencyKey },
                    transaction,
                    CommandTimeout());
                if (stored is not null)
                {
                    work.StoredResponses[(command.Caller.UserId, command.IdempotencyKey!)] = stored;
                }
            }
        }

        /// <summary>Writes the changed balances once per account (ascending id), the new and settled transfers, their entries and the new Idempotency-Keys.</summary>
        public async Task SaveAsync(LedgerWorkSet work)
        {
            foreach (var account in work.ChangedAccounts)
            {
                await connection.ExecuteAsync(Sql.UpdateBalances, account, transaction, CommandTimeout());
            }

            foreach (var transfer in work.NewTransfers)
            {
                await connection.ExecuteAsync(Sql.InsertTransfer, transfer, transaction, CommandTimeout());
            }

            foreach (var transfer in work.ChangedTransfers.Values)
            {
                await connection.ExecuteAsync(Sql.UpdateTransfer, transfer, transaction, CommandTimeout());
            }

            foreach (var entry in work.NewEntries)
            {
                await connection.ExecuteAsync(Sql.InsertEntry, entry, transaction, CommandTimeout());
            }

            foreach (var key in work.NewKeys)
            {
                await connection.ExecuteAsync(Sql.InsertIdempotencyKey, key, transaction, CommandTimeout());
            }
        }

        /// <summary>
        /// Commits. A failed COMMIT on SQL Server throws <see cref="CommitOutcomeUnknownException"/>:
        /// the connection may have broken after the server committed.
        /// </summary>
        public async Task CommitAsync()
        {
            try
            {
                // Once COMMIT is sent it runs to its end: a deadline never makes a commit's outcome unknown.
                await transaction.CommitAsync(CancellationToken.None);
            }
            catch (Exception exception) when (Database.Provider == DatabaseProvider.SqlServer)
            {
                // SQLite reports a COMMIT that failed only when nothing was committed (its atomic commit);
                // SQL Server's connection may break after the server committed.
                throw new CommitOutcomeUnknownException(exception);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }

        private async Task<string?> SettlementIdAsync(LedgerWorkSet work, string currency)
        {
            string? id;
            lock (store._settlementLock)
            {
                store._settlementIds.TryGetValue(currency, out id);
            }

            if (id is null)
            {
                id = await connection.QuerySingleOrDefaultAsync<string>(Sql.FindSettlement, new { Currency = currency }, transaction, CommandTimeout());
                if (id is not null)
                {
                    lock (store._settlementLock)
                    {
                        store._settlementIds[currency] = id;
                    }
                }
            }

            if (id is not null)
            {
                work.SettlementIds[currency] = id;
            }

            return id;
        }

        /// <summary>
        /// SQL Server: each statement may take no longer than the time left, in the whole seconds
        /// SqlClient counts (rounded up), and none starts past the deadline; the transaction then
        /// rolls back. SQLite: null, the connection's bounded busy wait applies (the write lock is
        /// already held, so nothing else waits).
        /// </summary>
        private int? CommandTimeout()
        {
            if (Database.Provider != DatabaseProvider.SqlServer || deadline == long.MaxValue)
            {
                return null;
            }

            var remaining = store.Time.GetElapsedTime(store.Time.GetTimestamp(), deadline);
            return remaining > TimeSpan.Zero
                ? (int)Math.Min(int.MaxValue, Math.Ceiling(remaining.TotalSeconds))
                : throw new TimeoutException("The ledger commands' deadline passed before their transaction could commit.");
        }
    }

    /// <summary>COMMIT failed where the server may have committed all the same: only a retry, which reads the Idempotency-Keys, can tell.</summary>
    public sealed class CommitOutcomeUnknownException(Exception inner) : Exception("The ledger transaction's COMMIT failed; whether it committed is not known.", inner);

    private static class Sql
    {
        public const string FindSettlement = """
            SELECT id FROM accounts WHERE kind = 'settlement' AND currency = @Currency
            """;

        public const string UpdateBalances = """
            UPDATE accounts
            SET posted = @Posted, pending_debits = @PendingDebits, pending_credits = @PendingCredits, last_sequence = @LastSequence
            WHERE id = @Id
            """;

        public const string InsertTransfer = """
            INSERT INTO transfers (id, from_account_id, to_account_id, amount, currency, status, captured_amount, description, metadata, hold_expires_at, initiated_by, created_at, updated_at)
            VALUES (@Id, @FromAccountId, @ToAccountId, @Amount, @Currency, @Status, @CapturedAmount, @Description, @Metadata, @HoldExpiresAt, @InitiatedBy, @CreatedAt, @UpdatedAt)
            """;

        public const string UpdateTransfer = """
            UPDATE transfers SET status = @Status, captured_amount = @CapturedAmount, updated_at = @UpdatedAt WHERE id = @Id
            """;

        public const string InsertEntry = """
            INSERT INTO entries (account_id, sequence, transfer_id, amount, balance_after, created_at)
            VALUES (@AccountId, @Sequence, @TransferId, @Amount, @BalanceAfter, @CreatedAt)
            """;

        public const string InsertIdempotencyKey = """
            INSERT INTO idempotency_keys (owner_id, idempotency_key, request_hash, response_status, response_body, created_at, expires_at)
            VALUES (@OwnerId, @Key, @RequestHash, @ResponseStatus, @ResponseBody, @CreatedAt, @ExpiresAt)
            """;
    }

    private static class Sqlite
    {
        public const string LoadAccount = """
            SELECT id AS Id, owner_id AS OwnerId, kind AS Kind, currency AS Currency, status AS Status, posted AS Posted,
                   pending_debits AS PendingDebits, pending_credits AS PendingCredits, overdraft_limit AS OverdraftLimit, last_sequence AS LastSequence
            FROM accounts WHERE id = @Id
            """;

        public const string LoadTransfer = $"""
            SELECT {TransferRow.Columns} FROM transfers WHERE id = @Id
            """;

        public const string LoadIdempotencyKey = """
            SELECT request_hash AS RequestHash, response_status AS ResponseStatus, response_body AS ResponseBody
            FROM idempotency_keys WHERE owner_id = @OwnerId AND idempotency_key = @Key
            """;
    }

    /// <summary>Same reads, holding update locks to the end of the transaction (taken in ascending id order).</summary>
    private static class SqlServer
    {
        public const string LoadAccount = """
            SELECT id AS Id, owner_id AS OwnerId, kind AS Kind, currency AS Currency, status AS Status, posted AS Posted,
                   pending_debits AS PendingDebits, pending_credits AS PendingCredits, overdraft_limit AS OverdraftLimit, last_sequence AS LastSequence
            FROM accounts WITH (UPDLOCK, ROWLOCK, HOLDLOCK) WHERE id = @Id
            """;

        public const string LoadTransfer = $"""
            SELECT {TransferRow.Columns} FROM transfers WITH (UPDLOCK, ROWLOCK, HOLDLOCK) WHERE id = @Id
            """;

        public const string LoadIdempotencyKey = """
            SELECT request_hash AS RequestHash, response_status AS ResponseStatus, response_body AS ResponseBody
            FROM idempotency_keys WITH (UPDLOCK, HOLDLOCK) WHERE owner_id = @OwnerId AND idempotency_key = @Key
            """;
    }
}
