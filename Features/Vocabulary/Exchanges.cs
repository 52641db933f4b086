using System.ComponentModel.DataAnnotations;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Vocabulary;

/// <summary>One side of an exchange: what moved, in which currency, by which transfer.</summary>
public sealed record ExchangeLeg([property: Range(1d, Amounts.Max)] long Amount, string Currency, string TransferId);

/// <summary>
/// A currency exchange as clients see it: <c>sell</c> left <c>fromAccountId</c> for the sell
/// currency's settlement account, <c>buy</c> came to <c>toAccountId</c> from the buy currency's,
/// at <c>rate</c> (an exact decimal, as a string: one unit of the sell currency in the buy currency).
/// </summary>
public sealed record ExchangeResponse(
    string Id,
    string FromAccountId,
    string ToAccountId,
    ExchangeLeg Sell,
    ExchangeLeg Buy,
    string Rate,
    DateTimeOffset CreatedAt);

public static class ExchangeIds
{
    public const string Prefix = "exc";
}

/// <summary>An <c>exchanges</c> row (a class: Dapper.AOT binds its properties).</summary>
public sealed class ExchangeRow
{
    public const string Columns = """
        id AS Id, from_account_id AS FromAccountId, to_account_id AS ToAccountId, sell_amount AS SellAmount, sell_currency AS SellCurrency,
        sell_transfer_id AS SellTransferId, buy_amount AS BuyAmount, buy_currency AS BuyCurrency, buy_transfer_id AS BuyTransferId,
        rate AS Rate, initiated_by AS InitiatedBy, created_at AS CreatedAt
        """;

    public string Id { get; init; } = "";

    public string FromAccountId { get; init; } = "";

    public string ToAccountId { get; init; } = "";

    public long SellAmount { get; init; }

    public string SellCurrency { get; init; } = "";

    public string SellTransferId { get; init; } = "";

    public long BuyAmount { get; init; }

    public string BuyCurrency { get; init; } = "";

    public string BuyTransferId { get; init; } = "";

    /// <summary>The rate applied, in its canonical text form.</summary>
    public string Rate { get; init; } = "";

    public string InitiatedBy { get; init; } = "";

    public long CreatedAt { get; init; }

    public ExchangeResponse ToResponse() => new(
        Id, FromAccountId, ToAccountId,
        new ExchangeLeg(SellAmount, SellCurrency, SellTransferId),
        new ExchangeLeg(BuyAmount, BuyCurrency, BuyTransferId),
        Rate, UnixMicroseconds.ToDateTimeOffset(CreatedAt));
}
