using System.ComponentModel.DataAnnotations;
using Strongroom.Features.Accounts;
using Strongroom.Features.Transfers;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Admin;

public sealed record OverdraftLimitRequest([Range(0d, Amounts.Max)] long Limit);

public static class SetOverdraftLimit
{
    public static RouteHandlerBuilder MapSetOverdraftLimit(this IEndpointRouteBuilder group) =>
        group.MapPut("/{id}/overdraft-limit", HandleAsync)
            .WithName("SetOverdraftLimit")
            .WithSummary("Set how far below zero a customer account may go")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    public static async Task<Results<Ok<AccountResponse>, ProblemHttpResult>> HandleAsync(
        string id, OverdraftLimitRequest request, SqlDatabase database, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(AccountIds.Prefix, id))
        {
            return ApiProblems.NotFound("Account");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        // The ledger writer reads the limit under its own locks, so it sees this change or the old
        // value, never half of one.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var account = await AccountLocks.LockAsync(connection, transaction, database, id);
        if (account is null || account.Kind != AccountKinds.Customer)
        {
            return ApiProblems.NotFound("Account");
        }

        if (account.Status == AccountStatuses.Closed)
        {
            return AccountLocks.Closed(id);
        }

        await connection.ExecuteAsync(Sql.SetLimit, new { Id = id, request.Limit }, transaction);
        var updated = await AccountLocks.LockAsync(connection, transaction, database, id);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(updated!.ToResponse());
    }

    private static class Sql
    {
        public const string SetLimit = """
            UPDATE accounts SET overdraft_limit = @Limit WHERE id = @Id
            """;
    }
}

/// <summary>Reads an account inside a transaction, holding it (SQL Server) until the transaction ends.</summary>
internal static class AccountLocks
{
    public static Task<AccountRow?> LockAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, SqlDatabase database, string id) =>
        connection.QuerySingleOrDefaultAsync<AccountRow>(database.Pick(Sqlite.Lock, SqlServer.Lock), new { Id = id }, transaction);

    public static ProblemHttpResult Closed(string id) =>
        ApiProblems.Create(StatusCodes.Status422UnprocessableEntity, "account_closed", "Unprocessable Entity", $"Account {id} is closed; that is final.");

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
