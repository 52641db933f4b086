using System.ComponentModel.DataAnnotations;
using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;

namespace Strongroom.Features.Exchanges;

/// <summary>A rate as staff set it: <c>rate</c> is a decimal string, never a JSON number.</summary>
public sealed record FxRateRequest(
    [Required, RateText] string? Rate,
    [Required] DateTimeOffset? ValidUntil);

/// <summary>The current rate of a pair: one unit of <c>base</c> is <c>rate</c> units of <c>quote</c>, until <c>validUntil</c>.</summary>
public sealed record FxRateResponse(string Base, string Quote, string Rate, DateTimeOffset ValidUntil, DateTimeOffset UpdatedAt);

/// <summary>
/// Sell <c>sellAmount</c> (minor units of the source account's currency) into the destination
/// account's currency; <c>rate</c>, if given, is the rate the client was quoted and must still be current.
/// </summary>
public sealed record CreateExchangeRequest(
    [Required, StringLength(40)] string FromAccountId,
    [Required, StringLength(40)] string ToAccountId,
    [Range(1d, Amounts.Max)] long SellAmount,
    [RateText] string? Rate = null);

/// <summary>A rate's text: see <see cref="ExchangeRules.RateFormat"/>.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class RateTextAttribute : ValidationAttribute
{
    public RateTextAttribute()
        : base($"The {{0}} field must be {ExchangeRules.RateFormat}.")
    {
    }

    public override bool IsValid(object? value) => value is null || (value is string text && ExchangeRules.TryParseRate(text, out _));
}
