using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Audit;

/// <summary>The result of recomputing the chain: <c>firstBrokenSequence</c> names the first record that does not link.</summary>
public sealed record AuditVerifyResponse(bool Ok, long Checked, long? FirstBrokenSequence, string? Reason);

public static class VerifyAudit
{
    public static RouteHandlerBuilder MapVerifyAudit(this IEndpointRouteBuilder group) =>
        group.MapGet("/verify", HandleAsync)
            .WithName("VerifyAudit")
            .WithSummary("Recompute the hash chain and report the first broken link")
            .WithDescription("Admins only. Every audit record carries the hash of the one before it; an edited or deleted record breaks the chain from there on.");

    public static async Task<Ok<AuditVerifyResponse>> HandleAsync(SqlDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await SqlDatabase.BeginReadSnapshotAsync(connection, cancellationToken);
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

    private static class Sql
    {
        public const string All = $"""
            SELECT {AuditRecord.Columns} FROM audit_log ORDER BY sequence
            """;
    }
}
