using Strongroom.Features.Common;

namespace Strongroom.Features.Clients;

public static class ListClients
{
    public static RouteHandlerBuilder MapListClients(this IEndpointRouteBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListClients")
            .WithSummary("List service clients, oldest first")
            .WithDescription("Keyset-paginated: pass the returned nextCursor for the next page. limit is 1 to 100 (default 20).")
            .ProducesValidationProblem();

    public static async Task<Results<Ok<Page<ClientResponse>>, ProblemHttpResult>> HandleAsync(
        [AsParameters] PageRequest page, SqlDatabase database, CancellationToken cancellationToken)
    {
        if (!page.TryAfter(out var after))
        {
            return PageRequest.InvalidCursor();
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<ClientRow>(database.FirstRows(Sql.Page), new { After = after, Take = page.Fetch })).ToList();
        return TypedResults.Ok(Paging.From(rows, page.Take, row => row.ToResponse(), client => client.Id));
    }

    private static class Sql
    {
        public const string Page = $"""
            SELECT {ClientRow.Columns} FROM service_clients WHERE id > @After ORDER BY id
            """;
    }
}
