using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Strongroom.Infrastructure.Security;

/// <summary>What a user may do now, as stored: their status and roles.</summary>
public sealed record UserAuthority(bool IsActive, IReadOnlyList<string> Roles);

/// <summary>A service client as stored: whom it acts for and whether it is still active.</summary>
public sealed record ClientAuthority(string OwnerId, bool IsActive);

/// <summary>
/// The stored authority of users and service clients, read on every request (through the cache,
/// evicted on every replica when a role, a status or a client changes). Implemented where users
/// live (Features/Identity), so this layer needs no knowledge of their tables.
/// </summary>
public interface IAuthorities
{
    /// <returns>Null when there is no such user.</returns>
    Task<UserAuthority?> UserAsync(string userId, CancellationToken cancellationToken);

    /// <returns>Null when there is no such client.</returns>
    Task<ClientAuthority?> ClientAsync(string clientId, CancellationToken cancellationToken);
}

/// <summary>
/// Makes a token's authority the caller's current one. A token says who signed in and how; what
/// they may do is what is stored now: a disabled user's tokens (and their clients') are refused
/// (401), a removed role is gone on the next request, a revoked client's tokens stop at once.
/// Also refuses what a valid signature alone must not carry: no <c>sub</c>, or a lifetime longer
/// than we ever issue.
/// </summary>
public static class CurrentAuthority
{
    /// <summary>The OpenID Connect claim saying when the person last signed in (seconds since the epoch).</summary>
    public const string AuthenticationTimeClaim = "auth_time";

    /// <summary>RFC 6750 §3.1: a refused token is named as such, and nothing about why.</summary>
    public const string InvalidToken = "invalid_token";

    /// <summary>Our own tokens: runs after signature, issuer, audience, type and expiry are checked.</summary>
    public static async Task OnTokenValidatedAsync(TokenValidatedContext context)
    {
        var options = context.HttpContext.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        var token = context.Principal ?? new ClaimsPrincipal();
        if (token.FindFirstValue(StrongroomClaims.Subject) is not { Length: > 0 })
        {
            context.Fail("The token has no subject.");
            return;
        }

        if (context.SecurityToken is not JsonWebToken jwt || LifetimeOf(jwt) > options.AccessTokenLifetime + options.ClockSkew)
        {
            context.Fail("The token's lifetime is longer than an access token's.");
            return;
        }

        if (await ApplyAsync(token, context.HttpContext.RequestServices.GetRequiredService<IAuthorities>(), context.HttpContext.RequestAborted) is { } current)
        {
            context.Principal = current;
        }
        else
        {
            context.Fail("The caller is no longer active.");
        }
    }

    /// <summary>RFC 6750: <c>Bearer error="invalid_token"</c> for any refused token, never the reason (issuer, lifetime, …).</summary>
    public static Task OnChallengeAsync(JwtBearerChallengeContext context)
    {
        context.Error = context.AuthenticateFailure is null ? null : InvalidToken;
        context.ErrorDescription = null;
        context.ErrorUri = null;
        return Task.CompletedTask;
    }

    /// <summary>
    /// The principal with the stored roles in place of the token's; null when the user (or, for a
    /// service client, the client or its owner) is gone, disabled or revoked.
    /// </summary>
    public static async Task<ClaimsPrincipal?> ApplyAsync(ClaimsPrincipal token, IAuthorities authorities, CancellationToken cancellationToken)
    {
        var userId = token.FindFirstValue(StrongroomClaims.Subject);
        if (string.IsNullOrEmpty(userId))
        {
            return null;
        }

        if (token.FindFirstValue(StrongroomClaims.ClientId) is { } clientId)
        {
            var client = await authorities.ClientAsync(clientId, cancellationToken);
            if (client is not { IsActive: true } || client.OwnerId != userId)
            {
                return null;
            }
        }

        if (await authorities.UserAsync(userId, cancellationToken) is not { IsActive: true } user)
        {
            return null;
        }

        // A service client never has roles, whatever its owner's; a person has exactly the stored ones.
        var current = token.IsServiceClient() ? [] : user.Roles;
        if (HasExactly(token, current))
        {
            // The usual case: nothing changed since the sign-in, so the token's principal stands as it is.
            return token;
        }

        var identity = token.Identity as ClaimsIdentity;
        var claims = token.Claims.Where(claim => claim.Type != StrongroomClaims.Role).ToList();
        claims.AddRange(current.Select(role => new Claim(StrongroomClaims.Role, role)));

        return new ClaimsPrincipal(new ClaimsIdentity(claims, identity?.AuthenticationType ?? JwtBearerDefaults.AuthenticationScheme,
            StrongroomClaims.Subject, StrongroomClaims.Role));
    }

    /// <summary>The token's role claims are all among <paramref name="roles"/>, as many as there are (so never more than is stored), in any order.</summary>
    private static bool HasExactly(ClaimsPrincipal token, IReadOnlyList<string> roles)
    {
        var count = 0;
        foreach (var claim in token.FindAll(StrongroomClaims.Role))
        {
            if (!roles.Contains(claim.Value, StringComparer.Ordinal))
            {
                return false;
            }

            count++;
        }

        return count == roles.Count;
    }

    /// <summary>When the caller last proved who they are (<c>auth_time</c>); null when the token does not say.</summary>
    public static DateTimeOffset? AuthenticatedAt(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(AuthenticationTimeClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
        && seconds is > 0 and < 253_402_300_800
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>From issue (or not-before) to expiry; a token with neither start is endless.</summary>
    private static TimeSpan LifetimeOf(JsonWebToken jwt)
    {
        var start = jwt.IssuedAt != DateTime.MinValue ? jwt.IssuedAt : jwt.ValidFrom;
        return start == DateTime.MinValue || jwt.ValidTo == DateTime.MinValue ? TimeSpan.MaxValue : jwt.ValidTo - start;
    }
}
