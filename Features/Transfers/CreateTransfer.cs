using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Transfers;

public static class CreateTransfer
{
    public static RouteHandlerBuilder MapCreateTransfer(this IEndpointRouteBuilder group) =>
        group.MapPost("/", HandleAsync)
            .WithName("CreateTransfer")
            .WithSummary("Move money between two accounts, or place a hold")
            .WithDescription("Posts a debit and a credit atomically, or with hold=true reserves the amount until captured, voided or expired. Requires an Idempotency-Key header.")
            .MovesMoney<TransferResponse>(StatusCodes.Status201Created);

    public static async Task<IResult> HandleAsync(
        CreateTransferRequest request,
        [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        ClaimsPrincipal user,
        HttpContext context,
        LedgerQueue ledger,
        TimeProvider time,
        IOptions<LedgerOptions> options)
    {
        var holdErrors = request.HoldErrors(time.GetUtcNow(), options.Value.MaxHoldDuration).ToArray();
        if (holdErrors.Length > 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["holdExpiresAt"] = holdErrors });
        }

        var outcome = await ledger.SubmitAsync(new PostTransfers
        {
            Caller = Idempotency.CallerOf(user),
            IdempotencyKey = idempotencyKey,
            RequestHash = Idempotency.Hash("POST /v1/transfers", request, StrongroomJsonContext.Default.CreateTransferRequest),
            TraceId = Idempotency.TraceId(context),
            Transfers = [request.ToInstruction(OpaqueId.New(TransferIds.Prefix, time))],
        });
        return new LedgerResult(outcome);
    }
}
