using Microsoft.Extensions.DependencyInjection;

namespace Strongroom.Api.Tests.Support;

/// <summary>On a clock the tests move; the wrong codes of the whole class stay below the per-address lockout.</summary>
public sealed class MfaSqliteApp : SqliteApp, IClockedApp
{
    public TestClock Clock { get; } = new();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Auth:Lockout:IpFailures"] = "1000" };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}
