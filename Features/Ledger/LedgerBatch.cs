using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Applies a group of commands in ONE database transaction: lock and load every account the
/// group touches (ascending id, so two writers cannot deadlock on them), apply each command in
/// memory against the rules of money, then write the changed balances once per account, the new
/// transfers, their entries and the Idempotency-Key records, and commit. A command that breaks a
/// rule gets its own refusal and leaves no trace; the others still apply.
/// </summary>
internal sealed class LedgerBatch(SqlDatabase database, TimeProvider time, LedgerOptions options)
{
    // Settlement accounts never change identity once created, so their ids may be remembered.
    private readonly Dictionary<string, string> _settlementIds = new(StringComparer.Ordinal);
    private readonly Lock _settlementLock = new();

    /// <summary>
    /// The outcome of each command, every account whose balances the commit changed, and how long
    /// the transaction took from holding the write lock to the end of COMMIT (of which COMMIT).
    /// </summary>
    public sealed record Result(LedgerOutcome[] Outcomes, IReadOnlyList<AccountState> ChangedAccounts, TimeSpan Work, TimeSpan Commit);

    /// <summary>
    /// Applies <paramref name="commands"/> in one transaction, giving up (and rolling back) once
    /// <paramref name="deadline"/> (a timestamp of the service's clock) has passed before COMMIT:
    /// every wait for a lock or the server is bounded by it. A failed COMMIT on SQL Server throws
    /// <see cref="CommitOutcomeUnknownException"/>: the connection may have broken after the
    /// server committed.
    /// </summary>
    public async Task<Result> ApplyAsync(IReadOnlyList<LedgerCommand> commands, long deadline)
    {
        await using var connection = await OpenAsync(deadline);
        if (connection is SqliteConnection sqlite)
        {
            await BoundBusyWaitAsync(sqlite, deadline);
        }

        // SQLite: BEGIN IMMEDIATE, the single write lock. SQL Server: row locks taken below.
        await using var transaction = await connection.BeginTransactionAsync();
        var began = time.GetTimestamp();
        var work = new Work(connection, transaction, UnixMicroseconds.Now(time), deadline);

        await LoadAsync(work, commands);
        var outcomes = new LedgerOutcome[commands.Count];
        for (var i = 0; i < commands.Count; i++)
        {
            outcomes[i] = Decide(work, commands[i]);
        }

        await SaveAsync(work);
        var committing = time.GetTimestamp();
        try
        {
            // Once COMMIT is sent it runs to its end: a deadline never makes a commit's outcome unknown.
            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception exception) when (database.Provider == DatabaseProvider.SqlServer)
        {
            // SQLite reports a COMMIT that failed only when nothing was committed (its atomic commit);
            // SQL Server's connection may break after the server committed.
            throw new CommitOutcomeUnknownException(exception);
        }

        var committed = time.GetTimestamp();
        return new Result(outcomes, [.. work.Dirty.Values], time.GetElapsedTime(began, committed), time.GetElapsedTime(committing, committed));
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

    /// <summary>
    /// SQL Server: each statement may take no longer than the time left, in the whole seconds
    /// SqlClient counts (rounded up), and none starts past the deadline; the transaction then
    /// rolls back. SQLite: null, the connection's bounded busy wait applies (the write lock is
    /// already held, so nothing else waits).
    /// </summary>
    private int? CommandTimeout(Work work)
    {
        if (database.Provider != DatabaseProvider.SqlServer || work.Deadline == long.MaxValue)
        {
            return null;
        }

        var remaining = time.GetElapsedTime(time.GetTimestamp(), work.Deadline);
        return remaining > TimeSpan.Zero
            ? (int)Math.Min(int.MaxValue, Math.Ceiling(remaining.TotalSeconds))
            : throw new TimeoutException("The ledger commands' deadline passed before their transaction could commit.");
    }

    private async Task LoadAsync(Work work, IReadOnlyList<LedgerCommand> commands)
    {
        var accountIds = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var transferId in commands.OfType<SettleHold>().Select(c => c.TransferId).Distinct().Order(StringComparer.Ordinal))
        {
            var transfer = await work.Connection.QuerySingleOrDefaultAsync<TransferRow>(database.Pick(Sqlite.LoadTransfer, SqlServer.LoadTransfer), new { Id = transferId }, work.Transaction, CommandTimeout(work));
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
            var account = await work.Connection.QuerySingleOrDefaultAsync<AccountState>(database.Pick(Sqlite.LoadAccount, SqlServer.LoadAccount), new { Id = id }, work.Transaction, CommandTimeout(work));
            if (account is not null)
            {
                work.Accounts[id] = account;
            }
        }

        foreach (var command in commands.Where(c => c.IdempotencyKey is not null).DistinctBy(c => (c.Caller!.UserId, c.IdempotencyKey)))
        {
            var stored = await work.Connection.QuerySingleOrDefaultAsync<StoredResponse>(
                database.Pick(Sqlite.LoadIdempotencyKey, SqlServer.LoadIdempotencyKey),
                new { OwnerId = command.Caller!.UserId, Key = command.IdempotencyKey },
                work.Transaction,
                CommandTimeout(work));
            if (stored is not null)
            {
                work.StoredResponses[(command.Caller.UserId, command.IdempotencyKey!)] = stored;
            }
        }
    }

