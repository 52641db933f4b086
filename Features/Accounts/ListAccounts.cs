using System.Security.Claims;
using Strongroom.Features.Common;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Accounts;

public static class ListAccounts
{
    public static RouteHandlerBuilder MapListAccounts(this IEndpointRouteBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListAccounts")
            .WithSummary("List the caller's accounts")
            .WithDescription("Oldest first, keyset-paginated: pass the returned nextCursor to get the next page. limit is 1 to 100 (default 20).")
            .ProducesValidationProblem();

    public static async Task<Results<Ok<Page<AccountResponse>>, ProblemHttpResult>> HandleAsync(
        [AsParameters] PageRequest page, ClaimsPrincipal user, SqlDatabase database, CancellationToken cancellationToken)
    {
        if (!page.TryAfter(out var after))
        {
            return PageRequest.InvalidCursor();
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<AccountRow>(
            database.FirstRows(Sql.Page),
            new { OwnerId = user.UserId(), After = after, Take = page.Fetch })).ToList();

        return TypedResults.Ok(Paging.From(rows, page.Take, row => row.ToResponse(), account => account.Id));
    }

    private static class Sql
    {
        public const string Page = $"""
            SELECT {AccountRow.Columns} FROM accounts
            WHERE owner_id = @OwnerId AND id > @After
            ORDER BY id
            """;
    }
}
