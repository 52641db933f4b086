using System.ComponentModel;
using System.Security.Claims;
using Strongroom.Features.Common;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Events;

namespace Strongroom.Features.Webhooks;

/// <summary>One attempt to deliver an event: its HTTP status or, when there was none, why (timeout, connection_failed, address_not_allowed).</summary>
public sealed record WebhookAttemptResponse(
    string Id, string EventId, int Attempt, DateTimeOffset AttemptedAt, int? StatusCode, string? Error, long DurationMs, DateTimeOffset? NextAttemptAt);

public static class ListWebhookDeliveries
{
    public const string AttemptIdPrefix = "wha";

    public static RouteHandlerBuilder MapListWebhookDeliveries(this IEndpointRouteBuilder group) =>
        group.MapGet("/{id}/deliveries", HandleAsync)
            .WithName("ListWebhookDeliveries")
            .WithSummary("List the delivery attempts to one endpoint, oldest first")
            .WithDescription("Each attempt: the event id, the attempt number, the receiver's status code or the error, how long it took and when the next attempt is due (none after a success or the last attempt). "
                + "Keyset-paginated: pass the returned nextCursor for the next page. limit is 1 to 100 (default 20). 404 when the caller has no endpoint with this id.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<Page<WebhookAttemptResponse>>, ProblemHttpResult>> HandleAsync(
        [Description("The endpoint's id (whe_…).")] string id, [AsParameters] PageRequest page, ClaimsPrincipal user, SqlDatabase database, CancellationToken cancellationToken)
    {
        if (!page.TryAfter(out var after))
        {
            return PageRequest.InvalidCursor();
        }

        if (await WebhookEndpointStore.FindOwnAsync(database, id, user, cancellationToken) is null)
        {
            return WebhookEndpointStore.NotFound();
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<AttemptRow>(database.FirstRows(Sql.Page), new { EndpointId = id, After = after, Take = page.Fetch })).ToList();
        return TypedResults.Ok(Paging.From(rows, page.Take, row => row.ToResponse(), attempt => attempt.Id));
    }

    public sealed class AttemptRow
    {
        public const string Columns = """
            id AS Id, sequence AS Sequence, attempt AS Attempt, attempted_at AS AttemptedAt, status_code AS StatusCode, error AS Error,
            duration_ms AS DurationMs, next_attempt_at AS NextAttemptAt
            """;

        public string Id { get; init; } = "";

        public long Sequence { get; init; }

        public int Attempt { get; init; }

        public long AttemptedAt { get; init; }

        public int? StatusCode { get; init; }

        public string? Error { get; init; }

        public long DurationMs { get; init; }

        public long? NextAttemptAt { get; init; }

        public WebhookAttemptResponse ToResponse() => new(
            Id, EventIds.Format(Sequence), Attempt, UnixMicroseconds.ToDateTimeOffset(AttemptedAt), StatusCode, Error, DurationMs,
            NextAttemptAt is { } next ? UnixMicroseconds.ToDateTimeOffset(next) : null);
    }

    private static class Sql
    {
        public const string Page = $"""
            SELECT {AttemptRow.Columns} FROM webhook_attempts
            WHERE endpoint_id = @EndpointId AND id > @After
            ORDER BY id
            """;
    }
}
