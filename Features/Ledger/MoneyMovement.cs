using System.ComponentModel;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Ledger;

/// <summary>
/// What every money-moving handler is given (<c>[AsParameters]</c>): the request's Idempotency-Key,
/// already checked by the filter <see cref="MoneyMovingEndpoints.MovesMoney"/> attaches, the
/// request, and the ledger to submit to.
/// </summary>
public sealed class MoneyMovement
{
    [FromHeader(Name = Idempotency.Header)]
    [Description("1 to 255 printable ASCII characters, new for each request a caller means once: a retry with the same key and body answers the first outcome (Idempotency-Replayed: true) instead of moving money again; the same key with another request or on another operation is refused (422 idempotency_key_reused).")]
    public string? IdempotencyKey { get; init; }

    public required HttpContext Context { get; init; }

    [FromServices]
    public required LedgerQueue Ledger { get; init; }

    /// <summary>
    /// Who asks, with which key, and the hash of <paramref name="request"/> (as the API understood
    /// it) with this endpoint's <see cref="IdempotentOperation"/>: what every command made from a
    /// request carries.
    /// </summary>
    public CommandOrigin Origin<TRequest>(TRequest request, JsonTypeInfo<TRequest> typeInfo)
    {
        var operation = Context.GetEndpoint()?.Metadata.GetMetadata<IdempotentOperation>()
            ?? throw new InvalidOperationException("Only an endpoint marked MovesMoney() makes ledger commands.");
        return new CommandOrigin(
            new Caller(Context.User.UserId(), Context.User.IsStaff()),
            IdempotencyKey ?? throw new InvalidOperationException("MovesMoney() refuses a request without an Idempotency-Key."),
            Idempotency.Hash(operation.For(Context.Request.RouteValues), request, typeInfo),
            ApiProblems.TraceIdOf(Context));
    }

    /// <summary>
    /// Applies <paramref name="command"/> through the ledger writer and answers its outcome or, when
    /// the client sent <c>Prefer: respond-async</c>, records it durably and answers 202 at once
    /// (<see cref="AsyncIntake"/>), with <c>Preference-Applied: respond-async</c>.
    /// </summary>
    public async Task<LedgerOutcome> SubmitAsync(PostTransfers command, bool respondAsync, AsyncIntake intake)
    {
        if (!respondAsync)
        {
            return await Ledger.SubmitAsync(command);
        }

        var outcome = await intake.SubmitAsync(command);
        if (outcome.Status == StatusCodes.Status202Accepted)
        {
            Context.Response.Headers[AsyncInbox.PreferenceAppliedHeader] = AsyncInbox.RespondAsync;
        }

        return outcome;
    }
}
