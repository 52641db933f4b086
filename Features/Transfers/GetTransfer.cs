using System.Security.Claims;
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
        return found is not null && (found.FromOwnerId == caller || found.ToOwnerId == caller || user.IsStaff())
            ? TypedResults.Ok(found.ToResponse())
            : ApiProblems.NotFound("Transfer");
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

        public TransferResponse ToResponse() => new TransferRow
        {
            Id = Id, FromAccountId = FromAccountId, ToAccountId = ToAccountId, Amount = Amount, Currency = Currency, Status = Status,
            CapturedAmount = CapturedAmount, Description = Description, Metadata = Metadata, HoldExpiresAt = HoldExpiresAt, CreatedAt = CreatedAt,
        }.ToResponse();
    }

    private static class Sql
    {
        public const string ById = """
            SELECT t.id AS Id, t.from_account_id AS FromAccountId, t.to_account_id AS ToAccountId, t.amount AS Amount, t.currency AS Currency,
                   t.status AS Status, t.captured_amount AS CapturedAmount, t.description AS Description, t.metadata AS Metadata,
                   t.hold_expires_at AS HoldExpiresAt, t.created_at AS CreatedAt, f.owner_id AS FromOwnerId, d.owner_id AS ToOwnerId
            FROM transfers t
            JOIN accounts f ON f.id = t.from_account_id
            JOIN accounts d ON d.id = t.to_account_id
            WHERE t.id = @Id
            """;
    }
}
