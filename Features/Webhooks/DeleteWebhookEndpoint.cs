using System.Security.Claims;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Webhooks;

/// <summary>Deletes an endpoint with its pending deliveries and its attempt history: nothing more is sent to it.</summary>
public static class DeleteWebhookEndpoint
{
    public static RouteHandlerBuilder MapDeleteWebhookEndpoint(this IEndpointRouteBuilder group) =>
        group.MapDelete("/{id}", HandleAsync)
            .WithName("DeleteWebhookEndpoint")
            .WithSummary("Delete one of the caller's webhook endpoints")
            .WithDescription("Nothing more is sent to it, pending retries included. 404 when the caller has no endpoint with this id.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<NoContent, ProblemHttpResult>> HandleAsync(
        string id, ClaimsPrincipal user, SqlDatabase database, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(WebhookEndpointIds.Prefix, id))
        {
            return WebhookEndpointStore.NotFound();
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(Sql.DeleteEndpoint, new { Id = id, OwnerId = user.UserId() }, transaction);
        if (deleted == 0)
        {
            return WebhookEndpointStore.NotFound();
        }

        await connection.ExecuteAsync(Sql.DeleteDeliveries, new { Id = id }, transaction);
        await connection.ExecuteAsync(Sql.DeleteAttempts, new { Id = id }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static class Sql
    {
        public const string DeleteEndpoint = """
            DELETE FROM webhook_endpoints WHERE id = @Id AND owner_id = @OwnerId
            """;

        public const string DeleteDeliveries = """
            DELETE FROM webhook_deliveries WHERE endpoint_id = @Id
            """;

        public const string DeleteAttempts = """
            DELETE FROM webhook_attempts WHERE endpoint_id = @Id
            """;
    }
}
