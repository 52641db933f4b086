using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Strongroom.Features.Common;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Http;
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
        [Range(1, Paging.MaxLimit)] int? limit, string? cursor, ClaimsPrincipal user, SqlDatabase database, CancellationToken cancellationToken)
    {
        var after = "";
        if (cursor is not null && (after = KeysetCursor.Decode(cursor)) is null)
        {
            return ApiProblems.BadRequest("invalid_cursor", "cursor is not one this API returned.");
        }

        var take = limit ?? Paging.DefaultLimit;
        await using var connection = await database.OpenAsync(cancellationToken);
        // One row more than asked tells whether another page exists, without a COUNT.
        var rows = (await connection.QueryAsync<AccountRow>(
            database.Pick(Sqlite.Page, SqlServer.Page),
            new { OwnerId = user.UserId(), After = after, Take = take + 1 })).ToList();

        return TypedResults.Ok(Paging.From(rows, take, row => row.ToResponse(), account => account.Id));
    }

    private static class Sqlite
    {
        public const string Page = $"""
            SELECT {AccountRow.Columns} FROM accounts
            WHERE owner_id = @OwnerId AND id > @After
            ORDER BY id
            LIMIT @Take
            """;
    }

    private static class SqlServer
    {
        public const string Page = $"""
            SELECT TOP (@Take) {AccountRow.Columns} FROM accounts
            WHERE owner_id = @OwnerId AND id > @After
            ORDER BY id
            """;
    }
}
