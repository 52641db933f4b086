using Strongroom.Features.Common;
using Strongroom.Infrastructure.Security;

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
        [AsParameters] PageRequest page, SqlDatabase database, PersonalDataProtector personalData, CancellationToken cancellationToken)
    {
        if (!page.TryAfter(out var after))
        {
            return PageRequest.InvalidCursor();
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<UserRow>(UserQueries.Page(database), new { After = after, Take = page.Fetch })).ToList();
        return TypedResults.Ok(Paging.From(rows, page.Take, row => row.ToResponse(personalData), user => user.Id));
    }
}