    private async Task<string?> SettlementIdAsync(Work work, string currency)
    {
        string? id;
        lock (_settlementLock)
        {
            _settlementIds.TryGetValue(currency, out id);
        }

        if (id is null)
        {
            id = await work.Connection.QuerySingleOrDefaultAsync<string>(Sql.FindSettlement, new { Currency = currency }, work.Transaction, CommandTimeout(work));
            if (id is not null)
            {
                lock (_settlementLock)
                {
                    _settlementIds[currency] = id;
                }
            }
        }

        if (id is not null)
        {
            work.SettlementIds[currency] = id;
        }

        return id;
    }

    private LedgerOutcome Decide(Work work, LedgerCommand command)
    {
        if (command.IdempotencyKey is { } key)
        {
            var slot = (command.Caller!.UserId, key);
            if (work.StoredResponses.TryGetValue(slot, out var stored))
            {
                return stored.RequestHash == command.RequestHash
                    ? new LedgerOutcome(stored.ResponseStatus, stored.ResponseBody, Replayed: true)
                    : LedgerProblems.Unprocessable(command.TraceId, "idempotency_key_reused", "This Idempotency-Key was used with a different request.");
            }

            var outcome = Apply(work, command);
            // Recorded in the same transaction as the movement: both happen, or neither.
            var record = new StoredResponse { RequestHash = command.RequestHash!, ResponseStatus = outcome.Status, ResponseBody = outcome.Body };
            work.StoredResponses[slot] = record;
            work.NewKeys.Add(new IdempotencyRow(slot.UserId, key, record.RequestHash, record.ResponseStatus, record.ResponseBody, work.Now,
                work.Now + (long)(options.IdempotencyRetention.Ticks / TimeSpan.TicksPerMicrosecond)));
            return outcome;
        }

        return Apply(work, command);
    }

    private LedgerOutcome Apply(Work work, LedgerCommand command)
    {
        var savepoint = work.Save();
        try
        {
            var outcome = command switch
            {
                PostTransfers post => Post(work, post),
                SettleHold settle => Settle(work, settle),
                _ => throw new InvalidOperationException($"Unknown ledger command {command.GetType().Name}."),
            };
            if (!outcome.IsSuccess)
            {
                work.Restore(savepoint);
            }

            return outcome;
        }
        catch (OverflowException)
        {
            work.Restore(savepoint);
            return LedgerProblems.Unprocessable(command.TraceId, "amount_out_of_range", "The amount would take a balance beyond what the ledger can hold.");
        }
    }

    private LedgerOutcome Post(Work work, PostTransfers command)
    {
        var responses = new List<TransferResponse>(command.Transfers.Count);
        for (var index = 0; index < command.Transfers.Count; index++)
        {
            var refusal = TryPost(work, command, command.Transfers[index], out var posted);
            if (refusal is not null)
            {
                // In a batch, the refusal names the transfer that caused it; nothing of the batch applies.
                return LedgerProblems.Create(refusal.Value.Status, refusal.Value.Code, refusal.Value.Detail, command.TraceId, command.IsBatch ? index : null);
            }

            responses.Add(posted!.ToResponse());
        }

        return command.IsBatch
            ? new LedgerOutcome(StatusCodes.Status201Created, JsonSerializer.Serialize(new TransferBatchResponse(responses), StrongroomJsonContext.Default.TransferBatchResponse))
            : new LedgerOutcome(StatusCodes.Status201Created, JsonSerializer.Serialize(responses[0], StrongroomJsonContext.Default.TransferResponse), Location: $"/v1/transfers/{responses[0].Id}");
    }

