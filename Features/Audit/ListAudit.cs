using System.ComponentModel;
using System.Globalization;
using Strongroom.Features.Common;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Audit;

public sealed record AuditEntryResponse(
    long Sequence, DateTimeOffset OccurredAt, string Action, string? ActorId, string? Target, string? ClientIp,
    string? UserAgent, string? TraceId, string? Details, string Hash);

public static class ListAudit
{
    public static RouteHandlerBuilder MapListAudit(this IEndpointRouteBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListAudit")
            .WithSummary("The security audit log, newest first")
            .WithDescription("Filter by actor (user id) and action; keyset-paginated with nextCursor.")
            .ProducesValidationProblem();

    public static async Task<Results<Ok<Page<AuditEntryResponse>>, ProblemHttpResult>> HandleAsync(
        [AsParameters] PageRequest page,
        [Description("Only records whose actor is this user id.")] string? actor,
        [Description("Only records of this action, such as sign_in_succeeded or authorization_denied.")] string? action, SqlDatabase database, CancellationToken cancellationToken)
    {
        if (!page.TryBefore(out var before))
        {
            return PageRequest.InvalidCursor();
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<AuditRecord>(database.FirstRows(Sql.Page),
            new { Before = before, Actor = actor, Action = action, Take = page.Fetch })).ToList();
        return TypedResults.Ok(Paging.From(rows, page.Take, ToResponse, entry => entry.Sequence.ToString(CultureInfo.InvariantCulture)));
    }

    private static AuditEntryResponse ToResponse(AuditRecord record) => new(
        record.Sequence, UnixMicroseconds.ToDateTimeOffset(record.OccurredAt), record.Action, record.ActorId, record.Target,
        record.ClientIp, record.UserAgent, record.TraceId, record.Details, record.Hash);

    private static class Sql
    {
        public const string Page = $"""
            SELECT {AuditRecord.Columns} FROM audit_log
            WHERE sequence < @Before AND (@Actor IS NULL OR actor_id = @Actor) AND (@Action IS NULL OR action = @Action)
            ORDER BY sequence DESC
            """;
    }
}
