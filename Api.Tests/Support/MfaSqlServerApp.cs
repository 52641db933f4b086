using Microsoft.Extensions.DependencyInjection;

namespace Strongroom.Api.Tests.Support;

public sealed class MfaSqlServerApp : SqlServerApp, IClockedApp
{
    public TestClock Clock { get; } = new();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Auth:Lockout:IpFailures"] = "1000" };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}
