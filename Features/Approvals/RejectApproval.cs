using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Approvals;

/// <summary>Turn a pending approval down: decided in the ledger writer, so it races an approval safely (exactly one decision wins).</summary>
public static class RejectApproval
{
    public static RouteHandlerBuilder MapRejectApproval(this IEndpointRouteBuilder group) =>
        group.MapPost("/{id}/reject", HandleAsync)
            .WithName("RejectApproval")
            .WithSummary("Reject a pending deposit, withdrawal or reversal; nothing moves")
            .WithDescription("Staff only; the member of staff who asked may withdraw their own request this way. A decided approval answers 409 approval_not_pending, "
                + "an expired one 409 approval_expired.");

    public static async Task<Results<LedgerOk<ApprovalResponse>, ProblemHttpResult>> HandleAsync(
        string id, HttpContext context, LedgerQueue ledger, AuditLog audit, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(ApprovalIds.Prefix, id))
        {
            return ApiProblems.NotFound("Approval");
        }

        var decider = context.User.UserId();
        var outcome = await ledger.SubmitAsync(new DecideApproval
        {
            ApprovalId = id,
            Decider = new Caller(decider, IsStaff: true),
            DeciderTraceId = ApiProblems.TraceIdOf(context),
            Operation = null,
        });
        if (outcome.IsSuccess)
        {
            await audit.RecordAsync(new AuditEvent("RejectApproval", decider, id), context, cancellationToken);
        }

        return new LedgerOk<ApprovalResponse>(outcome);
    }
}
