using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Transfers;

/// <summary>Capture (all or part) or void a hold. Capture, void and expiry race safely: exactly one wins.</summary>
public static class SettleHoldEndpoints
{
    public static IEndpointRouteBuilder MapSettleHold(this IEndpointRouteBuilder group)
    {
        group.MapPost("/{id}/capture", CaptureAsync)
            .WithName("CaptureHold")
            .WithSummary("Capture a hold, fully or partly")
            .WithDescription("Posts the captured amount (default: all of it) and releases the rest. Requires an Idempotency-Key header.")
            .MovesMoney<TransferResponse>(StatusCodes.Status200OK);
        group.MapPost("/{id}/void", VoidAsync)
            .WithName("VoidHold")
            .WithSummary("Release a hold")
            .WithDescription("Nothing moves; the reserved amount is available again. Requires an Idempotency-Key header.")
            .MovesMoney<TransferResponse>(StatusCodes.Status200OK);
        return group;
    }

    public static Task<IResult> CaptureAsync(
        string id,
        CaptureHoldRequest? request,
        [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        ClaimsPrincipal user,
        HttpContext context,
        LedgerQueue ledger) =>
        SettleAsync(id, HoldAction.Capture, request?.Amount, idempotencyKey, user, context, ledger);

    public static Task<IResult> VoidAsync(
        string id,
        [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        ClaimsPrincipal user,
        HttpContext context,
        LedgerQueue ledger) =>
        SettleAsync(id, HoldAction.Void, amount: null, idempotencyKey, user, context, ledger);

    private static async Task<IResult> SettleAsync(
        string id, HoldAction action, long? amount, string? idempotencyKey, ClaimsPrincipal user, HttpContext context, LedgerQueue ledger)
    {
        if (!OpaqueId.IsWellFormed(TransferIds.Prefix, id))
        {
            return ApiProblems.NotFound("Transfer");
        }

        var outcome = await ledger.SubmitAsync(new SettleHold
        {
            Caller = Idempotency.CallerOf(user),
            IdempotencyKey = idempotencyKey,
            RequestHash = Idempotency.Hash($"POST /v1/transfers/{id}/{action}", new CaptureHoldRequest(amount), StrongroomJsonContext.Default.CaptureHoldRequest),
            TraceId = Idempotency.TraceId(context),
            TransferId = id,
            Action = action,
            Amount = amount,
        });
        return new LedgerResult(outcome);
    }
}
