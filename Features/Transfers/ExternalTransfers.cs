using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Transfers;

/// <summary>Deposits and withdrawals: money entering or leaving the bank through the currency's settlement account.</summary>
public static class ExternalTransfers
{
    public static IEndpointRouteBuilder MapExternalTransfers(this IEndpointRouteBuilder group)
    {
        group.MapPost("/deposits", DepositAsync)
            .WithName("Deposit")
            .WithSummary("Credit an account with money entering the bank")
            .WithDescription("Staff only. Moves the amount from the currency's settlement account to the account. Requires an Idempotency-Key header.")
            .MovesMoney();
        group.MapPost("/withdrawals", WithdrawAsync)
            .WithName("Withdraw")
            .WithSummary("Debit an account with money leaving the bank")
            .WithDescription("Staff only. Moves the amount from the account to the currency's settlement account; the account's available balance must cover it. Requires an Idempotency-Key header.")
            .MovesMoney();
        return group;
    }

    public static Task<Results<LedgerCreated<TransferResponse>, ValidationProblem>> DepositAsync(ExternalTransferRequest request, [AsParameters] MoneyMovement movement, TimeProvider time) =>
        PostAsync(TransferKind.Deposit, request, movement, time);

    public static Task<Results<LedgerCreated<TransferResponse>, ValidationProblem>> WithdrawAsync(ExternalTransferRequest request, [AsParameters] MoneyMovement movement, TimeProvider time) =>
        PostAsync(TransferKind.Withdrawal, request, movement, time);

    private static async Task<Results<LedgerCreated<TransferResponse>, ValidationProblem>> PostAsync(TransferKind kind, ExternalTransferRequest request, MoneyMovement movement, TimeProvider time)
    {
        if (TransferReferences.Errors(request.Reference).ToArray() is { Length: > 0 } referenceErrors)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reference"] = referenceErrors });
        }

        var outcome = await movement.Ledger.SubmitAsync(new PostTransfers(movement.Origin(request, StrongroomJsonContext.Default.ExternalTransferRequest))
        {
            Transfers =
            [
                new TransferInstruction(
                    OpaqueId.New(TransferIds.Prefix, time), kind,
                    FromAccountId: kind == TransferKind.Withdrawal ? request.AccountId : null,
                    ToAccountId: kind == TransferKind.Deposit ? request.AccountId : null,
                    request.Amount, request.Currency, request.Description, Metadata: null, Hold: false, HoldExpiresAt: null, request.Reference),
            ],
        });
        return new LedgerCreated<TransferResponse>(outcome);
    }
}