    private Refusal? TryPost(Work work, LedgerCommand command, TransferInstruction instruction, out TransferRow? posted)
    {
        posted = null;
        var caller = command.Caller!;
        var settlement = work.SettlementIds.GetValueOrDefault(instruction.Currency);
        var fromId = instruction.Kind == TransferKind.Deposit ? settlement : instruction.FromAccountId;
        var toId = instruction.Kind == TransferKind.Withdrawal ? settlement : instruction.ToAccountId;
        var from = fromId is null ? null : work.Accounts.GetValueOrDefault(fromId);
        var to = toId is null ? null : work.Accounts.GetValueOrDefault(toId);

        // The account the client named comes first: unknown or not theirs is "not found".
        var named = instruction.Kind == TransferKind.Deposit ? to : from;
        if (named is null || (!caller.IsStaff && named.OwnerId != caller.UserId))
        {
            return Refusal.NotFound(instruction.Kind == TransferKind.Deposit ? "Account" : "Source account");
        }

        if (instruction.Kind == TransferKind.Transfer && (to is null || (to.Kind == AccountKinds.Settlement && !caller.IsStaff)))
        {
            return new Refusal(422, "account_not_found", "The destination account does not exist.");
        }

        if (from is null || to is null || named.Currency != instruction.Currency)
        {
            // Deposits and withdrawals: no settlement account in that currency means no account in it either.
            return new Refusal(422, "currency_mismatch", "Both accounts must hold the transfer's currency.");
        }

        if (from.Id == to.Id)
        {
            return new Refusal(422, "same_account", "Source and destination are the same account.");
        }

        if (from.Currency != instruction.Currency || to.Currency != instruction.Currency)
        {
            return new Refusal(422, "currency_mismatch", "Both accounts must hold the transfer's currency.");
        }

        if ((StatusRefusal(from) ?? StatusRefusal(to)) is { } statusRefusal)
        {
            return statusRefusal;
        }

        var amount = instruction.Amount;
        if (from.Kind == AccountKinds.Customer && checked(from.Posted - from.PendingDebits - amount) < -from.OverdraftLimit)
        {
            return new Refusal(422, "insufficient_funds", "The available balance of the source account, with its overdraft limit, does not cover the amount.");
        }

        var transfer = new TransferRow
        {
            Id = instruction.Id,
            FromAccountId = from.Id,
            ToAccountId = to.Id,
            Amount = amount,
            Currency = instruction.Currency,
            Status = instruction.Hold ? TransferStatuses.Pending : TransferStatuses.Posted,
            CapturedAmount = instruction.Hold ? 0 : amount,
            Description = instruction.Description,
            Metadata = instruction.Metadata is null ? null : JsonSerializer.Serialize(instruction.Metadata, StrongroomJsonContext.Default.IReadOnlyDictionaryStringString),
            HoldExpiresAt = instruction.Hold
                ? instruction.HoldExpiresAt ?? work.Now + (options.DefaultHoldDuration.Ticks / TimeSpan.TicksPerMicrosecond)
                : null,
            InitiatedBy = caller.UserId,
            CreatedAt = work.Now,
            UpdatedAt = work.Now,
        };

        work.Touch(from);
        work.Touch(to);
        if (instruction.Hold)
        {
            from.PendingDebits = checked(from.PendingDebits + amount);
            to.PendingCredits = checked(to.PendingCredits + amount);
        }
        else
        {
            Move(work, from, to, transfer.Id, amount);
        }

        work.NewTransfers.Add(transfer);
        posted = transfer;
        return null;
    }

