using System.Security.Claims;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Accounts;

public static class GetAccount
{
    public static RouteHandlerBuilder MapGetAccount(this IEndpointRouteBuilder group) =>
        group.MapGet("/{id}", HandleAsync)
            .WithName("GetAccount")
            .WithSummary("Read an account and its balance")
            .WithDescription("Visible to its owner and to staff; for anyone else the account does not exist (404).")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<AccountResponse>, ProblemHttpResult>> HandleAsync(
        string id, ClaimsPrincipal user, SqlDatabase database, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(AccountIds.Prefix, id))
        {
            return ApiProblems.NotFound("Account");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var account = await connection.QuerySingleOrDefaultAsync<AccountRow>(Sql.ById, new { Id = id });

        // Someone else's account is reported exactly like a missing one: existence is not revealed.
        return account is not null && (account.OwnerId == user.UserId() || user.IsStaff())
            ? TypedResults.Ok(account.ToResponse())
            : ApiProblems.NotFound("Account");
    }

    private static class Sql
    {
        public const string ById = $"""
            SELECT {AccountRow.Columns} FROM accounts WHERE id = @Id
            """;
    }
}
