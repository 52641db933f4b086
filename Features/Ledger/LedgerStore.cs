using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Events;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Where the ledger writer's transactions read and write: opens one, with every wait bounded by
/// the group's deadline, locks and loads what a group of commands touches (ascending id, so two
/// writers cannot deadlock on them) into a <see cref="LedgerWorkSet"/>, writes back what the
/// work set changed, and commits. Both engines' texts side by side where they differ.
/// </summary>
internal sealed class LedgerStore(SqlDatabase database, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    // SQLite only: copies the log into the database file off the writer's path (started with the first writer connection).
    private readonly Lazy<WalCheckpointer> _checkpointer = new(() => new WalCheckpointer(database, logger));

    // SQLite has one writer: in practice this holds its one connection between groups.
    private readonly ConcurrentStack<SqliteWriter> _idleSqliteWriters = new();

    // Settlement accounts never change identity once created, so their ids may be remembered.
    private readonly Dictionary<string, string> _settlementIds = new(StringComparer.Ordinal);
    private readonly Lock _settlementLock = new();

    private SqlDatabase Database => database;

    private TimeProvider Time => time;

    /// <summary>
    /// Begins the transaction, waiting no longer than <paramref name="deadline"/> (a timestamp of
    /// the service's clock; <see cref="long.MaxValue"/> for none). SQLite: on the writer's own
    /// connection, kept open with its prepared statements (<see cref="SqliteWriter"/>), BEGIN
    /// IMMEDIATE, the single write lock. SQL Server: a connection from the pool, row locks taken
    /// as the session loads.
    /// </summary>
    public async Task<Session> BeginAsync(long deadline)
    {
        if (database.Provider != DatabaseProvider.SqlServer)
        {
            // This process's other writers (webhooks, asynchronous intake, jobs) take their turns in
            // order with the ledger's; only another process can still hold the lock at BEGIN.
            var turn = await database.TryWriteTurnAsync(Remaining(deadline))
                ?? throw new TimeoutException("The write lock did not come before the ledger commands' deadline.");
            try
            {
                var writer = await TakeSqliteWriterAsync(deadline);
                try
                {
                    BoundBusyWait(writer.Connection, deadline);
                    var begun = writer.Connection.BeginTransaction();
                    writer.Enlist(begun);
                    return new Session(this, writer.Connection, begun, deadline, writer, turn);
                }
                catch
                {
                    await writer.DisposeAsync();
                    throw;
                }
            }
            catch
            {
                turn.Dispose();
                throw;
            }
        }

        var connection = await OpenAsync(deadline);
        try
        {
            var transaction = await connection.BeginTransactionAsync();
            return new Session(this, connection, transaction, deadline, sqlite: null, turn: default);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The idle writer connection, or a new one. One whose database file is no longer at its path
    /// (the volume went away, the file was moved) is dropped, so the new open reports the database
    /// unavailable rather than writing to a file nobody will read.
    /// </summary>
    private async Task<SqliteWriter> TakeSqliteWriterAsync(long deadline)
    {
        while (_idleSqliteWriters.TryPop(out var idle))
        {
            if (idle.StillAtItsPath())
            {
                return idle;
            }

            await idle.DisposeAsync();
        }

        var connection = (SqliteConnection)await OpenAsync(deadline);
        try
        {
            WalCheckpointer.Defer(connection);
            _ = _checkpointer.Value;
            return new SqliteWriter(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Drops every idle writer connection (on shutdown).</summary>
    public async ValueTask DisposeAsync()
    {
        while (_idleSqliteWriters.TryPop(out var idle))
        {
            await idle.DisposeAsync();
        }

        if (_checkpointer.IsValueCreated)
        {
            await _checkpointer.Value.DisposeAsync();
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
    /// Bounds how long the writer's connection waits for SQLite's write lock to the time left. The
    /// busy wait is otherwise the provider's: it retries SQLITE_BUSY every 150 ms until the command
    /// timeout (Database:CommandTimeoutSeconds, whole seconds, 30 by default). Here SQLite's own
    /// busy handler waits instead, to the millisecond (sqlite3_busy_timeout, set directly so no
    /// statement is parsed for it), and a negative default timeout stops the provider retrying
    /// after it (it gives up once the time waited reaches the timeout, which a negative one always
    /// has; the end-to-end bound is tested by LedgerWriterDeadlineTests). The connection is the
    /// writer's alone (it never goes back to the pool), so no other connection inherits the setting.
    /// </summary>
    private void BoundBusyWait(SqliteConnection connection, long deadline)
    {
        connection.DefaultTimeout = -1;
        var remaining = Remaining(deadline);
        var milliseconds = remaining == Timeout.InfiniteTimeSpan ? database.CommandTimeoutSeconds * 1000L : (long)Math.Ceiling(remaining.TotalMilliseconds);
        SqliteException.ThrowExceptionForRC(SQLitePCL.raw.sqlite3_busy_timeout(connection.Handle, (int)Math.Clamp(milliseconds, 1, int.MaxValue)), connection.Handle);
    }

    private TimeSpan Remaining(long deadline)
    {
        var remaining = deadline == long.MaxValue ? Timeout.InfiniteTimeSpan : time.GetElapsedTime(time.GetTimestamp(), deadline);
        return remaining == Timeout.InfiniteTimeSpan || remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1);
    }

    /// <summary>One open transaction of the ledger writer: load, save, commit, or dispose to roll back.</summary>
    public sealed class Session(LedgerStore store, DbConnection connection, DbTransaction transaction, long deadline, SqliteWriter? sqlite, WriteTurn turn) : IAsyncDisposable
    {
        private bool _committed;

        private SqlDatabase Database => store.Database;

        /// <summary>
        /// Locks and loads every hold the commands settle, every account they touch (with the
        /// settlement account of each deposit's or withdrawal's currency) and every
        /// Idempotency-Key they carry. SQLite: one statement per table for the whole group
        /// (the write lock is already held). SQL Server: one query each, in ascending id order.
        /// </summary>
        public async Task LoadAsync(LedgerWorkSet work, IReadOnlyList<LedgerCommand> commands)
        {
            var accountIds = new SortedSet<string>(StringComparer.Ordinal);
            await LoadApprovalsAsync(work, commands);
            // An approval applies the operation it asked for: its accounts and transfers are loaded like any command's.
            var applied = commands.Concat(commands.OfType<DecideApproval>().Select(c => c.Operation).OfType<LedgerCommand>()).ToList();
            var transferIds = applied.OfType<SettleHold>().Select(c => c.TransferId).Concat(applied.OfType<PostReversal>().Select(c => c.OriginalId));
            foreach (var transferId in transferIds.Distinct().Order(StringComparer.Ordinal))
            {
                var transfer = sqlite is not null
                    ? await sqlite.LoadTransferAsync(transferId)
                    : await connection.QuerySingleOrDefaultAsync<TransferRow>(SqlServer.LoadTransfer, new { Id = transferId }, transaction, CommandTimeout());
                if (transfer is not null)
                {
                    work.Transfers[transfer.Id] = transfer;
                    accountIds.Add(transfer.FromAccountId);
                    accountIds.Add(transfer.ToAccountId);
                }
            }

            // The references the group's transfers name, with the account each is sent from (a deposit's: the settlement account).
            var references = new HashSet<(string AccountId, string Reference)>();
            foreach (var instruction in applied.OfType<PostTransfers>().SelectMany(c => c.Transfers))
            {
                foreach (var id in new[] { instruction.FromAccountId, instruction.ToAccountId })
                {
                    if (id is not null)
                    {
                        accountIds.Add(id);
                    }
                }

                string? settlement = null;
                if (instruction.Kind != TransferKind.Transfer && (settlement = await SettlementIdAsync(work, instruction.Currency)) is not null)
                {
                    accountIds.Add(settlement);
                }

                if (instruction.Reference is { } reference && (instruction.Kind == TransferKind.Deposit ? settlement : instruction.FromAccountId) is { } source)
                {
                    references.Add((source, reference));
                }
            }

            foreach (var exchange in commands.OfType<PostExchange>())
            {
                accountIds.Add(exchange.FromAccountId);
                accountIds.Add(exchange.ToAccountId);
                foreach (var currency in new[] { exchange.SellCurrency, exchange.BuyCurrency })
                {
                    if (currency.Length > 0 && await SettlementIdAsync(work, currency) is { } settlement)
                    {
                        accountIds.Add(settlement);
                    }
                }
            }

            // Rates are read before the accounts are locked, in the same transaction (see ExchangeStore).
            await ExchangeStore.LoadRatesAsync(Database, connection, transaction, commands, work, CommandTimeout());
            if (sqlite is not null)
            {
                await sqlite.LoadAccountsAsync(accountIds, work.Accounts);
                await sqlite.LoadIdempotencyKeysAsync(commands, work.StoredResponses);
                await sqlite.LoadTakenReferencesAsync(references, work.TakenReferences);
                return;
            }

            // One statement for the whole group, holding key-range locks to the end of the transaction, so
            // another writer cannot post the same reference from the same account before this one commits.
            if (references.Count > 0)
            {
                var taken = await connection.QueryAsync<LedgerWorkSet.ReferenceRow>(
                    SqlServer.LoadTakenReferences, new { Pairs = ReferencePairs(references) }, transaction, CommandTimeout());
                foreach (var row in taken)
                {
                    work.TakenReferences.Add((row.AccountId, row.Reference));
                }
            }

            foreach (var id in accountIds)
            {
                var account = await connection.QuerySingleOrDefaultAsync<AccountState>(SqlServer.LoadAccount, new { Id = id }, transaction, CommandTimeout());
                if (account is not null)
                {
                    work.Accounts[id] = account;
                }
            }

            foreach (var command in commands.Where(c => c.IdempotencyKey is not null).DistinctBy(c => (c.Caller!.UserId, c.IdempotencyKey)))
            {
                var stored = await connection.QuerySingleOrDefaultAsync<LedgerWorkSet.StoredResponse>(
                    SqlServer.LoadIdempotencyKey,
                    new { OwnerId = command.Caller!.UserId, Key = command.IdempotencyKey },
                    transaction,
                    CommandTimeout());
                if (stored is not null)
                {
                    work.StoredResponses[(command.Caller.UserId, command.IdempotencyKey!)] = stored;
                }
            }
        }

        /// <summary>Writes the changed balances once per account (ascending id), the new and settled transfers, their entries, the new Idempotency-Keys and, last, the events.</summary>
        public async Task SaveAsync(LedgerWorkSet work)
        {
            // Asynchronously accepted requests: their final answers and inbox states, in this transaction.
            await AsyncInbox.SaveAsync(Database, connection, transaction, work, CommandTimeout());
            await SaveReversalsAndApprovalsAsync(work);
            if (sqlite is not null)
            {
                await sqlite.SaveAsync(work);
                await ExchangeStore.SaveAsync(connection, transaction, work, CommandTimeout());
                return;
            }

            foreach (var account in work.ChangedAccounts)
            {
                await connection.ExecuteAsync(Sql.UpdateBalances, account, transaction, CommandTimeout());
            }

            foreach (var transfer in work.NewTransfers)
            {
                await connection.ExecuteAsync(Sql.InsertTransfer, transfer, transaction, CommandTimeout());
                if (transfer.Metadata is not null)
                {
                    await connection.ExecuteAsync(SqlServer.InsertMetadata, transfer, transaction, CommandTimeout());
                }
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

            await ExchangeStore.SaveAsync(connection, transaction, work, CommandTimeout());

            // Last before COMMIT: the event counter's row lock is held from here to the end of the transaction.
            await EventLog.WriteAsync(connection, transaction, Database, work.Now, work.NewEvents, CommandTimeout());
        }

        /// <summary>Runs a write of another part of the service in this transaction (<see cref="SharedWrites"/>).</summary>
        public Task<LedgerOutcome> RunSharedAsync(SharedWrite write) => write.RunAsync(connection, transaction);

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
                _committed = true;
            }
            catch (Exception exception) when (Database.Provider == DatabaseProvider.SqlServer)
            {
                // SQLite reports a COMMIT that failed only when nothing was committed (its atomic commit);
                // SQL Server's connection may break after the server committed.
                throw new CommitOutcomeUnknownException(exception);
            }
        }

        /// <summary>
        /// Rolls back what did not commit. The SQLite writer's connection goes back to the store
        /// after a commit; after any failure (disk full, busy, I/O error) it is closed, and the
        /// next group opens a new one, so no statement or handle is reused in an unknown state.
        /// </summary>
        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            // Committed or rolled back: the next writer of this process may begin.
            turn.Dispose();
            if (sqlite is null)
            {
                await connection.DisposeAsync();
            }
            else if (_committed)
            {
                store._idleSqliteWriters.Push(sqlite);
                store._checkpointer.Value.Committed();
            }
            else
            {
                await sqlite.DisposeAsync();
            }
        }

        /// <summary>Locks and loads the approvals the commands decide (ascending id).</summary>
        private async Task LoadApprovalsAsync(LedgerWorkSet work, IReadOnlyList<LedgerCommand> commands)
        {
            foreach (var id in commands.OfType<DecideApproval>().Select(c => c.ApprovalId).Distinct().Order(StringComparer.Ordinal))
            {
                var approval = await connection.QuerySingleOrDefaultAsync<ApprovalRow>(Database.Pick(Sqlite.LoadApproval, SqlServer.LoadApproval), new { Id = id }, transaction, CommandTimeout());
                if (approval is not null)
                {
                    work.Approvals[approval.Id] = approval;
                }
            }
        }

        /// <summary>What reversals and dual control changed: originals' reversed amounts, new approvals, decided ones. Every row already exists or references nothing new.</summary>
        private async Task SaveReversalsAndApprovalsAsync(LedgerWorkSet work)
        {
            foreach (var original in work.ReversedTransfers.Values)
            {
                await connection.ExecuteAsync(Sql.UpdateReversedAmount, original, transaction, CommandTimeout());
            }

            foreach (var approval in work.NewApprovals)
            {
                await connection.ExecuteAsync(Sql.InsertApproval, approval, transaction, CommandTimeout());
            }

            foreach (var approval in work.DecidedApprovals.Values)
            {
                await connection.ExecuteAsync(Sql.DecideApproval, approval, transaction, CommandTimeout());
            }
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
                id = sqlite is not null
                    ? await sqlite.FindSettlementAsync(currency)
                    : await connection.QuerySingleOrDefaultAsync<string>(Sql.FindSettlement, new { Currency = currency }, transaction, CommandTimeout());
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

    /// <summary>The pairs as a JSON array of [account id, reference] arrays: one parameter, whatever the group's size.</summary>
    internal static string ReferencePairs(IEnumerable<(string AccountId, string Reference)> pairs)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var (accountId, reference) in pairs)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(accountId);
                writer.WriteStringValue(reference);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
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
            INSERT INTO transfers (id, from_account_id, to_account_id, amount, currency, status, captured_amount, description, metadata, hold_expires_at, initiated_by, created_at, updated_at, reference, reversal_of)
            VALUES (@Id, @FromAccountId, @ToAccountId, @Amount, @Currency, @Status, @CapturedAmount, @Description, @Metadata, @HoldExpiresAt, @InitiatedBy, @CreatedAt, @UpdatedAt, @Reference, @ReversalOf)
            """;

        public const string UpdateReversedAmount = """
            UPDATE transfers SET reversed_amount = @ReversedAmount, updated_at = @UpdatedAt WHERE id = @Id
            """;

        public const string InsertApproval = """
            INSERT INTO approvals (id, status, operation, request, target_id, amount, currency, requested_by, created_at, expires_at)
            VALUES (@Id, @Status, @Operation, @Request, @TargetId, @Amount, @Currency, @RequestedBy, @CreatedAt, @ExpiresAt)
            """;

        public const string DecideApproval = """
            UPDATE approvals SET status = @Status, decided_by = @DecidedBy, decided_at = @DecidedAt, transfer_id = @TransferId WHERE id = @Id AND status = 'pending'
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

    /// <summary>
    /// The SQLite writer's connection and its commands, created once and reused for the writer's
    /// life: a reused <see cref="SqliteCommand"/> keeps its compiled statement, so a group only
    /// binds values and steps, where a command per row would parse and plan the SQL again for every
    /// account, transfer, entry and key. Columns are read by ordinal, in the order the SELECTs name them.
    /// </summary>
    internal sealed class SqliteWriter : IAsyncDisposable
    {
        private readonly SqliteCommand _loadAccounts;
        private readonly SqliteCommand _loadTransfer;
        private readonly SqliteCommand _loadIdempotencyKeys;
        private readonly SqliteCommand _findSettlement;
        private readonly SqliteCommand _updateBalances;
        private readonly SqliteCommand _insertTransfer;
        private readonly SqliteCommand _updateTransfer;
        private readonly SqliteCommand _insertEntry;
        private readonly SqliteCommand _insertIdempotencyKey;
        private readonly SqliteCommand _takeEventSequences;
        private readonly SqliteCommand _insertEvent;
        private readonly SqliteCommand _insertEventAudience;
        private readonly SqliteCommand _loadTakenReferences;
        private readonly SqliteCommand _insertMetadata;
        private readonly SqliteCommand[] _all;
        private readonly string _path;

        public SqliteWriter(SqliteConnection connection)
        {
            Connection = connection;
            _path = connection.DataSource;
            _loadAccounts = Create(Sqlite.LoadAccounts, "@Ids");
            _loadTransfer = Create(Sqlite.LoadTransfer, "@Id");
            _loadIdempotencyKeys = Create(Sqlite.LoadIdempotencyKeys, "@Keys");
            _findSettlement = Create(Sql.FindSettlement, "@Currency");
            _updateBalances = Create(Sql.UpdateBalances, "@Posted", "@PendingDebits", "@PendingCredits", "@LastSequence", "@Id");
            _insertTransfer = Create(
                Sql.InsertTransfer,
                "@Id", "@FromAccountId", "@ToAccountId", "@Amount", "@Currency", "@Status", "@CapturedAmount", "@Description", "@Metadata", "@HoldExpiresAt", "@InitiatedBy", "@CreatedAt", "@UpdatedAt",
                "@Reference", "@ReversalOf");
            _updateTransfer = Create(Sql.UpdateTransfer, "@Status", "@CapturedAmount", "@UpdatedAt", "@Id");
            _insertEntry = Create(Sql.InsertEntry, "@AccountId", "@Sequence", "@TransferId", "@Amount", "@BalanceAfter", "@CreatedAt");
            _insertIdempotencyKey = Create(Sql.InsertIdempotencyKey, "@OwnerId", "@Key", "@RequestHash", "@ResponseStatus", "@ResponseBody", "@CreatedAt", "@ExpiresAt");
            _takeEventSequences = Create(EventLog.Sqlite.TakeSequences, "@Count");
            _insertEvent = Create(EventLog.Sql.InsertEvent, "@Sequence", "@Type", "@CreatedAt", "@Data");
            _insertEventAudience = Create(EventLog.Sql.InsertAudience, "@UserId", "@Sequence");
            _loadTakenReferences = Create(Sqlite.LoadTakenReferences, "@Pairs");
            _insertMetadata = Create(Sqlite.InsertMetadata, "@Metadata", "@CreatedAt", "@Id");
            _all = [_loadAccounts, _loadTransfer, _loadIdempotencyKeys, _findSettlement, _updateBalances, _insertTransfer, _updateTransfer, _insertEntry, _insertIdempotencyKey,
                _takeEventSequences, _insertEvent, _insertEventAudience, _loadTakenReferences, _insertMetadata];
        }

        public SqliteConnection Connection { get; }

        /// <summary>True while the file this connection writes is still the one at the configured path (not moved away or replaced by something else).</summary>
        public bool StillAtItsPath() => string.IsNullOrEmpty(_path) || !Path.IsPathRooted(_path) || File.Exists(_path);

        /// <summary>Every command runs in the group's transaction (the provider refuses one that does not name it).</summary>
        public void Enlist(SqliteTransaction transaction)
        {
            foreach (var command in _all)
            {
                command.Transaction = transaction;
            }
        }

        public async Task LoadAccountsAsync(IReadOnlyCollection<string> ids, Dictionary<string, AccountState> into)
        {
            if (ids.Count == 0)
            {
                return;
            }

            _loadAccounts.Parameters[0].Value = JsonArray(ids, static (writer, id) => writer.WriteStringValue(id));
            await using var reader = await _loadAccounts.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var account = new AccountState
                {
                    Id = reader.GetString(0),
                    OwnerId = reader.IsDBNull(1) ? null : reader.GetString(1),
                    Kind = reader.GetString(2),
                    Currency = reader.GetString(3),
                    Status = reader.GetString(4),
                    Posted = reader.GetInt64(5),
                    PendingDebits = reader.GetInt64(6),
                    PendingCredits = reader.GetInt64(7),
                    OverdraftLimit = reader.GetInt64(8),
                    LastSequence = reader.GetInt64(9),
                };
                into[account.Id] = account;
            }
        }

        public async Task LoadIdempotencyKeysAsync(IReadOnlyList<LedgerCommand> commands, Dictionary<(string UserId, string Key), LedgerWorkSet.StoredResponse> into)
        {
            var keys = commands.Where(c => c.IdempotencyKey is not null).Select(c => (c.Caller!.UserId, Key: c.IdempotencyKey!)).Distinct().ToList();
            if (keys.Count == 0)
            {
                return;
            }

            _loadIdempotencyKeys.Parameters[0].Value = JsonArray(keys, static (writer, key) =>
            {
                writer.WriteStartArray();
                writer.WriteStringValue(key.UserId);
                writer.WriteStringValue(key.Key);
                writer.WriteEndArray();
            });
            await using var reader = await _loadIdempotencyKeys.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                into[(reader.GetString(0), reader.GetString(1))] = new LedgerWorkSet.StoredResponse
                {
                    RequestHash = reader.GetString(2),
                    ResponseStatus = reader.GetInt32(3),
                    ResponseBody = reader.GetString(4),
                };
            }
        }

        public async Task LoadTakenReferencesAsync(IReadOnlyCollection<(string AccountId, string Reference)> pairs, HashSet<(string AccountId, string Reference)> into)
        {
            if (pairs.Count == 0)
            {
                return;
            }

            _loadTakenReferences.Parameters[0].Value = ReferencePairs(pairs);
            await using var reader = await _loadTakenReferences.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                into.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        public async Task<TransferRow?> LoadTransferAsync(string id)
        {
            _loadTransfer.Parameters[0].Value = id;
            await using var reader = await _loadTransfer.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                return null;
            }

            return new TransferRow
            {
                Id = reader.GetString(0),
                FromAccountId = reader.GetString(1),
                ToAccountId = reader.GetString(2),
                Amount = reader.GetInt64(3),
                Currency = reader.GetString(4),
                Status = reader.GetString(5),
                CapturedAmount = reader.GetInt64(6),
                Description = reader.IsDBNull(7) ? null : reader.GetString(7),
                Metadata = reader.IsDBNull(8) ? null : reader.GetString(8),
                HoldExpiresAt = reader.IsDBNull(9) ? null : reader.GetInt64(9),
                InitiatedBy = reader.GetString(10),
                CreatedAt = reader.GetInt64(11),
                UpdatedAt = reader.GetInt64(12),
                Reference = reader.IsDBNull(13) ? null : reader.GetString(13),
                ReversalOf = reader.IsDBNull(14) ? null : reader.GetString(14),
                ReversedAmount = reader.GetInt64(15),
            };
        }

        public async Task<string?> FindSettlementAsync(string currency)
        {
            _findSettlement.Parameters[0].Value = currency;
            return await _findSettlement.ExecuteScalarAsync() as string;
        }

        public async Task SaveAsync(LedgerWorkSet work)
        {
            foreach (var account in work.ChangedAccounts)
            {
                await ExecuteAsync(_updateBalances, account.Posted, account.PendingDebits, account.PendingCredits, account.LastSequence, account.Id);
            }

            foreach (var transfer in work.NewTransfers)
            {
                await ExecuteAsync(
                    _insertTransfer,
                    transfer.Id, transfer.FromAccountId, transfer.ToAccountId, transfer.Amount, transfer.Currency, transfer.Status, transfer.CapturedAmount,
                    transfer.Description, transfer.Metadata, transfer.HoldExpiresAt, transfer.InitiatedBy, transfer.CreatedAt, transfer.UpdatedAt, transfer.Reference,
                    transfer.ReversalOf);
                if (transfer.Metadata is not null)
                {
                    await ExecuteAsync(_insertMetadata, transfer.Metadata, transfer.CreatedAt, transfer.Id);
                }
            }

            foreach (var transfer in work.ChangedTransfers.Values)
            {
                await ExecuteAsync(_updateTransfer, transfer.Status, transfer.CapturedAmount, transfer.UpdatedAt, transfer.Id);
            }

            foreach (var entry in work.NewEntries)
            {
                await ExecuteAsync(_insertEntry, entry.AccountId, entry.Sequence, entry.TransferId, entry.Amount, entry.BalanceAfter, entry.CreatedAt);
            }

            foreach (var key in work.NewKeys)
            {
                await ExecuteAsync(_insertIdempotencyKey, key.OwnerId, key.Key, key.RequestHash, key.ResponseStatus, key.ResponseBody, key.CreatedAt, key.ExpiresAt);
            }

            await SaveEventsAsync(work);
        }

        /// <summary>The same statements as <see cref="EventLog.WriteAsync"/>, from this writer's prepared commands: the sequences last, then the rows.</summary>
        private async Task SaveEventsAsync(LedgerWorkSet work)
        {
            if (work.NewEvents.Count == 0)
            {
                return;
            }

            _takeEventSequences.Parameters[0].Value = (long)work.NewEvents.Count;
            var sequence = (long)(await _takeEventSequences.ExecuteScalarAsync())! - work.NewEvents.Count;
            foreach (var added in work.NewEvents)
            {
                sequence++;
                await ExecuteAsync(_insertEvent, sequence, added.Type, work.Now, added.Data);
                foreach (var userId in EventLog.AudienceOf(added))
                {
                    await ExecuteAsync(_insertEventAudience, userId, sequence);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var command in _all)
            {
                await command.DisposeAsync();
            }

            await Connection.DisposeAsync();
        }

        private static Task<int> ExecuteAsync(SqliteCommand command, params ReadOnlySpan<object?> values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            }

            return command.ExecuteNonQueryAsync();
        }

        /// <summary>A JSON array of the values, which the statement unpacks with json_each: one parameter, so one statement text whatever the group's size.</summary>
        private static string JsonArray<T>(IEnumerable<T> values, Action<Utf8JsonWriter, T> write)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartArray();
                foreach (var value in values)
                {
                    write(writer, value);
                }

                writer.WriteEndArray();
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }

        private SqliteCommand Create(string text, params string[] parameters)
        {
            var command = Connection.CreateCommand();
            command.CommandText = text;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
            }

            return command;
        }
    }

    private static class Sqlite
    {
        // Columns in the order SqliteWriter reads them by ordinal.
        public const string LoadAccounts = """
            SELECT id, owner_id, kind, currency, status, posted, pending_debits, pending_credits, overdraft_limit, last_sequence
            FROM accounts WHERE id IN (SELECT value FROM json_each(@Ids))
            """;

        public const string LoadTransfer = """
            SELECT id, from_account_id, to_account_id, amount, currency, status, captured_amount, description, metadata, hold_expires_at, initiated_by, created_at, updated_at, reference,
                   reversal_of, reversed_amount
            FROM transfers WHERE id = @Id
            """;

        // A seek on ux_transfers_reference per pair.
        public const string LoadTakenReferences = """
            SELECT t.from_account_id, t.reference
            FROM json_each(@Pairs) AS wanted
            JOIN transfers AS t ON t.reference = json_extract(wanted.value, '$[1]') AND t.from_account_id = json_extract(wanted.value, '$[0]')
            """;

        // Each pair of the transfer's metadata (a JSON object of strings, as stored on the transfer), for metadata[key]=value.
        public const string InsertMetadata = """
            INSERT INTO transfer_metadata (meta_key, meta_value, created_at, transfer_id)
            SELECT key, value, @CreatedAt, @Id FROM json_each(@Metadata)
            """;

        public const string LoadApproval = $"""
            SELECT {ApprovalRow.Columns} FROM approvals WHERE id = @Id
            """;

        public const string LoadIdempotencyKeys = """
            SELECT k.owner_id, k.idempotency_key, k.request_hash, k.response_status, k.response_body
            FROM json_each(@Keys) AS wanted
            JOIN idempotency_keys AS k ON k.owner_id = json_extract(wanted.value, '$[0]') AND k.idempotency_key = json_extract(wanted.value, '$[1]')
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

        public const string LoadApproval = $"""
            SELECT {ApprovalRow.Columns} FROM approvals WITH (UPDLOCK, ROWLOCK, HOLDLOCK) WHERE id = @Id
            """;

        public const string LoadIdempotencyKey = """
            SELECT request_hash AS RequestHash, response_status AS ResponseStatus, response_body AS ResponseBody
            FROM idempotency_keys WITH (UPDLOCK, HOLDLOCK) WHERE owner_id = @OwnerId AND idempotency_key = @Key
            """;

        public const string LoadTakenReferences = """
            SELECT t.from_account_id AS AccountId, t.reference AS Reference
            FROM OPENJSON(@Pairs) WITH (account_id nvarchar(40) '$[0]', reference nvarchar(128) '$[1]') AS wanted
            JOIN dbo.transfers AS t WITH (UPDLOCK, HOLDLOCK) ON t.reference = wanted.reference AND t.from_account_id = wanted.account_id
            """;

        public const string InsertMetadata = """
            INSERT INTO dbo.transfer_metadata (meta_key, meta_value, created_at, transfer_id)
            SELECT [key], [value], @CreatedAt, @Id FROM OPENJSON(@Metadata)
            """;
    }
}