    private static LedgerOutcome Settle(Work work, SettleHold command)
    {
        if (!work.Transfers.TryGetValue(command.TransferId, out var transfer))
        {
            return LedgerProblems.NotFound(command.TraceId, "Transfer");
        }

        var from = work.Accounts[transfer.FromAccountId];
        var to = work.Accounts[transfer.ToAccountId];
        if (command.Caller is { } caller && !caller.IsStaff && from.OwnerId != caller.UserId)
        {
            return LedgerProblems.NotFound(command.TraceId, "Transfer");
        }

        if (transfer.Status != TransferStatuses.Pending)
        {
            return LedgerProblems.Conflict(command.TraceId, "hold_not_pending", $"The transfer is {transfer.Status}, not a pending hold.");
        }

        if (command.Action == HoldAction.Expire && transfer.HoldExpiresAt > work.Now)
        {
            return LedgerProblems.Conflict(command.TraceId, "hold_not_expired", "The hold has not expired.");
        }

        var captured = 0L;
        if (command.Action == HoldAction.Capture)
        {
            // Past its expiry a hold is as good as voided, even before the expiry job gets to it.
            if (transfer.HoldExpiresAt <= work.Now)
            {
                return LedgerProblems.Conflict(command.TraceId, "hold_not_pending", "The hold has expired.");
            }

            captured = command.Amount ?? transfer.Amount;
            if (captured > transfer.Amount)
            {
                return LedgerProblems.Unprocessable(command.TraceId, "amount_exceeds_hold", $"At most {transfer.Amount} can be captured.");
            }

            if ((StatusRefusal(from) ?? StatusRefusal(to)) is { } refusal)
            {
                return LedgerProblems.Create(refusal.Status, refusal.Code, refusal.Detail, command.TraceId);
            }
        }

        work.Touch(from);
        work.Touch(to);
        // The whole reservation is released; only what was captured moves.
        from.PendingDebits = checked(from.PendingDebits - transfer.Amount);
        to.PendingCredits = checked(to.PendingCredits - transfer.Amount);
        if (captured > 0)
        {
            Move(work, from, to, transfer.Id, captured);
        }

        work.TouchTransfer(transfer);
        transfer.Status = command.Action == HoldAction.Capture ? TransferStatuses.Posted : TransferStatuses.Voided;
        transfer.CapturedAmount = captured;
        transfer.UpdatedAt = work.Now;
        return new LedgerOutcome(StatusCodes.Status200OK, JsonSerializer.Serialize(transfer.ToResponse(), StrongroomJsonContext.Default.TransferResponse));
    }

    /// <summary>Posts a debit and a credit that sum to zero, numbering each account's entries.</summary>
    private static void Move(Work work, AccountState from, AccountState to, string transferId, long amount)
    {
        from.Posted = checked(from.Posted - amount);
        to.Posted = checked(to.Posted + amount);
        from.LastSequence++;
        to.LastSequence++;
        work.NewEntries.Add(new EntryRow(from.Id, from.LastSequence, transferId, -amount, from.Posted, work.Now));
        work.NewEntries.Add(new EntryRow(to.Id, to.LastSequence, transferId, amount, to.Posted, work.Now));
    }

    private static Refusal? StatusRefusal(AccountState account) => account.Status switch
    {
        AccountStatuses.Closed => new Refusal(422, "account_closed", $"Account {account.Id} is closed."),
        AccountStatuses.Frozen => new Refusal(422, "account_frozen", $"Account {account.Id} is frozen."),
        _ => null,
    };

    private async Task SaveAsync(Work work)
    {
        foreach (var account in work.Dirty.Values.Order())
        {
            await work.Connection.ExecuteAsync(Sql.UpdateBalances, account, work.Transaction, CommandTimeout(work));
        }

        foreach (var transfer in work.NewTransfers)
        {
            await work.Connection.ExecuteAsync(Sql.InsertTransfer, transfer, work.Transaction, CommandTimeout(work));
        }

        foreach (var transfer in work.ChangedTransfers.Values)
        {
            await work.Connection.ExecuteAsync(Sql.UpdateTransfer, transfer, work.Transaction, CommandTimeout(work));
        }

        foreach (var entry in work.NewEntries)
        {
            await work.Connection.ExecuteAsync(Sql.InsertEntry, entry, work.Transaction, CommandTimeout(work));
        }

        foreach (var key in work.NewKeys)
        {
            await work.Connection.ExecuteAsync(Sql.InsertIdempotencyKey, key, work.Transaction, CommandTimeout(work));
        }
    }

    private readonly record struct Refusal(int Status, string Code, string Detail)
    {
        public static Refusal NotFound(string what) => new(404, "not_found", $"{what} was not found.");
    }

    /// <summary>An account's balances as the batch sees and changes them.</summary>
    public sealed class AccountState : IComparable<AccountState>
    {
        public string Id { get; init; } = "";

        public string? OwnerId { get; init; }

        public string Kind { get; init; } = "";

        public string Currency { get; init; } = "";

        public string Status { get; init; } = "";

        public long Posted { get; set; }

