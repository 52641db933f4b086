using System.Text.Json;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Events;

namespace Strongroom.Features.Ledger;

/// <summary>Reversals and dual control, decided in the writer's transaction like every other command.</summary>
internal sealed partial class LedgerBatch
{
    /// <summary>Where a stored answer's resource is read: an approval (202 of dual control) or a transfer.</summary>
    private static string ResourceLocation(string id) =>
        id.StartsWith(ApprovalIds.Prefix + "_", StringComparison.Ordinal) ? $"/v1/approvals/{id}" : $"/v1/transfers/{id}";

    /// <summary>
    /// A reversal: checked against the original (loaded and locked with the group), then posted as
    /// an ordinary transfer back, the original's <c>reversed_amount</c> raised in the same
    /// transaction. Events: the reversal's <c>transfer.posted</c>, then <c>transfer.reversed</c>
    /// with the original as it now reads.
    /// </summary>
    private LedgerOutcome Reverse(LedgerWorkSet work, PostReversal command)
    {
        if (!work.Transfers.TryGetValue(command.OriginalId, out var original))
        {
            return LedgerProblems.NotFound(command.TraceId, "Transfer");
        }

        var caller = command.Caller!;
        if (ReversalRules.RefuseReversal(caller, command.Amount, original, work.Accounts[original.ToAccountId]) is { } refusal)
        {
            return LedgerProblems.Create(refusal.Status, refusal.Code, refusal.Detail, command.TraceId);
        }

        var amount = ReversalRules.Reversed(command.Amount, original);
        if (caller.IsStaff && command.ApprovalThresholds is { } thresholds && thresholds.TryGetValue(original.Currency, out var threshold) && amount >= threshold)
        {
            return AddApproval(work, caller, command.ApprovalId!, ApprovalOperations.Reversal,
                new ApprovalRequest(amount, original.Currency, command.Description, TransferId: original.Id), original.Id, command.ApprovalExpiry);
        }

        var instruction = new TransferInstruction(
            command.ReversalId, TransferKind.Transfer, original.ToAccountId, original.FromAccountId, amount, original.Currency, command.Description,
            Metadata: null, Hold: false, HoldExpiresAt: null);
        if (TryPost(work, caller, instruction, out var posted) is { } refused)
        {
            return LedgerProblems.Create(refused.Status, refused.Code, refused.Detail, command.TraceId);
        }

        posted!.ReversalOf = original.Id;
        work.AddReversed(original, amount);
        var fromOwner = work.Accounts[posted.FromAccountId].OwnerId;
        var toOwner = work.Accounts[posted.ToAccountId].OwnerId;
        var data = JsonSerializer.Serialize(posted.ToResponse(), StrongroomJsonContext.Default.TransferResponse);
        work.AddEvent(EventTypes.TransferPosted, data, fromOwner, toOwner);
        work.AddEvent(EventTypes.TransferReversed, JsonSerializer.Serialize(original.ToResponse(), StrongroomJsonContext.Default.TransferResponse), fromOwner, toOwner);
        return new LedgerOutcome(StatusCodes.Status201Created, data, Location: $"/v1/transfers/{posted.Id}");
    }

    private static LedgerOutcome RequestApprovalIn(LedgerWorkSet work, RequestApproval command) =>
        AddApproval(work, command.Caller!, command.ApprovalId, command.Operation, command.Request, command.Request.AccountId, command.Expiry);

    /// <summary>A pending approval instead of a movement: 202 with the approval, and <c>approval.requested</c> (for staff only).</summary>
    private static LedgerOutcome AddApproval(LedgerWorkSet work, Caller caller, string id, string operation, ApprovalRequest request, string? targetId, TimeSpan expiry)
    {
        var approval = new ApprovalRow
        {
            Id = id,
            Status = ApprovalStatuses.Pending,
            Operation = operation,
            Request = JsonSerializer.Serialize(request, StrongroomJsonContext.Default.ApprovalRequest),
            TargetId = targetId,
            Amount = request.Amount,
            Currency = request.Currency,
            RequestedBy = caller.UserId,
            CreatedAt = work.Now,
            ExpiresAt = checked(work.Now + (expiry.Ticks / TimeSpan.TicksPerMicrosecond)),
        };
        work.NewApprovals.Add(approval);
        var data = JsonSerializer.Serialize(approval.ToResponse(work.Now), StrongroomJsonContext.Default.ApprovalResponse);
        work.AddEvent(EventTypes.ApprovalRequested, data, null, null);
        return new LedgerOutcome(StatusCodes.Status202Accepted, data, Location: ResourceLocation(id));
    }

    /// <summary>
    /// Approve or reject, only while the approval is pending and unexpired, so a second decision
    /// (approving twice, approve racing reject) finds it decided: 409 <c>approval_not_pending</c>.
    /// Approving applies the operation first; if the ledger refuses it, nothing changes and the
    /// approval stays pending.
    /// </summary>
    private LedgerOutcome DecideApprovalIn(LedgerWorkSet work, DecideApproval command)
    {
        if (!work.Approvals.TryGetValue(command.ApprovalId, out var approval))
        {
            return LedgerProblems.NotFound(command.DeciderTraceId, "Approval");
        }

        var status = approval.StatusAt(work.Now);
        if (status == ApprovalStatuses.Expired)
        {
            return LedgerProblems.Conflict(command.DeciderTraceId, "approval_expired", "The approval expired before it was decided; ask again.");
        }

        if (status != ApprovalStatuses.Pending)
        {
            return LedgerProblems.Conflict(command.DeciderTraceId, "approval_not_pending", $"The approval is already {status}.");
        }

        string? transferId = null;
        if (command.Operation is { } operation)
        {
            if (approval.RequestedBy == command.Decider.UserId)
            {
                return LedgerProblems.Create(StatusCodes.Status403Forbidden, "approval_by_requester", "The one who asked cannot approve; another member of staff must.", command.DeciderTraceId);
            }

            var outcome = operation switch
            {
                PostTransfers post => Post(work, post),
                PostReversal reverse => Reverse(work, reverse),
                _ => throw new InvalidOperationException($"An approval cannot apply {operation.GetType().Name}."),
            };
            if (!outcome.IsSuccess)
            {
                // The operation's own refusal (with the approver's trace id); the approval stays pending.
                return outcome;
            }

            transferId = operation is PostTransfers { Transfers: [var only] } ? only.Id : ((PostReversal)operation).ReversalId;
        }

        approval.Status = command.Operation is null ? ApprovalStatuses.Rejected : ApprovalStatuses.Approved;
        approval.DecidedBy = command.Decider.UserId;
        approval.DecidedAt = work.Now;
        approval.TransferId = transferId;
        work.DecidedApprovals[approval.Id] = approval;
        var data = JsonSerializer.Serialize(approval.ToResponse(work.Now), StrongroomJsonContext.Default.ApprovalResponse);
        work.AddEvent(EventTypes.ApprovalDecided, data, null, null);
        return new LedgerOutcome(StatusCodes.Status200OK, data);
    }
}
