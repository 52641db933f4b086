using System.Security.Claims;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Clients;

/// <summary>
/// Revokes a service client for good: it cannot get another token. Tokens it already holds expire
/// on their own, within one access-token lifetime.
/// </summary>
public static class RevokeClient
{
    public static RouteHandlerBuilder MapRevokeClient(this IEndpointRouteBuilder group) =>
        group.MapPost("/{id}/revoke", HandleAsync)
            .WithName("RevokeClient")
            .WithSummary("Revoke a service client so it can get no more tokens")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<ClientResponse>, ProblemHttpResult>> HandleAsync(
        string id, ClaimsPrincipal admin, HttpContext context, SqlDatabase database, AuditLog audit, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(ClientIds.Prefix, id))
        {
            return ApiProblems.NotFound("Client");
        }

        ClientRow? client;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            await connection.ExecuteAsync(Sql.Revoke, new { Id = id });
            client = await connection.QuerySingleOrDefaultAsync<ClientRow>(ListClients.Sql.ById, new { Id = id });
        }

        if (client is null)
        {
            return ApiProblems.NotFound("Client");
        }

        await audit.RecordAsync(new AuditEvent("client_revoked", ActorId: admin.UserId(), Target: id), context, cancellationToken);
        return TypedResults.Ok(client.ToResponse());
    }

    private static class Sql
    {
        public const string Revoke = """
            UPDATE service_clients SET status = 'revoked' WHERE id = @Id
            """;
    }
}
