using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Events;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Admin;

/// <summary>Freeze (no money in or out), unfreeze, or close (final; only an empty account with no holds).</summary>
public static class ChangeAccountStatus
{
    public static IEndpointRouteBuilder MapChangeAccountStatus(this IEndpointRouteBuilder group)
    {
        group.MapPost("/{id}/freeze", (string id, HttpContext context, SqlDatabase database, AccountCache accounts, TimeProvider time, CancellationToken cancellationToken) =>
                HandleAsync(id, context, AccountStatuses.Frozen, database, accounts, time, cancellationToken))
            .WithName("FreezeAccount").WithSummary("Stop all money movement in and out of an account")
            .WithDescription("Staff only. A frozen account keeps its balance; money movement in and out of it is refused until it is unfrozen. A closed account is final (422 account_closed).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/{id}/unfreeze", (string id, HttpContext context, SqlDatabase database, AccountCache accounts, TimeProvider time, CancellationToken cancellationToken) =>
                HandleAsync(id, context, AccountStatuses.Active, database, accounts, time, cancellationToken))
            .WithName("UnfreezeAccount").WithSummary("Let money move again")
            .WithDescription("Staff only. Makes a frozen account active again; a closed account stays closed (422 account_closed).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/{id}/close", (string id, HttpContext context, SqlDatabase database, AccountCache accounts, TimeProvider time, CancellationToken cancellationToken) =>
                HandleAsync(id, context, AccountStatuses.Closed, database, accounts, time, cancellationToken))
            .WithName("CloseAccount").WithSummary("Close an account for good: only at zero balance with no pending holds")
            .WithDescription("Staff only. Refused with 422 account_not_empty while the account has a non-zero balance or pending holds; closing is final.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return group;
    }

    private static Task<Results<Ok<AccountResponse>, ProblemHttpResult>> HandleAsync(
        string id, HttpContext context, string newStatus, SqlDatabase database, AccountCache accounts, TimeProvider time, CancellationToken cancellationToken) =>
        AccountChanges.ApplyAsync(context, database, accounts, time, id, StatusEvent(newStatus), account =>
            newStatus == AccountStatuses.Closed && (account.Posted != 0 || account.PendingDebits != 0 || account.PendingCredits != 0)
                ? ApiProblems.Unprocessable("account_not_empty",
                    "Only an account with a zero balance and no pending holds can be closed.")
                : null,
            (connection, transaction) => connection.ExecuteAsync(Sql.SetStatus, new { Id = id, Status = newStatus }, transaction),
            (before, after) => $"status {before.Status}->{after.Status}", cancellationToken);

    private static string StatusEvent(string newStatus) => newStatus switch
    {
        AccountStatuses.Frozen => EventTypes.AccountFrozen,
        AccountStatuses.Closed => EventTypes.AccountClosed,
        _ => EventTypes.AccountUnfrozen,
    };

    private static class Sql
    {
        public const string SetStatus = """
            UPDATE accounts SET status = @Status WHERE id = @Id
            """;
    }
}
