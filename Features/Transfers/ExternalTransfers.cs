using Microsoft.Extensions.Options;
using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Transfers;

/// <summary>Deposits and withdrawals: money entering or leaving the bank through the currency's settlement account.</summary>
public static class ExternalTransfers
{
    private const string DualControl =
        " At or above the currency's dual-control threshold (Ledger:DualControl:Thresholds) it moves nothing yet: 202 with the approval that another member of staff must give"
        + " (a retry with the same Idempotency-Key replays that 202).";

    public static IEndpointRouteBuilder MapExternalTransfers(this IEndpointRouteBuilder group)
    {
        group.MapPost("/deposits", DepositAsync)
            .WithName("Deposit")
            .WithSummary("Credit an account with money entering the bank")
            .WithDescription("Staff only. Moves the amount from the currency's settlement account to the account." + DualControl + " Requires an Idempotency-Key header.")
            .MovesMoney()
            .Produces<ApprovalResponse>(StatusCodes.Status202Accepted);
        group.MapPost("/withdrawals", WithdrawAsync)
            .WithName("Withdraw")
            .WithSummary("Debit an account with money leaving the bank")
            .WithDescription("Staff only. Moves the amount from the account to the currency's settlement account; the account's available balance must cover it."
                + DualControl + " Requires an Idempotency-Key header.")
            .MovesMoney()
            .Produces<ApprovalResponse>(StatusCodes.Status202Accepted);
        return group;
    }

    public static Task<Results<LedgerCreated<TransferResponse>, ValidationProblem>> DepositAsync(
        ExternalTransferRequest request, [AsParameters] MoneyMovement movement, IOptions<DualControlOptions> dualControl, AuditLog audit, TimeProvider time) =>
        PostAsync(TransferKind.Deposit, request, movement, dualControl.Value, audit, time);

    public static Task<Results<LedgerCreated<TransferResponse>, ValidationProblem>> WithdrawAsync(
        ExternalTransferRequest request, [AsParameters] MoneyMovement movement, IOptions<DualControlOptions> dualControl, AuditLog audit, TimeProvider time) =>
        PostAsync(TransferKind.Withdrawal, request, movement, dualControl.Value, audit, time);

    /// <summary>The instruction of a deposit or withdrawal; an approved one is applied from the same (see the approvals endpoints).</summary>
    public static TransferInstruction Instruction(string id, TransferKind kind, string accountId, long amount, string currency, string? description, string? reference) =>
        new(id, kind,
            FromAccountId: kind == TransferKind.Withdrawal ? accountId : null,
            ToAccountId: kind == TransferKind.Deposit ? accountId : null,
            amount, currency, description, Metadata: null, Hold: false, HoldExpiresAt: null, reference);

    private static async Task<Results<LedgerCreated<TransferResponse>, ValidationProblem>> PostAsync(
        TransferKind kind, ExternalTransferRequest request, MoneyMovement movement, DualControlOptions dualControl, AuditLog audit, TimeProvider time)
    {
        if (TransferReferences.Errors(request.Reference).ToArray() is { Length: > 0 } referenceErrors)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reference"] = referenceErrors });
        }

        var origin = movement.Origin(request, StrongroomJsonContext.Default.ExternalTransferRequest);
        if (origin.Caller.IsStaff && dualControl.NeedsApproval(request.Currency, request.Amount))
        {
            var operation = kind == TransferKind.Deposit ? ApprovalOperations.Deposit : ApprovalOperations.Withdrawal;
            var approvalId = OpaqueId.New(ApprovalIds.Prefix, time);
            var requested = await movement.Ledger.SubmitAsync(new RequestApproval(origin)
            {
                ApprovalId = approvalId,
                Operation = operation,
                Request = new ApprovalRequest(request.Amount, request.Currency, request.Description, AccountId: request.AccountId, Reference: request.Reference),
                Expiry = dualControl.Expiry,
            });
            await ApprovalAudit.RecordRequestedAsync(audit, movement.Context, requested, approvalId, operation);
            return new LedgerCreated<TransferResponse>(requested);
        }

        var outcome = await movement.Ledger.SubmitAsync(new PostTransfers(origin)
        {
            Transfers = [Instruction(OpaqueId.New(TransferIds.Prefix, time), kind, request.AccountId, request.Amount, request.Currency, request.Description, request.Reference)],
        });
        return new LedgerCreated<TransferResponse>(outcome);
    }
}
