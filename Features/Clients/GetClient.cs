using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Clients;

public static class GetClient
{
    public static RouteHandlerBuilder MapGetClient(this IEndpointRouteBuilder group) =>
        group.MapGet("/{id}", HandleAsync)
            .WithName("GetClient")
            .WithSummary("Read a service client (never its secret)")
            .WithDescription("Admins only. The secret is shown once, when the client is created; 404 when no client has this id.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<ClientResponse>, ProblemHttpResult>> HandleAsync(string id, SqlDatabase database, CancellationToken cancellationToken)
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
    }
}
