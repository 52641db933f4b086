using Microsoft.Extensions.DependencyInjection;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// Dual control on for EUR at 10 000 minor units (USD has no threshold), approvals expiring after
/// five minutes, on a clock the test moves.
/// </summary>
public sealed class DualControlApp : SqliteApp, IClockedApp
{
    public const long Threshold = 10_000;

    public static readonly TimeSpan Expiry = TimeSpan.FromMinutes(5);

    public TestClock Clock { get; } = new();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Ledger:DualControl:Thresholds:EUR"] = Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Ledger:DualControl:Expiry"] = Expiry.ToString(),
        ["Ledger:HoldExpiryInterval"] = "1.00:00:00",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}
