using System.Globalization;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Bound from <c>Ledger:DualControl</c> (maker-checker): a deposit, withdrawal or reversal by
/// staff of at least its currency's threshold waits for a second member of staff to approve it.
/// </summary>
public sealed class DualControlOptions
{
    public const string Section = "Ledger:DualControl";

    /// <summary>Per currency (<c>Thresholds:EUR = 1000000</c>), in minor units; a currency without one needs no approval.</summary>
    public Dictionary<string, long> Thresholds { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long an approval may wait for its decision; past it, it is expired.</summary>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The thresholds keyed by upper-case currency code, as transfers name it.</summary>
    public IReadOnlyDictionary<string, long> ByCurrency() =>
        Thresholds.ToDictionary(pair => pair.Key.ToUpper(CultureInfo.InvariantCulture), pair => pair.Value, StringComparer.Ordinal);

    /// <summary>Whether a staff movement of <paramref name="amount"/> in <paramref name="currency"/> needs a second member of staff.</summary>
    public bool NeedsApproval(string currency, long amount) =>
        ByCurrency().TryGetValue(currency.ToUpper(CultureInfo.InvariantCulture), out var threshold) && amount >= threshold;
}
