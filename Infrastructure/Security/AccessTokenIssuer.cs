using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Strongroom.Infrastructure.Security;

public sealed record AccessToken(string Token, int ExpiresInSeconds);

/// <summary>Mints HS256 access tokens carrying <c>sub</c>, <c>role</c> (one per role) and <c>jti</c>.</summary>
public sealed class AccessTokenIssuer(IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly AuthOptions _options = options.Value;
    private readonly SigningCredentials _credentials = new(new SymmetricSecurityKey(options.Value.SigningKeyBytes), SecurityAlgorithms.HmacSha256);

    /// <summary>
    /// With <c>authenticationMethods</c>, the token also carries them as the RFC 8176 <c>amr</c> array;
    /// with <c>authenticatedAt</c>, when that sign-in was (OpenID Connect <c>auth_time</c>).
    /// </summary>
    public AccessToken Issue(string userId, IEnumerable<string> roles, IEnumerable<string>? authenticationMethods = null, DateTimeOffset? authenticatedAt = null)
    {
        var claims = new List<Claim>();
        claims.AddRange(roles.Select(role => new Claim(StrongroomClaims.Role, role)));
        return Create(userId, claims, authenticationMethods, authenticatedAt);
    }

    /// <summary>
    /// A service client's token (RFC 9068 §2.2): <c>sub</c> is the owner it acts for, <c>client_id</c>
    /// the client, <c>scope</c> what it may do. No roles, so no staff policy can ever pass.
    /// </summary>
    public AccessToken IssueForClient(string clientId, string ownerId, IEnumerable<string> scopes) =>
        Create(ownerId, [new(StrongroomClaims.ClientId, clientId), new(StrongroomClaims.Scope, string.Join(' ', scopes))], authenticationMethods: null, authenticatedAt: null);

    private AccessToken Create(string subject, List<Claim> claims, IEnumerable<string>? authenticationMethods, DateTimeOffset? authenticatedAt)
    {
        var now = time.GetUtcNow().UtcDateTime;
        claims.Insert(0, new Claim(JwtRegisteredClaimNames.Sub, subject));
        claims.Insert(1, new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")));

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + _options.AccessTokenLifetime,
            Subject = new ClaimsIdentity(claims),
            // Always a JSON array (RFC 8176), even with one value.
            Claims = ExtraClaims(authenticationMethods, authenticatedAt),
            // RFC 9068: marks it as an access token, so no other JWT signed with the key passes for one.
            TokenType = StrongroomClaims.AccessTokenType,
            SigningCredentials = _credentials,
        });
        return new AccessToken(token, (int)_options.AccessTokenLifetime.TotalSeconds);
    }

    private static Dictionary<string, object>? ExtraClaims(IEnumerable<string>? authenticationMethods, DateTimeOffset? authenticatedAt)
    {
        var claims = new Dictionary<string, object>();
        if (authenticationMethods is not null)
        {
            claims[AuthenticationMethods.Claim] = authenticationMethods.ToArray();
        }

        if (authenticatedAt is { } at)
        {
            claims[CurrentAuthority.AuthenticationTimeClaim] = at.ToUnixTimeSeconds();
        }

        return claims.Count == 0 ? null : claims;
    }
}

public static class StrongroomClaims
{
    public const string Subject = JwtRegisteredClaimNames.Sub;
    public const string Role = "role";
    public const string Scope = "scope";
    public const string ClientId = "client_id";

    /// <summary>The JOSE <c>typ</c> of our access tokens (RFC 9068).</summary>
    public const string AccessTokenType = "at+jwt";

    /// <summary>The caller's user id (<c>sub</c>); endpoints behind a policy always have one.</summary>
    public static string UserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(Subject) ?? throw new InvalidOperationException("Authenticated principal without a 'sub' claim.");

    /// <summary>A service client's token (client credentials), acting for its owner.</summary>
    public static bool IsServiceClient(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == ClientId);

    public static bool IsStaff(this ClaimsPrincipal user) => user.IsInRole(Roles.Operator) || user.IsInRole(Roles.Admin);
}
