using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Exchanges;

public static class CreateExchange
{
    public static RouteHandlerBuilder MapCreateExchange(this IEndpointRouteBuilder group) =>
        group.MapPost("/", HandleAsync)
            .WithName("CreateExchange")
            .WithSummary("Exchange money between two accounts of different currencies")
            .WithDescription("By the owner of both accounts, or staff. Sells sellAmount (minor units of the source account's currency) at the pair's current rate: the buy amount is floor(sellAmount × rate × 10^(buy exponent − sell exponent)), computed exactly. Two transfers through the currencies' settlement accounts, both or neither. A rate in the request must equal the current one (409 rate_changed); an expired rate is 409 rate_expired; no rate for the pair is 422 rate_not_found; a buy amount of zero is 422 amount_too_small, beyond the ledger's range 422 amount_out_of_range. Requires an Idempotency-Key header.")
            .MovesMoney();

    public static async Task<LedgerCreated<ExchangeResponse>> HandleAsync(
        CreateExchangeRequest request, [AsParameters] MoneyMovement movement, SqlDatabase database, TimeProvider time, CancellationToken cancellationToken)
    {
        // An account's currency never changes, so it may be read before the writer's transaction;
        // the writer decides on the accounts it locks (an account not found here is refused there).
        string sellCurrency = "", buyCurrency = "";
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            foreach (var account in await connection.QueryAsync<AccountCurrency>(Sql.Currencies, new { From = request.FromAccountId, To = request.ToAccountId }))
            {
                if (account.Id == request.FromAccountId)
                {
                    sellCurrency = account.Currency;
                }

                if (account.Id == request.ToAccountId)
                {
                    buyCurrency = account.Currency;
                }
            }
        }

        var outcome = await movement.Ledger.SubmitAsync(new PostExchange(movement.Origin(request, StrongroomJsonContext.Default.CreateExchangeRequest))
        {
            Id = OpaqueId.New(ExchangeIds.Prefix, time),
            SellTransferId = OpaqueId.New(TransferIds.Prefix, time),
            BuyTransferId = OpaqueId.New(TransferIds.Prefix, time),
            FromAccountId = request.FromAccountId,
            ToAccountId = request.ToAccountId,
            SellAmount = request.SellAmount,
            SellCurrency = sellCurrency,
            BuyCurrency = buyCurrency,
            QuotedRate = ExchangeRules.TryParseRate(request.Rate, out var quoted) ? quoted : null,
        });
        return new LedgerCreated<ExchangeResponse>(outcome);
    }

    /// <summary>An account's id and currency.</summary>
    public sealed class AccountCurrency
    {
        public string Id { get; init; } = "";

        public string Currency { get; init; } = "";
    }

    private static class Sql
    {
        public const string Currencies = """
            SELECT id AS Id, currency AS Currency FROM accounts WHERE id IN (@From, @To)
            """;
    }
}
