using System.Security.Claims;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Clients;

/// <summary>
/// Revokes a service client for good: it cannot get another token, and the tokens it holds are
/// refused from the next request on, on every replica.
/// </summary>
public static class RevokeClient
{
    public static RouteHandlerBuilder MapRevokeClient(this IEndpointRouteBuilder group) =>
        group.MapPost("/{id}/revoke", HandleAsync)
            .WithName("RevokeClient")
            .RequireRecentSignIn()
            .WithSummary("Revoke a service client: no more tokens, and its tokens stop working at once")
            .WithDescription(RecentSignIn.Description)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<ClientResponse>, ProblemHttpResult>> HandleAsync(
        string id, ClaimsPrincipal admin, HttpContext context, SqlDatabase database, AuditLog audit, Authorities authorities, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(ClientIds.Prefix, id))
        {
            return ApiProblems.NotFound("Client");
        }

        ClientRow? before;
        ClientRow? client;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            before = await connection.QuerySingleOrDefaultAsync<ClientRow>(GetClient.Sql.ById, new { Id = id });
            await connection.ExecuteAsync(Sql.Revoke, new { Id = id });
            client = await connection.QuerySingleOrDefaultAsync<ClientRow>(GetClient.Sql.ById, new { Id = id });
        }

        if (client is null)
        {
            return ApiProblems.NotFound("Client");
        }

        // Its tokens are refused from the next request on, on every replica.
        await authorities.EvictClientAsync(id);
        await audit.RecordAsync(new AuditEvent("client_revoked", ActorId: admin.UserId(), Target: id,
            Details: $"owner={client.OwnerId} status {before?.Status ?? client.Status}->{client.Status}"), context, cancellationToken);
        return TypedResults.Ok(client.ToResponse());
    }

    private static class Sql
    {
        public const string Revoke = """
            UPDATE service_clients SET status = 'revoked' WHERE id = @Id
            """;
    }
}
