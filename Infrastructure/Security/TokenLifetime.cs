using Microsoft.IdentityModel.Tokens;

namespace Strongroom.Infrastructure.Security;

/// <summary>
/// The lifetime rule of our access tokens, judged by the service's <see cref="TimeProvider"/> (the
/// clock that stamped them) rather than the wall clock the token handler would read. The rule is the
/// handler's own (<c>Validators.ValidateLifetime</c>): an expiry is required, <c>nbf</c> may not be
/// after <c>exp</c>, and both are allowed the clock skew. <see cref="ValidatedTokenCache"/> asks the
/// same question on every hit.
/// </summary>
public static class TokenLifetime
{
    public static LifetimeValidator Validator(TimeProvider time) => (notBefore, expires, _, parameters) =>
        !parameters.ValidateLifetime
        || ((expires.HasValue || !parameters.RequireExpirationTime)
            && !(notBefore > expires)
            && IsCurrent(notBefore, expires, time.GetUtcNow().UtcDateTime, parameters.ClockSkew));

    /// <summary>Not before <paramref name="notBefore"/> − skew, not after <paramref name="expires"/> + skew (either may be absent).</summary>
    public static bool IsCurrent(DateTime? notBefore, DateTime? expires, DateTime now, TimeSpan clockSkew) =>
        !(notBefore > now + clockSkew) && !(expires < now - clockSkew);
}
