using System.Globalization;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// The service as production runs it: the Production environment (no developer pages, docs off by
/// default), on a real Kestrel socket, trusting an external OpenID Connect authority on loopback,
/// with one browser origin allowed. Limits are lowered so the abuse tests reach them quickly: three
/// failed sign-ins lock an account; ten money movements in a burst, then one a second, per user.
/// </summary>
public sealed class OwaspApp : ExternalAuthorityApp
{
    public const string TrustedOrigin = "https://app.example";
    public const int MoneyMovementBurst = 10;

    private SignedIn? _admin;

    protected override string EnvironmentName => "Production";

    protected override bool ServeOverKestrel => true;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Auth:Lockout:AccountFailures"] = "3",
        // Every test client comes from 127.0.0.1: keep the per-address lock out of the other tests' way.
        ["Auth:Lockout:IpFailures"] = "1000",
        ["Api:CorsOrigins:0"] = TrustedOrigin,
        ["Api:MoneyMovementRateLimit:PermitLimit"] = MoneyMovementBurst.ToString(CultureInfo.InvariantCulture),
        ["Api:MoneyMovementRateLimit:TokensPerSecond"] = "1",
    };

    /// <summary>The bootstrap admin, signed in once for the class (a sign-in costs a full password hash).</summary>
    public async Task<SignedIn> AdminAsync() => _admin ??= await SignInAsAdminAsync();
}
