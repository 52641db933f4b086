using Microsoft.Extensions.DependencyInjection;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// Events kept for a minute of a clock the test moves, purged every 200 ms, and holds looked at for
/// expiry every 200 ms: an event ages, and a hold falls due, when the test says so.
/// </summary>
public sealed class EventClockApp : SqliteApp, IClockedApp
{
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(1);

    public TestClock Clock { get; } = new();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Events:Retention"] = "00:01:00",
        ["Events:PurgeInterval"] = "00:00:00.200",
        ["Ledger:HoldExpiryInterval"] = "00:00:00.200",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}
