using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Strongroom.Features.Common;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
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
        [Range(1, Paging.MaxLimit)] int? limit, string? cursor, string? actor, string? action, SqlDatabase database, CancellationToken cancellationToken)
    {
        var before = long.MaxValue;
        if (cursor is not null && !long.TryParse(KeysetCursor.Decode(cursor), NumberStyles.None, CultureInfo.InvariantCulture, out before))
        {
            return ApiProblems.BadRequest("invalid_cursor", "cursor is not one this API returned.");
        }

        var take = limit ?? Paging.DefaultLimit;
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<AuditRecord>(database.Pick(Sqlite.Page, SqlServer.Page),
            new { Before = before, Actor = actor, Action = action, Take = take + 1 })).ToList();
        return TypedResults.Ok(Paging.From(rows, take, ToResponse, entry => entry.Sequence.ToString(CultureInfo.InvariantCulture)));
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
    }

    private static class Sqlite
    {
        public const string Page = $"""
            SELECT {AuditRecord.Columns} FROM audit_log
            WHERE sequence < @Before AND (@Actor IS NULL OR actor_id = @Actor) AND (@Action IS NULL OR action = @Action)
            ORDER BY sequence DESC
            LIMIT @Take
            """;
    }

    private static class SqlServer
    {
        public const string Page = $"""
            SELECT TOP (@Take) {AuditRecord.Columns} FROM audit_log
            WHERE sequence < @Before AND (@Actor IS NULL OR actor_id = @Actor) AND (@Action IS NULL OR action = @Action)
            ORDER BY sequence DESC
            """;
    }
}
