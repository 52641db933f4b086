using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Strongroom.Features.Common;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Approvals;

public static class ListApprovals
{
    private static readonly string[] Statuses = [ApprovalStatuses.Pending, ApprovalStatuses.Approved, ApprovalStatuses.Rejected, ApprovalStatuses.Expired];

    public static RouteHandlerBuilder MapListApprovals(this IEndpointRouteBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListApprovals")
            .WithSummary("List approvals, oldest first")
            .WithDescription("Staff only. status= keeps one status (pending, approved, rejected or expired: a pending approval past its expiry is listed as expired). "
                + "Keyset-paginated: pass the returned nextCursor for the next page. limit is 1 to 100 (default 20).")
            .ProducesValidationProblem();

    public static async Task<Results<Ok<Page<ApprovalResponse>>, ValidationProblem, ProblemHttpResult>> HandleAsync(
        [FromQuery(Name = "status"), Description("Only approvals with this status: pending, approved, rejected or expired.")] string? status,
        [AsParameters] PageRequest page, SqlDatabase database, TimeProvider time, CancellationToken cancellationToken)
    {
        if (status is not null && !Statuses.Contains(status, StringComparer.Ordinal))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = [$"status must be one of: {string.Join(", ", Statuses)}."] });
        }

        if (!page.TryAfter(out var after))
        {
            return PageRequest.InvalidCursor();
        }

        var now = UnixMicroseconds.Now(time);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<ApprovalRow>(database.FirstRows(Sql.Page), new { After = after, Status = status, Now = now, Take = page.Fetch })).ToList();
        return TypedResults.Ok(Paging.From(rows, page.Take, row => row.ToResponse(now), approval => approval.Id));
    }

    private static class Sql
    {
        // The status as read now: a pending approval past its expiry is expired (ApprovalRow.StatusAt).
        public const string Page = $"""
            SELECT {ApprovalRow.Columns} FROM approvals
            WHERE id > @After
              AND (@Status IS NULL OR (CASE WHEN status = 'pending' AND expires_at <= @Now THEN 'expired' ELSE status END) = @Status)
            ORDER BY id
            """;
    }
}
