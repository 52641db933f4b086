namespace Strongroom.Infrastructure.Security;

/// <summary>Bound from <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";
    public const int MinimumKeyBytes = 32;

    public string Issuer { get; set; } = "strongroom";

    public string Audience { get; set; } = "strongroom-api";

    /// <summary>Base64 of at least 32 random bytes (HS256). Required outside Development and the embedded default.</summary>
    public string? SigningKey { get; set; }

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a refresh token may wait to be used; each use replaces it.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Tolerance for clocks that disagree; capped at 30 seconds.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many validated access tokens are remembered (by hash, each for at most five minutes and
    /// never past its expiry), so a token presented again is not validated again; 0 turns it off.
    /// </summary>
    public int ValidatedTokenCacheSize { get; set; } = 10_000;

    /// <summary>
    /// How recent a sign-in must be (the token's <c>auth_time</c>) for a sensitive change: enrolling
    /// or disabling an authenticator, creating or revoking a service client, changing roles.
    /// </summary>
    public TimeSpan RecentSignInWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Registrations allowed per client address: a burst of <c>PermitLimit</c>, refilled over <c>Window</c>.</summary>
    public RegistrationLimitOptions RegistrationRateLimit { get; set; } = new();

    public LockoutOptions Lockout { get; set; } = new();

    public BurstOptions Bursts { get; set; } = new();

    /// <summary>Money-moving endpoints need a token from a sign-in with a second factor (<c>amr</c> contains <c>mfa</c>).</summary>
    public bool RequireMfaForMoneyMovement { get; set; }

    /// <summary>
    /// The issuer URL of an external OpenID Connect authority whose access tokens are accepted beside
    /// ours (discovery and JWKS are fetched from it). Unset: only our own tokens.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>The <c>aud</c> the authority's access tokens must carry; default: <see cref="Audience"/>.</summary>
    public string? AuthorityAudience { get; set; }

    /// <summary>The claim of the authority's tokens whose values name our roles; values we do not know are dropped.</summary>
    public string AuthorityRoleClaim { get; set; } = "roles";

    /// <summary>Discovery and JWKS only over HTTPS; switch off only for a local test authority.</summary>
    public bool AuthorityRequireHttpsMetadata { get; set; } = true;

    public bool HasAuthority => !string.IsNullOrWhiteSpace(Authority);

    /// <summary>
    /// Keys that signed earlier tokens (base64, ≥ 32 bytes each): accepted when validating, never used
    /// to sign. Rotation without a 401 storm: the old key moves here while the new one signs, and
    /// leaves after one access-token lifetime.
    /// </summary>
    public List<string> PreviousSigningKeys { get; set; } = [];

    /// <summary>The decoded key, set once the options are resolved.</summary>
    public byte[] SigningKeyBytes { get; set; } = [];

    /// <summary>The decoded <see cref="PreviousSigningKeys"/>.</summary>
    public List<byte[]> PreviousSigningKeyBytes { get; set; } = [];
}

/// <summary>Each registration costs a password hash and says whether an email is taken, so addresses get few.</summary>
public sealed class RegistrationLimitOptions
{
    public int PermitLimit { get; set; } = 10;

    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Failed sign-ins allowed within <see cref="Window"/> before a subject is locked for <see cref="Duration"/>.</summary>
public sealed class LockoutOptions
{
    public int AccountFailures { get; set; } = 5;

    public int IpFailures { get; set; } = 20;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>Bound from <c>Bootstrap</c>: an admin ensured at start-up.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Bootstrap";

    public string? AdminEmail { get; set; }

    public string? AdminPassword { get; set; }
}
