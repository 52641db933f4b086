using System.Security.Claims;
using System.Text.Json;
using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Transfers;

public static class GetTransfer
{
    public static RouteHandlerBuilder MapGetTransfer(this IEndpointRouteBuilder group) =>
        group.MapGet("/{id}", HandleAsync)
            .WithName("GetTransfer")
            .WithSummary("Read a transfer")
            .WithDescription("Visible to the owner of either account and to staff; for anyone else it does not exist (404).")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<TransferResponse>, ProblemHttpResult>> HandleAsync(
        string id, ClaimsPrincipal user, SqlDatabase database, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(TransferIds.Prefix, id))
        {
            return ApiProblems.NotFound("Transfer");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var found = await connection.QuerySingleOrDefaultAsync<VisibleTransfer>(Sql.ById, new { Id = id });
        var caller = user.UserId();
        if (found is not null)
        {
            return found.FromOwnerId == caller || found.ToOwnerId == caller || user.IsStaff()
                ? TypedResults.Ok(found.ToResponse())
                : ApiProblems.NotFound("Transfer");
        }

        // Not in the ledger: perhaps accepted with Prefer: respond-async, still processing or refused.
        // Visible to the caller who sent it and to staff (the accounts' owners learn of it once it is applied).
        var accepted = await connection.QuerySingleOrDefaultAsync<AcceptedTransfer>(Sql.AcceptedById, new { Id = id });
        return accepted is not null && (accepted.OwnerId == caller || user.IsStaff()) && accepted.ToResponse(id) is { } response
            ? TypedResults.Ok(response)
            : ApiProblems.NotFound("Transfer");
    }

    /// <summary>A transfer of an <c>async_requests</c> row, with the request's state.</summary>
    public sealed class AcceptedTransfer
    {
        public string OwnerId { get; init; } = "";

        public string State { get; init; } = "";

        public string Instructions { get; init; } = "[]";

        public string? FailureCode { get; init; }

        public string? FailureDetail { get; init; }

        public long AcceptedAt { get; init; }

        /// <summary>The transfer as requested, processing or failed; null once applied (then the ledger has it) or if the request does not name it.</summary>
        public TransferResponse? ToResponse(string id)
        {
            if (State is not (AsyncInbox.Processing or AsyncInbox.Failed)
                || JsonSerializer.Deserialize(Instructions, StrongroomJsonContext.Default.IReadOnlyListTransferInstruction)?.FirstOrDefault(t => t.Id == id) is not { } instruction)
            {
                return null;
            }

            return new TransferResponse(
                instruction.Id, instruction.FromAccountId ?? "", instruction.ToAccountId ?? "", instruction.Amount, instruction.Currency,
                State == AsyncInbox.Failed ? TransferStatuses.Failed : TransferStatuses.Processing,
                0, instruction.Description, instruction.Metadata,
                instruction.HoldExpiresAt is { } expires ? UnixMicroseconds.ToDateTimeOffset(expires) : null,
                UnixMicroseconds.ToDateTimeOffset(AcceptedAt),
                State == AsyncInbox.Failed ? new TransferFailure(FailureCode ?? "refused", FailureDetail ?? "The request was refused.") : null,
                instruction.Reference);
        }
    }

    /// <summary>A transfer with the owners of both sides, to decide who may see it.</summary>
    public sealed class VisibleTransfer
    {
        public string Id { get; init; } = "";

        public string FromAccountId { get; init; } = "";

        public string ToAccountId { get; init; } = "";

        public long Amount { get; init; }

        public string Currency { get; init; } = "";

        public string Status { get; init; } = "";

        public long CapturedAmount { get; init; }

        public string? Description { get; init; }

        public string? Metadata { get; init; }

        public long? HoldExpiresAt { get; init; }

        public long CreatedAt { get; init; }

        public string? FromOwnerId { get; init; }

        public string? ToOwnerId { get; init; }

        public string? Reference { get; init; }

        public string? ReversalOf { get; init; }

        public long ReversedAmount { get; init; }

        public TransferResponse ToResponse() => new TransferRow
        {
            Id = Id, FromAccountId = FromAccountId, ToAccountId = ToAccountId, Amount = Amount, Currency = Currency, Status = Status,
            CapturedAmount = CapturedAmount, Description = Description, Metadata = Metadata, HoldExpiresAt = HoldExpiresAt, CreatedAt = CreatedAt,
            Reference = Reference, ReversalOf = ReversalOf, ReversedAmount = ReversedAmount,
        }.ToResponse();
    }

    private static class Sql
    {
        public const string ById = """
            SELECT t.id AS Id, t.from_account_id AS FromAccountId, t.to_account_id AS ToAccountId, t.amount AS Amount, t.currency AS Currency,
                   t.status AS Status, t.captured_amount AS CapturedAmount, t.description AS Description, t.metadata AS Metadata,
                   t.hold_expires_at AS HoldExpiresAt, t.created_at AS CreatedAt, f.owner_id AS FromOwnerId, d.owner_id AS ToOwnerId,
                   t.reference AS Reference, t.reversal_of AS ReversalOf, t.reversed_amount AS ReversedAmount
            FROM transfers t
            JOIN accounts f ON f.id = t.from_account_id
            JOIN accounts d ON d.id = t.to_account_id
            WHERE t.id = @Id
            """;

        public const string AcceptedById = """
            SELECT r.owner_id AS OwnerId, r.state AS State, r.instructions AS Instructions, r.failure_code AS FailureCode,
                   r.failure_detail AS FailureDetail, r.accepted_at AS AcceptedAt
            FROM async_transfers a
            JOIN async_requests r ON r.sequence = a.sequence
            WHERE a.transfer_id = @Id
            """;
    }
}
