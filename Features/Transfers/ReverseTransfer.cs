using Microsoft.Extensions.Options;
using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Transfers;

/// <summary>
/// Send a posted transfer's money back, all of it or part: the receiver returns it, or staff
/// correct it. The reversal is a new transfer from the original's destination to its source.
/// </summary>
public static class ReverseTransfer
{
    public static RouteHandlerBuilder MapReverseTransfer(this IEndpointRouteBuilder group) =>
        group.MapPost("/{id}/reverse", HandleAsync)
            .WithName("ReverseTransfer")
            .WithSummary("Send a posted transfer's money back, fully or partly")
            .WithDescription(
                "By staff or the owner of the transfer's destination account; for anyone else the transfer does not exist (404). Posts a new transfer from the original's destination "
                + "to its source with reversalOf naming the original, whose reversedAmount grows by the amount (default: all that is left). The reversals of one transfer add up to at most "
                + "what it posted (422 reversal_exceeds_original); a pending hold is voided, not reversed (409 hold_not_posted). The reversal obeys the ordinary rules (the destination's "
                + "available balance, frozen or closed accounts). By staff at or above the currency's dual-control threshold it moves nothing yet: 202 with the approval that another member "
                + "of staff must give. Requires an Idempotency-Key header.")
            .MovesMoney()
            .Produces<ApprovalResponse>(StatusCodes.Status202Accepted);

    public static async Task<Results<LedgerCreated<TransferResponse>, ProblemHttpResult>> HandleAsync(
        string id, ReverseTransferRequest? request, [AsParameters] MoneyMovement movement, IOptions<DualControlOptions> dualControl, AuditLog audit, TimeProvider time)
    {
        if (!OpaqueId.IsWellFormed(TransferIds.Prefix, id))
        {
            return ApiProblems.NotFound("Transfer");
        }

        // No body reverses all that is left, and is remembered as such ({"amount":null,"description":null}).
        request ??= new ReverseTransferRequest();
        var approvalId = OpaqueId.New(ApprovalIds.Prefix, time);
        var outcome = await movement.Ledger.SubmitAsync(new PostReversal(movement.Origin(request, StrongroomJsonContext.Default.ReverseTransferRequest))
        {
            OriginalId = id,
            ReversalId = OpaqueId.New(TransferIds.Prefix, time),
            Amount = request.Amount,
            Description = request.Description,
            ApprovalThresholds = dualControl.Value.ByCurrency(),
            ApprovalId = approvalId,
            ApprovalExpiry = dualControl.Value.Expiry,
        });
        await ApprovalAudit.RecordRequestedAsync(audit, movement.Context, outcome, approvalId, ApprovalOperations.Reversal);
        return new LedgerCreated<TransferResponse>(outcome);
    }
}

/// <summary>Audit records of what dual control asked for (the decisions are recorded by the approvals endpoints).</summary>
internal static class ApprovalAudit
{
    public const string Requested = "ApprovalRequested";

    /// <summary>Records the request when <paramref name="outcome"/> is the first (not replayed) 202 of approval <paramref name="approvalId"/>.</summary>
    public static Task RecordRequestedAsync(AuditLog audit, HttpContext context, LedgerOutcome outcome, string approvalId, string operation) =>
        outcome is { Status: StatusCodes.Status202Accepted, Replayed: false }
            ? audit.RecordAsync(new AuditEvent(Requested, context.User.UserId(), approvalId, $"operation {operation}"), context, context.RequestAborted)
            : Task.CompletedTask;
}
