using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Transfers;

/// <summary>Deposits and withdrawals: money entering or leaving the bank through the currency's settlement account.</summary>
public static class ExternalTransfers
{
    public static IEndpointRouteBuilder MapExternalTransfers(this IEndpointRouteBuilder group)
    {
        Map(group, "/deposits", TransferKind.Deposit, "Deposit", "Credit an account with money entering the bank",
            "Staff only. Moves the amount from the currency's settlement account to the account. Requires an Idempotency-Key header.");
        Map(group, "/withdrawals", TransferKind.Withdrawal, "Withdraw", "Debit an account with money leaving the bank",
            "Staff only. Moves the amount from the account to the currency's settlement account; the account's available balance must cover it. Requires an Idempotency-Key header.");
        return group;
    }

    private static void Map(IEndpointRouteBuilder group, string pattern, TransferKind kind, string name, string summary, string description) =>
        group.MapPost(pattern, (ExternalTransferRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
                ClaimsPrincipal user, HttpContext context, LedgerQueue ledger, TimeProvider time) =>
                HandleAsync(kind, request, idempotencyKey, user, context, ledger, time))
            .WithName(name)
            .WithSummary(summary)
            .WithDescription(description)
            .MovesMoney<TransferResponse>(StatusCodes.Status201Created);

    private static async Task<IResult> HandleAsync(
        TransferKind kind, ExternalTransferRequest request, string? idempotencyKey, ClaimsPrincipal user, HttpContext context, LedgerQueue ledger, TimeProvider time)
    {
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
