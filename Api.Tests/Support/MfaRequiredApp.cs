using Microsoft.Extensions.DependencyInjection;

namespace Strongroom.Api.Tests.Support;

/// <summary>With <c>Auth:RequireMfaForMoneyMovement</c> on.</summary>
public sealed class MfaRequiredApp : SqliteApp, IClockedApp
{
    public TestClock Clock { get; } = new();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Auth:RequireMfaForMoneyMovement"] = "true" };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}