        public long PendingDebits { get; set; }

        public long PendingCredits { get; set; }

        public long OverdraftLimit { get; init; }

        public long LastSequence { get; set; }

        public int CompareTo(AccountState? other) => string.CompareOrdinal(Id, other?.Id);

        public long[] Snapshot() => [Posted, PendingDebits, PendingCredits, LastSequence];

        public void Reset(long[] snapshot) => (Posted, PendingDebits, PendingCredits, LastSequence) = (snapshot[0], snapshot[1], snapshot[2], snapshot[3]);
    }

    public sealed class StoredResponse
    {
        public string RequestHash { get; init; } = "";

        public int ResponseStatus { get; init; }

        public string ResponseBody { get; init; } = "";
    }

    public sealed record EntryRow(string AccountId, long Sequence, string TransferId, long Amount, long BalanceAfter, long CreatedAt);

    public sealed record IdempotencyRow(string OwnerId, string Key, string RequestHash, int ResponseStatus, string ResponseBody, long CreatedAt, long ExpiresAt);

    /// <summary>Everything one transaction reads and will write.</summary>
    private sealed class Work(DbConnection connection, DbTransaction transaction, long now, long deadline)
    {
        /// <summary>A timestamp of the service's clock; <see cref="long.MaxValue"/> for none.</summary>
        public long Deadline { get; } = deadline;

        public DbConnection Connection { get; } = connection;

        public DbTransaction Transaction { get; } = transaction;

        public long Now { get; } = now;

        public Dictionary<string, AccountState> Accounts { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, TransferRow> Transfers { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> SettlementIds { get; } = new(StringComparer.Ordinal);

        public Dictionary<(string UserId, string Key), StoredResponse> StoredResponses { get; } = [];

        public Dictionary<string, AccountState> Dirty { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, TransferRow> ChangedTransfers { get; } = new(StringComparer.Ordinal);

        public List<TransferRow> NewTransfers { get; } = [];

        public List<EntryRow> NewEntries { get; } = [];

        public List<IdempotencyRow> NewKeys { get; } = [];

        private readonly Dictionary<string, long[]> _before = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string Status, long Captured, long Updated)> _transfersBefore = new(StringComparer.Ordinal);

        public void Touch(AccountState account)
        {
            Dirty[account.Id] = account;
            if (!_before.ContainsKey(account.Id))
            {
                _before[account.Id] = account.Snapshot();
            }
        }

        public void TouchTransfer(TransferRow transfer)
        {
            ChangedTransfers[transfer.Id] = transfer;
            _transfersBefore.TryAdd(transfer.Id, (transfer.Status, transfer.CapturedAmount, transfer.UpdatedAt));
        }

        /// <summary>Starts a command: what it changes can be undone if it is refused.</summary>
        public Savepoint Save()
        {
            _before.Clear();
            _transfersBefore.Clear();
            return new Savepoint(NewTransfers.Count, NewEntries.Count, [.. Dirty.Keys], [.. ChangedTransfers.Keys]);
        }

        public void Restore(Savepoint savepoint)
        {
            foreach (var (id, balances) in _before)
            {
                Accounts[id].Reset(balances);
            }

            foreach (var (id, (status, captured, updated)) in _transfersBefore)
            {
                var transfer = Transfers[id];
                transfer.Status = status;
                transfer.CapturedAmount = captured;
                transfer.UpdatedAt = updated;
            }

            NewTransfers.RemoveRange(savepoint.Transfers, NewTransfers.Count - savepoint.Transfers);
            NewEntries.RemoveRange(savepoint.Entries, NewEntries.Count - savepoint.Entries);
            foreach (var id in Dirty.Keys.Except(savepoint.DirtyAccounts).ToList())
            {
                Dirty.Remove(id);
            }

            foreach (var id in ChangedTransfers.Keys.Except(savepoint.ChangedTransfers).ToList())
            {
                ChangedTransfers.Remove(id);
            }
        }
    }

    /// <summary>COMMIT failed where the server may have committed all the same: only a retry, which reads the Idempotency-Keys, can tell.</summary>
    public sealed class CommitOutcomeUnknownException(Exception inner) : Exception("The ledger transaction's COMMIT failed; whether it committed is not known.", inner);

    private sealed record Savepoint(int Transfers, int Entries, HashSet<string> DirtyAccounts, HashSet<string> ChangedTransfers);

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
