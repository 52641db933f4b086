using Microsoft.Extensions.DependencyInjection;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// Keys remembered for a minute of a clock the test moves, and purged every 200 ms: a key expires
/// when the test moves the clock past its retention, however slowly the test runs.
/// </summary>
public sealed class ShortKeyRetentionApp : SqliteApp, IClockedApp
{
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(1);

    public TestClock Clock { get; } = new();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Ledger:IdempotencyRetention"] = "00:01:00",
        ["Ledger:IdempotencyPurgeInterval"] = "00:00:00.200",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}
