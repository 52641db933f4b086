using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Transfers;

/// <summary>Release a hold. Capture, void and expiry race safely: exactly one wins.</summary>
public static class VoidHold
{
    public static RouteHandlerBuilder MapVoidHold(this IEndpointRouteBuilder group) =>
        group.MapPost("/{id}/void", HandleAsync)
            .WithName("VoidHold")
            .WithSummary("Release a hold")
            .WithDescription("Nothing moves; the reserved amount is available again. Requires an Idempotency-Key header.")
            .MovesMoney();

    public static async Task<Results<LedgerOk<TransferResponse>, ProblemHttpResult>> HandleAsync(string id, [AsParameters] MoneyMovement movement)
    {
        if (!OpaqueId.IsWellFormed(TransferIds.Prefix, id))
        {
            return ApiProblems.NotFound("Transfer");
        }

        // A void has no body; its key has always been remembered with that of a capture in full, so
        // only the operation tells the two apart.
        var outcome = await movement.Ledger.SubmitAsync(new SettleHold(movement.Origin(new CaptureHoldRequest(), StrongroomJsonContext.Default.CaptureHoldRequest))
        {
            TransferId = id,
            Action = HoldAction.Void,
        });
        return new LedgerOk<TransferResponse>(outcome);
    }
}
