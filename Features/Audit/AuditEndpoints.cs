using System.Globalization;
using Strongroom.Features.Common;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Audit;

public sealed record AuditEntryResponse(
    long Sequence, DateTimeOffset OccurredAt, string Action, string? ActorId, string? Target, string? ClientIp,
    string? UserAgent, string? TraceId, string? Details, string Hash);

/// <summary>The result of recomputing the chain: <c>firstBrokenSequence</c> names the first record that does not link.</summary>
public sealed record AuditVerifyResponse(bool Ok, long Checked, long? FirstBrokenSequence, string? Reason);

public static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/admin/audit").WithTags("Audit").RequireAuthorization(Policies.Admin);
        group.MapGet("/", ListAsync)
            .WithName("ListAudit")
            .WithSummary("The security audit log, newest first")
            .WithDescription("Filter by actor (user id) and action; keyset-paginated with nextCursor.")
            .ProducesValidationProblem();
        group.MapGet("/verify", VerifyAsync)
            .WithName("VerifyAudit")
            .WithSummary("Recompute the hash chain and report the first broken link");
        return app;
    }

    public static async Task<Results<Ok<Page<AuditEntryResponse>>, ProblemHttpResult>> ListAsync(
        [AsParameters] PageRequest page, string? actor, string? action, SqlDatabase database, CancellationToken cancellationToken)
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

    public static async Task<Ok<AuditVerifyResponse>> VerifyAsync(SqlDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await database.BeginReadSnapshotAsync(connection, cancellationToken);
        var previous = AuditLog.Genesis;
        var expected = 1L;
        await foreach (var record in connection.QueryUnbufferedAsync<AuditRecord>(Sql.All, transaction: transaction).WithCancellation(cancellationToken))
        {
            var reason = record.Sequence != expected ? $"expected record {expected}, found {record.Sequence}"
                : record.PreviousHash != previous ? "does not link to the record before it"
                : AuditLog.HashOf(record) != record.Hash ? "its content does not match its hash"
                : null;
            if (reason is not null)
            {
                return TypedResults.Ok(new AuditVerifyResponse(false, expected - 1, record.Sequence, reason));
            }

            previous = record.Hash;
            expected++;
        }

        return TypedResults.Ok(new AuditVerifyResponse(true, expected - 1, null, null));
    }

    private static AuditEntryResponse ToResponse(AuditRecord record) => new(
        record.Sequence, UnixMicroseconds.ToDateTimeOffset(record.OccurredAt), record.Action, record.ActorId, record.Target,
        record.ClientIp, record.UserAgent, record.TraceId, record.Details, record.Hash);

    private static class Sql
    {
        public const string All = $"""
            SELECT {AuditRecord.Columns} FROM audit_log ORDER BY sequence
            """;

        public const string Page = $"""
            SELECT {AuditRecord.Columns} FROM audit_log
            WHERE sequence < @Before AND (@Actor IS NULL OR actor_id = @Actor) AND (@Action IS NULL OR action = @Action)
            ORDER BY sequence DESC
            """;
    }
}
