using System.ComponentModel;
using System.Security.Claims;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Events;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Webhooks;

/// <summary>Makes one delivery due now, whatever its state: a failed one is tried again, a delivered one is sent again (same webhook-id).</summary>
public static class RetryWebhookDelivery
{
    public static RouteHandlerBuilder MapRetryWebhookDelivery(this IEndpointRouteBuilder group) =>
        group.MapPost("/{id}/deliveries/{eventId}/retry", HandleAsync)
            .WithName("RetryWebhookDelivery")
            .WithMetadata(new NoLocationHeader())
            .WithSummary("Redeliver one event to one endpoint now")
            .WithDescription("The delivery is attempted at once, with the same webhook-id as before. 404 when the caller has no endpoint with this id or it was never sent this event; 409 webhook_endpoint_disabled when the endpoint is disabled.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

    public static async Task<Results<Accepted, ProblemHttpResult>> HandleAsync(
        [Description("The endpoint's id (whe_…).")] string id, [Description("The event's id (evt_…).")] string eventId,
        ClaimsPrincipal user, SqlDatabase database, TimeProvider time, EventSignal signal, CancellationToken cancellationToken)
    {
        var endpoint = await WebhookEndpointStore.FindOwnAsync(database, id, user, cancellationToken);
        if (endpoint is null)
        {
            return WebhookEndpointStore.NotFound();
        }

        if (!EventIds.TryParse(eventId, out var sequence))
        {
            return ApiProblems.NotFound("Delivery");
        }

        if (endpoint.Status != WebhookEndpointStatuses.Enabled)
        {
            return TestWebhookEndpoint.Disabled();
        }

        int updated;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            updated = await connection.ExecuteAsync(Sql.DueNow, new { EndpointId = id, Sequence = sequence, Now = UnixMicroseconds.Now(time) });
        }

        if (updated == 0)
        {
            return ApiProblems.NotFound("Delivery");
        }

        signal.Notify();
        return TypedResults.Accepted((string?)null);
    }

    private static class Sql
    {
        public const string DueNow = """
            UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = @Now WHERE endpoint_id = @EndpointId AND sequence = @Sequence
            """;
    }
}
