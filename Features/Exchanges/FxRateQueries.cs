using Strongroom.Features.Ledger;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Money;

namespace Strongroom.Features.Exchanges;

/// <summary>An <c>fx_rates</c> row, and the checks both rate endpoints make on a pair.</summary>
public sealed class FxRateRow
{
    public const string BaseDescription = "The currency sold: an upper-case ISO 4217 code, such as EUR.";

    public const string QuoteDescription = "The currency bought: an upper-case ISO 4217 code other than base, such as JPY.";

    public const string Columns = """
        base_currency AS BaseCurrency, quote_currency AS QuoteCurrency, rate AS Rate, valid_until AS ValidUntil, updated_by AS UpdatedBy, updated_at AS UpdatedAt
        """;

    public string BaseCurrency { get; init; } = "";

    public string QuoteCurrency { get; init; } = "";

    public string Rate { get; init; } = "";

    public long ValidUntil { get; init; }

    public string UpdatedBy { get; init; } = "";

    public long UpdatedAt { get; init; }

    public FxRateResponse ToResponse() =>
        new(BaseCurrency, QuoteCurrency, Rate, UnixMicroseconds.ToDateTimeOffset(ValidUntil), UnixMicroseconds.ToDateTimeOffset(UpdatedAt));

    /// <summary>What is wrong with a pair named in a route: each code a supported ISO 4217 currency, and two different ones.</summary>
    public static Dictionary<string, string[]> PairErrors(string baseCurrency, string quoteCurrency)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Currencies.IsSupported(baseCurrency))
        {
            errors["base"] = ["The base must be an upper-case ISO 4217 currency code, such as EUR."];
        }

        if (!Currencies.IsSupported(quoteCurrency))
        {
            errors["quote"] = ["The quote must be an upper-case ISO 4217 currency code, such as JPY."];
        }

        if (errors.Count == 0 && baseCurrency == quoteCurrency)
        {
            errors["quote"] = ["The quote must be another currency than the base."];
        }

        return errors;
    }

    /// <summary>The canonical text of a rate already validated by <see cref="RateTextAttribute"/>.</summary>
    public static string CanonicalText(string rate) =>
        ExchangeRules.TryParseRate(rate, out var value) ? ExchangeRules.Canonical(value) : throw new ArgumentException("Not a rate.", nameof(rate));
}
