using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Events;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Admin;

public sealed record OverdraftLimitRequest([Range(0d, Amounts.Max)] long Limit);

public static class SetOverdraftLimit
{
    public static RouteHandlerBuilder MapSetOverdraftLimit(this IEndpointRouteBuilder group) =>
        group.MapPut("/{id}/overdraft-limit", HandleAsync)
            .WithName("SetOverdraftLimit")
            .WithSummary("Set how far below zero a customer account may go")
            .WithDescription("Staff only. The limit is in minor units of the account's currency; 0 means the account may not go below zero. Only customer accounts have one (404 otherwise); a closed account is final (422 account_closed).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    // The ledger writer reads the limit under its own locks, so it sees this change or the old value.
    public static Task<Results<Ok<AccountResponse>, ProblemHttpResult>> HandleAsync(
        string id, OverdraftLimitRequest request, HttpContext context, SqlDatabase database, AccountCache accounts, TimeProvider time, CancellationToken cancellationToken) =>
        AccountChanges.ApplyAsync(context, database, accounts, time, id, EventTypes.AccountOverdraftLimitChanged, refuse: _ => null,
            (connection, transaction) => connection.ExecuteAsync(Sql.SetLimit, new { Id = id, request.Limit }, transaction),
            (before, after) => $"overdraft_limit {before.OverdraftLimit}->{after.OverdraftLimit}", cancellationToken);

    private static class Sql
    {
        public const string SetLimit = """
            UPDATE accounts SET overdraft_limit = @Limit WHERE id = @Id
            """;
    }
}

/// <summary>
/// An operator's change to one account: lock it (SQL Server; SQLite's write lock covers it),
/// check it may change, update it and return it, all in one transaction, so the ledger writer
/// sees the account before or after the change, never during. After the commit, the account's
/// cached reads are evicted on every replica.
/// </summary>
internal static class AccountChanges
{
    // eventType: the event the change writes, in its transaction, when it changes anything.
    // describe: what changed, before and after, for the audit record.
    public static async Task<Results<Ok<AccountResponse>, ProblemHttpResult>> ApplyAsync(
        HttpContext context, SqlDatabase database, AccountCache accounts, TimeProvider time, string id, string eventType, Func<AccountRow, ProblemHttpResult?> refuse,
        Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task> update, Func<AccountRow, AccountRow, string> describe,
        CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(AccountIds.Prefix, id))
        {
            return ApiProblems.NotFound("Account");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var account = await ReadAsync(connection, transaction, database, id);
        if (account is null || account.Kind != AccountKinds.Customer)
        {
            return ApiProblems.NotFound("Account");
        }

        if (account.Status == AccountStatuses.Closed)
        {
            return ApiProblems.Unprocessable("account_closed", $"Account {id} is closed; that is final.");
        }

        if (refuse(account) is { } refusal)
        {
            return refusal;
        }

        await update(connection, transaction);
        var updated = await ReadAsync(connection, transaction, database, id);
        // A change that changes nothing (unfreezing an active account, the same limit again) is no event.
        if (updated!.Status != account.Status || updated.OverdraftLimit != account.OverdraftLimit)
        {
            await EventLog.WriteAsync(connection, transaction, database, UnixMicroseconds.Now(time), [new NewEvent(
                eventType, JsonSerializer.Serialize(updated.ToResponse(), StrongroomJsonContext.Default.AccountResponse), updated.OwnerId, null)]);
        }

        await transaction.CommitAsync(cancellationToken);
        await accounts.EvictAsync(id, account.OwnerId);
        context.SetAuditDetails(describe(account, updated!));
        return TypedResults.Ok(updated!.ToResponse());
    }

    private static Task<AccountRow?> ReadAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, SqlDatabase database, string id) =>
        connection.QuerySingleOrDefaultAsync<AccountRow>(database.Pick(Sqlite.Lock, SqlServer.Lock), new { Id = id }, transaction);

    private static class Sqlite
    {
        public const string Lock = $"""
            SELECT {AccountRow.Columns} FROM accounts WHERE id = @Id
            """;
    }

    private static class SqlServer
    {
        public const string Lock = $"""
            SELECT {AccountRow.Columns} FROM accounts WITH (UPDLOCK, ROWLOCK, HOLDLOCK) WHERE id = @Id
            """;
    }
}
