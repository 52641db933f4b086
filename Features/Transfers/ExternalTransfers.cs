using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Strongroom.Features.Ledger;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Transfers;

/// <summary>Deposits and withdrawals: money entering or leaving the bank through the currency's settlement account.</summary>
public static class ExternalTransfers
{
    public static IEndpointRouteBuilder MapExternalTransfers(this IEndpointRouteBuilder group)
    {
        group.MapPost("/deposits", (ExternalTransferRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
                ClaimsPrincipal user, HttpContext context, LedgerQueue ledger, TimeProvider time) =>
                HandleAsync(TransferKind.Deposit, request, idempotencyKey, user, context, ledger, time))
            .WithName("Deposit")
            .WithSummary("Credit an account with money entering the bank")
            .WithDescription("Staff only. Moves the amount from the currency's settlement account to the account. Requires an Idempotency-Key header.")
            .Produces<TransferResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/withdrawals", (ExternalTransferRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
                ClaimsPrincipal user, HttpContext context, LedgerQueue ledger, TimeProvider time) =>
                HandleAsync(TransferKind.Withdrawal, request, idempotencyKey, user, context, ledger, time))
            .WithName("Withdraw")
            .WithSummary("Debit an account with money leaving the bank")
            .WithDescription("Staff only. Moves the amount from the account to the currency's settlement account; the account's available balance must cover it. Requires an Idempotency-Key header.")
            .Produces<TransferResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return group;
    }

    private static async Task<IResult> HandleAsync(
        TransferKind kind, ExternalTransferRequest request, string? idempotencyKey, ClaimsPrincipal user, HttpContext context, LedgerQueue ledger, TimeProvider time)
    {
        if (Idempotency.Refuse(idempotencyKey) is { } missingKey)
        {
            return missingKey;
        }

        var id = OpaqueId.New(TransferIds.Prefix, time);
        var outcome = await ledger.SubmitAsync(new PostTransfers
        {
            Caller = Idempotency.CallerOf(user),
            IdempotencyKey = idempotencyKey,
            RequestHash = Idempotency.Hash($"POST {kind}", request, StrongroomJsonContext.Default.ExternalTransferRequest),
            TraceId = Idempotency.TraceId(context),
            Transfers =
            [
                new TransferInstruction(
                    id, kind,
                    FromAccountId: kind == TransferKind.Withdrawal ? request.AccountId : null,
                    ToAccountId: kind == TransferKind.Deposit ? request.AccountId : null,
                    request.Amount, request.Currency, request.Description, Metadata: null, Hold: false, HoldExpiresAt: null),
            ],
        });
        return new LedgerResult(outcome);
    }
}
