using System.Security.Claims;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Events;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Webhooks;

public sealed record WebhookTestResponse(string EventId);

/// <summary>
/// Writes a <c>webhook.test</c> event (its audience: the endpoint's owner) and a delivery of it to
/// this endpoint only, in one transaction; the dispatcher sends it like any other.
/// </summary>
public static class TestWebhookEndpoint
{
    public static RouteHandlerBuilder MapTestWebhookEndpoint(this IEndpointRouteBuilder group) =>
        group.MapPost("/{id}/test", HandleAsync)
            .WithName("TestWebhookEndpoint")
            .WithMetadata(new NoLocationHeader())
            .WithSummary("Send a webhook.test event to one endpoint")
            .WithDescription("The event is delivered, signed and retried like any other, to this endpoint only; its attempts appear under deliveries. 404 when the caller has no endpoint with this id; 409 webhook_endpoint_disabled when it is disabled.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

    public static async Task<Results<Accepted<WebhookTestResponse>, ProblemHttpResult>> HandleAsync(
        string id, ClaimsPrincipal user, SqlDatabase database, TimeProvider time, EventSignal signal, CancellationToken cancellationToken)
    {
        var endpoint = await WebhookEndpointStore.FindOwnAsync(database, id, user, cancellationToken);
        if (endpoint is null)
        {
            return WebhookEndpointStore.NotFound();
        }

        if (endpoint.Status != WebhookEndpointStatuses.Enabled)
        {
            return Disabled();
        }

        var now = UnixMicroseconds.Now(time);
        long sequence;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var data = $$"""{"endpointId":"{{endpoint.Id}}","url":{{System.Text.Json.JsonSerializer.Serialize(endpoint.Url, StrongroomJsonContext.Default.String)}}}""";
            sequence = await EventLog.WriteAsync(connection, transaction, database, now, [new NewEvent(EventTypes.WebhookTest, data, endpoint.OwnerId, null)]);
            await connection.ExecuteAsync(Sql.InsertDelivery, new { EndpointId = endpoint.Id, Sequence = sequence, Now = now }, transaction);
            await transaction.CommitAsync(cancellationToken);
        }

        signal.Notify();
        return TypedResults.Accepted((string?)null, new WebhookTestResponse(EventIds.Format(sequence)));
    }

    internal static ProblemHttpResult Disabled() =>
        ApiProblems.Conflict("webhook_endpoint_disabled", "The endpoint is disabled; nothing is sent to it. Register it again to resume.");

    private static class Sql
    {
        public const string InsertDelivery = """
            INSERT INTO webhook_deliveries (endpoint_id, sequence, attempts, state, next_attempt_at) VALUES (@EndpointId, @Sequence, 0, 'pending', @Now)
            """;
    }
}
