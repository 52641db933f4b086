
namespace Strongroom.Api.Tests.Support;

/// <summary>Three money movements in a burst, then one a second.</summary>
public sealed class TightRateLimitApp : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Api:MoneyMovementRateLimit:PermitLimit"] = "3",
        ["Api:MoneyMovementRateLimit:TokensPerSecond"] = "1",
    };
}
