using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Transfers;

/// <summary>Capture a hold, all of it or part. Capture, void and expiry race safely: exactly one wins.</summary>
public static class CaptureHold
{
    public static RouteHandlerBuilder MapCaptureHold(this IEndpointRouteBuilder group) =>
        group.MapPost("/{id}/capture", HandleAsync)
            .WithName("CaptureHold")
            .WithSummary("Capture a hold, fully or partly")
            .WithDescription("Posts the captured amount (default: all of it) and releases the rest. Requires an Idempotency-Key header.")
            .MovesMoney();

    public static async Task<Results<LedgerOk<TransferResponse>, ProblemHttpResult>> HandleAsync(
        string id, CaptureHoldRequest? request, [AsParameters] MoneyMovement movement)
    {
        if (!OpaqueId.IsWellFormed(TransferIds.Prefix, id))
        {
            return ApiProblems.NotFound("Transfer");
        }

        // No body is a capture in full, and is remembered as one ({"amount":null}).
        request ??= new CaptureHoldRequest();
        var outcome = await movement.Ledger.SubmitAsync(new SettleHold(movement.Origin(request, StrongroomJsonContext.Default.CaptureHoldRequest))
        {
            TransferId = id,
            Action = HoldAction.Capture,
            Amount = request.Amount,
        });
        return new LedgerOk<TransferResponse>(outcome);
    }
}
