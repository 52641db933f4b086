using Microsoft.Extensions.DependencyInjection;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// On a clock the test moves, with the hold expiry job waiting a day between runs: a hold can be
/// past its expiry while nothing has voided it yet.
/// </summary>
public sealed class IdleHoldExpiryApp : SqliteApp, IClockedApp
{
    public TestClock Clock { get; } = new();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Ledger:HoldExpiryInterval"] = "1.00:00:00" };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}
