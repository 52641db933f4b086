
namespace Strongroom.Api.Tests.Support;

/// <summary>With a registration limit small enough to reach: three a minute per client address.</summary>
public sealed class RegistrationLimitApp : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Auth:RegistrationRateLimit:PermitLimit"] = "3",
        ["Auth:RegistrationRateLimit:Window"] = "00:01:00",
    };
}
