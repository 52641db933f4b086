using System.ComponentModel.DataAnnotations;
using Strongroom.Features.Common;
using Strongroom.Infrastructure.Security;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Users;

public static class ListUsers
{
    public static RouteHandlerBuilder MapListUsers(this IEndpointRouteBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListUsers")
            .WithSummary("List users, oldest first")
            .WithDescription("Keyset-paginated: pass the returned nextCursor for the next page. limit is 1 to 100 (default 20).")
            .ProducesValidationProblem();

    public static async Task<Results<Ok<Page<UserAdminResponse>>, ProblemHttpResult>> HandleAsync(
        [Range(1, Paging.MaxLimit)] int? limit, string? cursor, SqlDatabase database, PersonalDataProtector personalData, CancellationToken cancellationToken)
    {
        var after = "";
        if (cursor is not null && (after = KeysetCursor.Decode(cursor)) is null)
        {
            return ApiProblems.BadRequest("invalid_cursor", "cursor is not one this API returned.");
        }

        var take = limit ?? Paging.DefaultLimit;
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<UserRow>(UserQueries.Page(database), new { After = after, Take = take + 1 })).ToList();
        return TypedResults.Ok(Paging.From(rows, take, row => row.ToResponse(personalData), user => user.Id));
    }
}
