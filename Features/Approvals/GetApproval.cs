using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Approvals;

public static class GetApproval
{
    public static RouteHandlerBuilder MapGetApproval(this IEndpointRouteBuilder group) =>
        group.MapGet("/{id}", HandleAsync)
            .WithName("GetApproval")
            .WithSummary("Read an approval")
            .WithDescription("Staff only. Its status now (a pending approval past expiresAt is expired) and, once approved, the transfer it made.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<ApprovalResponse>, ProblemHttpResult>> HandleAsync(string id, SqlDatabase database, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(ApprovalIds.Prefix, id))
        {
            return ApiProblems.NotFound("Approval");
        }

        var approval = await ApprovalReads.ByIdAsync(database, id, cancellationToken);
        return approval is null ? ApiProblems.NotFound("Approval") : TypedResults.Ok(approval.ToResponse(UnixMicroseconds.Now(time)));
    }
}
