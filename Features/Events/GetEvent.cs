using System.Security.Claims;
using Strongroom.Infrastructure.Events;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Events;

public static class GetEvent
{
    public static RouteHandlerBuilder MapGetEvent(this IEndpointRouteBuilder group) =>
        group.MapGet("/{id}", HandleAsync)
            .WithName("GetEvent")
            .WithSummary("Read an event")
            .WithDescription("Visible to the owner of an account it is about and to staff; for anyone else it does not exist (404). The body is byte for byte what a webhook delivery of the event sends.")
            .Produces<EventResponse>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> HandleAsync(
        string id, ClaimsPrincipal user, SqlDatabase database, CancellationToken cancellationToken)
    {
        if (!EventIds.TryParse(id, out var sequence))
        {
            return ApiProblems.NotFound("Event");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var found = user.IsStaff()
            ? await connection.QuerySingleOrDefaultAsync<StoredEvent>(Sql.Any, new { Sequence = sequence })
            : await connection.QuerySingleOrDefaultAsync<StoredEvent>(Sql.Visible, new { Sequence = sequence, UserId = user.UserId() });
        return found is not null
            ? TypedResults.Bytes(EventEnvelope.ToUtf8(found), "application/json")
            : ApiProblems.NotFound("Event");
    }

    private static class Sql
    {
        public const string Any = $"""
            SELECT {StoredEvent.Columns} FROM events WHERE sequence = @Sequence
            """;

        public const string Visible = """
            SELECT e.sequence AS Sequence, e.type AS Type, e.created_at AS CreatedAt, e.data AS Data
            FROM events e JOIN event_audience a ON a.sequence = e.sequence AND a.user_id = @UserId
            WHERE e.sequence = @Sequence
            """;
    }
}
