using Microsoft.Extensions.DependencyInjection;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// Looks for expired holds every 200 ms on a clock the test moves: a hold falls due when the test
/// says so, not when a busy machine happens to get there.
/// </summary>
public sealed class FastHoldExpiryApp : SqliteApp, IClockedApp
{
    public TestClock Clock { get; } = new();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Ledger:HoldExpiryInterval"] = "00:00:00.200" };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}
