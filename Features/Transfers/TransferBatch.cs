using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Transfers;

public static class TransferBatch
{
    public const int MaxTransfers = 100;

    public static RouteHandlerBuilder MapTransferBatch(this IEndpointRouteBuilder group) =>
        group.MapPost("/batch", HandleAsync)
            .WithName("CreateTransferBatch")
            .WithMetadata(new NoLocationHeader())
            .WithSummary("Apply up to 100 transfers all or nothing")
            .WithDescription("For movements that belong together, such as a payment and its fee. If one is refused, none applies and the problem's index names it. Requires an Idempotency-Key header.")
            .MovesMoney()
            .RespondsAsync<AsyncBatchAccepted>();

    public static async Task<Results<LedgerCreated<TransferBatchResponse>, ValidationProblem>> HandleAsync(
        CreateTransferBatchRequest request,
        [AsParameters] MoneyMovement movement,
        [FromHeader(Name = AsyncInbox.PreferHeader), Description(AsyncInbox.PreferDescription)] string? prefer,
        [FromServices] AsyncIntake intake,
        TimeProvider time,
        IOptions<LedgerOptions> options)
    {
        var now = time.GetUtcNow();
        var holdErrors = request.Transfers
            .SelectMany((transfer, index) => transfer.HoldErrors(now, options.Value.MaxHoldDuration).Select(error => (Key: $"transfers[{index}].holdExpiresAt", error))
                .Concat(transfer.ReferenceErrors().Select(error => (Key: $"transfers[{index}].reference", error))))
            .GroupBy(e => e.Key)
            .ToDictionary(g => g.Key, g => g.Select(e => e.error).ToArray());
        if (holdErrors.Count > 0)
        {
            return TypedResults.ValidationProblem(holdErrors);
        }

        var command = new PostTransfers(movement.Origin(request, StrongroomJsonContext.Default.CreateTransferBatchRequest))
        {
            IsBatch = true,
            Transfers = [.. request.Transfers.Select(transfer => transfer.ToInstruction(OpaqueId.New(TransferIds.Prefix, time)))],
        };
        return new LedgerCreated<TransferBatchResponse>(await movement.SubmitAsync(command, AsyncInbox.IsRequested(prefer), intake));
    }
}
