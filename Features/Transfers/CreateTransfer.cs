using System.ComponentModel;
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
            .MovesMoney()
            .RespondsAsync<AsyncTransferAccepted>();

    public static async Task<Results<LedgerCreated<TransferResponse>, ValidationProblem>> HandleAsync(
        CreateTransferRequest request,
        [AsParameters] MoneyMovement movement,
        [FromHeader(Name = AsyncInbox.PreferHeader), Description(AsyncInbox.PreferDescription)] string? prefer,
        [FromServices] AsyncIntake intake,
        TimeProvider time,
        IOptions<LedgerOptions> options)
    {
        var holdErrors = request.HoldErrors(time.GetUtcNow(), options.Value.MaxHoldDuration).ToArray();
        if (holdErrors.Length > 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["holdExpiresAt"] = holdErrors });
        }

        if (request.ReferenceErrors().ToArray() is { Length: > 0 } referenceErrors)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reference"] = referenceErrors });
        }

        var command = new PostTransfers(movement.Origin(request, StrongroomJsonContext.Default.CreateTransferRequest))
        {
            Transfers = [request.ToInstruction(OpaqueId.New(TransferIds.Prefix, time))],
        };
        return new LedgerCreated<TransferResponse>(await movement.SubmitAsync(command, AsyncInbox.IsRequested(prefer), intake));
    }
}
