using System.Globalization;
using System.Numerics;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Money;

namespace Strongroom.Features.Ledger;

/// <summary>
/// A currency exchange for the ledger writer: sell <see cref="SellAmount"/> from
/// <see cref="FromAccountId"/> and buy what it is worth at the current rate into
/// <see cref="ToAccountId"/>, as two transfers through the settlement accounts of the two
/// currencies, both or neither. The ids are assigned before queuing.
/// </summary>
public sealed class PostExchange(CommandOrigin origin) : LedgerCommand(origin)
{
    public required string Id { get; init; }

    public required string SellTransferId { get; init; }

    public required string BuyTransferId { get; init; }

    public required string FromAccountId { get; init; }

    public required string ToAccountId { get; init; }

    public required long SellAmount { get; init; }

    /// <summary>
    /// The currencies of the two accounts as read before queuing (an account's currency never
    /// changes; empty when the account was not found): the store loads their settlement accounts
    /// and rate with the group. The writer decides on the locked accounts' own currencies.
    /// </summary>
    public required string SellCurrency { get; init; }

    public required string BuyCurrency { get; init; }

    /// <summary>The rate the client was quoted, if it sent one: it must equal the current rate.</summary>
    public decimal? QuotedRate { get; init; }
}

/// <summary>The current rate of a pair as the writer's transaction read it: one unit of base is <see cref="Rate"/> units of quote.</summary>
public sealed record FxRate(string Base, string Quote, decimal Rate, string Text, long ValidUntil);

/// <summary>
/// The rules of exchange, as pure functions like <see cref="LedgerRules"/>: the rate's text form,
/// the refusals before any money moves, and the buy amount, computed exactly.
/// </summary>
public static class ExchangeRules
{
    /// <summary>Most digits a rate may have before, and after, its decimal point.</summary>
    public const int MaxRateDigits = 12;

    /// <summary>What <see cref="TryParseRate"/> accepts, for the API's documentation.</summary>
    public const string RateFormat = "a positive decimal number as a string, without sign or exponent, with at most 12 digits before and 12 after the point (such as \"1.0842\")";

    private static readonly BigInteger RateScale = BigInteger.Pow(10, MaxRateDigits);

    /// <summary>
    /// A rate from its text: digits, optionally a point and more digits, at most
    /// <see cref="MaxRateDigits"/> on each side, greater than zero. Parsed with the invariant
    /// culture into an exact <see cref="decimal"/>, never through a float.
    /// </summary>
    public static bool TryParseRate(string? text, out decimal rate)
    {
        rate = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var point = text.IndexOf('.', StringComparison.Ordinal);
        var whole = point < 0 ? text : text[..point];
        var fraction = point < 0 ? "" : text[(point + 1)..];
        if (whole.Length is 0 or > MaxRateDigits || (point >= 0 && fraction.Length is 0 or > MaxRateDigits)
            || !whole.All(char.IsAsciiDigit) || !fraction.All(char.IsAsciiDigit))
        {
            return false;
        }

        return decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out rate) && rate > 0;
    }

    /// <summary>The canonical text of a rate: no leading zeros but one before the point, no trailing zeros after it.</summary>
    public static string Canonical(decimal rate)
    {
        var text = rate.ToString(CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) ? text.TrimEnd('0').TrimEnd('.') : text;
    }

    /// <summary>
    /// Whether <paramref name="caller"/> may exchange between <paramref name="from"/> and
    /// <paramref name="to"/> (null where the ledger has no such account) at
    /// <paramref name="rate"/> (null: none set for the pair) at <paramref name="now"/>. The
    /// accounts' status and the source's available balance are the legs' own rules
    /// (<see cref="LedgerRules.RefusePost"/>). Refusals come in a fixed order.
    /// </summary>
    public static Refusal? RefuseExchange(Caller caller, PostExchange command, AccountState? from, AccountState? to, FxRate? rate, long now)
    {
        // Both accounts are the caller's (staff: any customer's); anything else does not exist for them.
        if (!IsVisible(caller, from))
        {
            return Refusal.NotFound("Source account");
        }

        if (!IsVisible(caller, to))
        {
            return Refusal.NotFound("Destination account");
        }

        if (from!.Currency == to!.Currency)
        {
            return new Refusal(StatusCodes.Status422UnprocessableEntity, "same_currency", "An exchange is between accounts of two different currencies.");
        }

        if (rate is null)
        {
            return new Refusal(StatusCodes.Status422UnprocessableEntity, "rate_not_found", $"No rate is set for {from.Currency} to {to.Currency}.");
        }

        if (rate.ValidUntil <= now)
        {
            return new Refusal(StatusCodes.Status409Conflict, "rate_expired", $"The {from.Currency} to {to.Currency} rate has expired; nothing was exchanged.");
        }

        if (command.QuotedRate is { } quoted && quoted != rate.Rate)
        {
            return new Refusal(StatusCodes.Status409Conflict, "rate_changed", $"The {from.Currency} to {to.Currency} rate is now {rate.Text}; nothing was exchanged.");
        }

        return null;
    }

    /// <summary>
    /// What <paramref name="sellAmount"/> minor units of <paramref name="sellCurrency"/> buy at
    /// <paramref name="rate"/> in minor units of <paramref name="buyCurrency"/>:
    /// floor(sellAmount × rate × 10^(buy exponent − sell exponent)), computed exactly in integers
    /// (the rate has at most <see cref="MaxRateDigits"/> decimals, so rate × 10^12 is whole), never
    /// rounded on the way. Beyond the 64-bit range it throws <see cref="OverflowException"/>.
    /// </summary>
    public static long BuyAmount(long sellAmount, decimal rate, string sellCurrency, string buyCurrency)
    {
        var shift = Currencies.MinorUnitExponent(buyCurrency) - Currencies.MinorUnitExponent(sellCurrency);
        var scaledRate = new BigInteger(rate * (decimal)RateScale);
        var numerator = new BigInteger(sellAmount) * scaledRate * BigInteger.Pow(10, Math.Max(shift, 0));
        var denominator = RateScale * BigInteger.Pow(10, Math.Max(-shift, 0));
        var bought = BigInteger.Divide(numerator, denominator);
        return bought > long.MaxValue ? throw new OverflowException("The buy amount is beyond 64 bits.") : (long)bought;
    }

    private static bool IsVisible(Caller caller, AccountState? account) =>
        account is not null && account.Kind == AccountKinds.Customer && (caller.IsStaff || account.OwnerId == caller.UserId);
}
