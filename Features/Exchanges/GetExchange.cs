using System.Security.Claims;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Exchanges;

public static class GetExchange
{
    public static RouteHandlerBuilder MapGetExchange(this IEndpointRouteBuilder group) =>
        group.MapGet("/{id}", HandleAsync)
            .WithName("GetExchange")
            .WithSummary("Read an exchange")
            .WithDescription("Visible to the owner of either account and to staff; for anyone else it does not exist (404). The same body as the exchange's 201 and its exchange.completed event.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<ExchangeResponse>, ProblemHttpResult>> HandleAsync(
        string id, ClaimsPrincipal user, SqlDatabase database, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(ExchangeIds.Prefix, id))
        {
            return ApiProblems.NotFound("Exchange");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var found = await connection.QuerySingleOrDefaultAsync<VisibleExchange>(Sql.ById, new { Id = id });
        var caller = user.UserId();
        return found is not null && (found.FromOwnerId == caller || found.ToOwnerId == caller || user.IsStaff())
            ? TypedResults.Ok(found.ToResponse())
            : ApiProblems.NotFound("Exchange");
    }

    /// <summary>An exchange with the owners of both accounts, to decide who may see it.</summary>
    public sealed class VisibleExchange
    {
        public string Id { get; init; } = "";

        public string FromAccountId { get; init; } = "";

        public string ToAccountId { get; init; } = "";

        public long SellAmount { get; init; }

        public string SellCurrency { get; init; } = "";

        public string SellTransferId { get; init; } = "";

        public long BuyAmount { get; init; }

        public string BuyCurrency { get; init; } = "";

        public string BuyTransferId { get; init; } = "";

        public string Rate { get; init; } = "";

        public long CreatedAt { get; init; }

        public string? FromOwnerId { get; init; }

        public string? ToOwnerId { get; init; }

        public ExchangeResponse ToResponse() => new ExchangeRow
        {
            Id = Id, FromAccountId = FromAccountId, ToAccountId = ToAccountId, SellAmount = SellAmount, SellCurrency = SellCurrency, SellTransferId = SellTransferId,
            BuyAmount = BuyAmount, BuyCurrency = BuyCurrency, BuyTransferId = BuyTransferId, Rate = Rate, CreatedAt = CreatedAt,
        }.ToResponse();
    }

    private static class Sql
    {
        public const string ById = """
            SELECT x.id AS Id, x.from_account_id AS FromAccountId, x.to_account_id AS ToAccountId, x.sell_amount AS SellAmount, x.sell_currency AS SellCurrency,
                   x.sell_transfer_id AS SellTransferId, x.buy_amount AS BuyAmount, x.buy_currency AS BuyCurrency, x.buy_transfer_id AS BuyTransferId,
                   x.rate AS Rate, x.created_at AS CreatedAt, f.owner_id AS FromOwnerId, d.owner_id AS ToOwnerId
            FROM exchanges x
            JOIN accounts f ON f.id = x.from_account_id
            JOIN accounts d ON d.id = x.to_account_id
            WHERE x.id = @Id
            """;
    }
}
