using Strongroom.Features.Common;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Clients;

public static class ListClients
{
    public static IEndpointRouteBuilder MapListClients(this IEndpointRouteBuilder group)
    {
        group.MapGet("/", ListAsync)
            .WithName("ListClients")
            .WithSummary("List service clients, oldest first")
            .WithDescription("Keyset-paginated: pass the returned nextCursor for the next page. limit is 1 to 100 (default 20).")
            .ProducesValidationProblem();
        group.MapGet("/{id}", GetAsync)
            .WithName("GetClient")
            .WithSummary("Read a service client (never its secret)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    public static async Task<Results<Ok<Page<ClientResponse>>, ProblemHttpResult>> ListAsync(
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

    public static async Task<Results<Ok<ClientResponse>, ProblemHttpResult>> GetAsync(string id, SqlDatabase database, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(ClientIds.Prefix, id))
        {
            return ApiProblems.NotFound("Client");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var client = await connection.QuerySingleOrDefaultAsync<ClientRow>(Sql.ById, new { Id = id });
        return client is null ? ApiProblems.NotFound("Client") : TypedResults.Ok(client.ToResponse());
    }

    internal static class Sql
    {
        public const string ById = $"""
            SELECT {ClientRow.Columns} FROM service_clients WHERE id = @Id
            """;

        public const string Page = $"""
            SELECT {ClientRow.Columns} FROM service_clients WHERE id > @After ORDER BY id
            """;
    }
}
