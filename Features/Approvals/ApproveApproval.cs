using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Approvals;

/// <summary>
/// The checker's approval: applies what the maker asked for, through the ledger writer, in the same
/// transaction that marks the approval approved; so it runs at most once however often (or
/// however concurrently) it is approved.
/// </summary>
public static class ApproveApproval
{
    public static RouteHandlerBuilder MapApproveApproval(this IEndpointRouteBuilder group) =>
        group.MapPost("/{id}/approve", HandleAsync)
            .WithName("ApproveApproval")
            .WithSummary("Approve a pending deposit, withdrawal or reversal, which then moves the money")
            .WithDescription("Staff only, and not the member of staff who asked (403 approval_by_requester). Applies the operation exactly once: a second decision finds it decided "
                + "(409 approval_not_pending), an expired one cannot be decided (409 approval_expired). If the ledger refuses the operation now (say insufficient_funds), "
                + "that refusal is the answer and the approval stays pending. Answers the approval, approved, with the transferId it made.")
            .RequireAuthorization(MfaRequirement.Policy)
            .ProducesProblem(StatusCodes.Status403Forbidden);

    public static async Task<Results<LedgerOk<ApprovalResponse>, ProblemHttpResult>> HandleAsync(
        string id, HttpContext context, SqlDatabase database, LedgerQueue ledger, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(ApprovalIds.Prefix, id) || await ApprovalReads.ByIdAsync(database, id, cancellationToken) is not { } approval)
        {
            return ApiProblems.NotFound("Approval");
        }

        var decider = context.User.UserId();
        if (approval.RequestedBy == decider)
        {
            return ApiProblems.Forbidden("approval_by_requester", "The one who asked cannot approve; another member of staff must.");
        }

        var traceId = ApiProblems.TraceIdOf(context);
        var outcome = await ledger.SubmitAsync(new DecideApproval
        {
            ApprovalId = id,
            Decider = new Caller(decider, IsStaff: true),
            DeciderTraceId = traceId,
            Operation = OperationOf(approval, traceId, time),
        });
        if (outcome.IsSuccess)
        {
            await audit.RecordAsync(new AuditEvent("ApproveApproval", decider, id, $"operation {approval.Operation}"), context, cancellationToken);
        }

        return new LedgerOk<ApprovalResponse>(outcome);
    }

    /// <summary>
    /// The command the approval asked for, as its maker (staff) would have sent it, with a new
    /// transfer id. It carries no Idempotency-Key of its own: the approval is what makes it once.
    /// </summary>
    private static LedgerCommand OperationOf(ApprovalRow approval, string traceId, TimeProvider time)
    {
        var request = approval.ParsedRequest();
        var origin = new CommandOrigin(new Caller(approval.RequestedBy, IsStaff: true), $"approval {approval.Id}", RequestHash: "", traceId);
        var transferId = OpaqueId.New(TransferIds.Prefix, time);
        return approval.Operation switch
        {
            ApprovalOperations.Reversal => new PostReversal(origin)
            {
                OriginalId = request.TransferId!,
                ReversalId = transferId,
                Amount = request.Amount,
                Description = request.Description,
            },
            _ => new PostTransfers(origin)
            {
                Transfers =
                [
                    new TransferInstruction(
                        transferId, approval.Operation == ApprovalOperations.Deposit ? TransferKind.Deposit : TransferKind.Withdrawal,
                        FromAccountId: approval.Operation == ApprovalOperations.Withdrawal ? request.AccountId : null,
                        ToAccountId: approval.Operation == ApprovalOperations.Deposit ? request.AccountId : null,
                        request.Amount, request.Currency, request.Description, Metadata: null, Hold: false, HoldExpiresAt: null, request.Reference),
                ],
            },
        };
    }
}
