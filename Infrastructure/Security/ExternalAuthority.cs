using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Strongroom.Infrastructure.Security;

/// <summary>A person as the external authority names them, their roles already mapped to ours.</summary>
public sealed record ExternalIdentity(string Issuer, string Subject, string? Email, string? FullName, IReadOnlyList<string> Roles);

/// <summary>
/// Finds or provisions the local user behind an external identity and keeps their stored roles in
/// step with the authority's. Implemented where users live (Features/Identity), so this layer
/// needs no knowledge of the users table.
/// </summary>
public interface IExternalIdentities
{
    /// <returns>The local user id; null when that user is disabled.</returns>
    Task<string?> ResolveAsync(ExternalIdentity identity, HttpContext context, CancellationToken cancellationToken);
}

/// <summary>
/// Accepts access tokens from an external OpenID Connect authority (<c>Auth:Authority</c>) beside
/// our own. A policy scheme becomes the default and sends a bearer token whose (unvalidated)
/// <c>iss</c> is the authority to the <see cref="Scheme"/> scheme, everything else to ours, which
/// stays as it is. The external scheme reads discovery and JWKS from the authority, accepts only
/// RS256 and ES256, validates issuer, audience and lifetime, then replaces the token's principal
/// with the linked local user's: <c>sub</c> is our user id, roles and scopes are only the ones we know.
/// Without <c>Auth:Authority</c> nothing is registered and nothing is fetched.
/// </summary>
public static class ExternalAuthority
{
    public const string Scheme = "External";
    public const string SelectorScheme = "BearerOrExternal";

    /// <summary>OpenID Connect subjects are at most 255 ASCII characters (Core 1.0 §2).</summary>
    public const int MaxSubjectLength = 255;

    public const int MaxAuthorityLength = 400;

    private const string ScopeClaim = StrongroomClaims.Scope;
    private const string ScpClaim = "scp";
    private const string AmrClaim = AuthenticationMethods.Claim;
    private const int MaxEmailLength = 254;
    private const int MaxFullNameLength = 200;

    /// <summary>The scopes our policies know (RFC 9068 <c>scope</c>); any other an authority grants means nothing here.</summary>
    private static IReadOnlyList<string> KnownScopes => Scopes.All;

    private static readonly JsonWebTokenHandler Reader = new();

    public static IServiceCollection AddExternalAuthority(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthorityValidation>());
        services.TryAddTransient<JwtBearerHandler>();
        services.TryAddTransient<PolicySchemeHandler>();

        // Schemes are registered here rather than with AddJwtBearer so that they exist only when
        // an authority is configured, which is known once the options are bound.
        services.AddOptions<AuthenticationOptions>().Configure<IOptions<AuthOptions>>((authentication, auth) =>
        {
            if (!auth.Value.HasAuthority)
            {
                return;
            }

            authentication.AddScheme(Scheme, scheme => scheme.HandlerType = typeof(JwtBearerHandler));
            authentication.AddScheme(SelectorScheme, scheme => scheme.HandlerType = typeof(PolicySchemeHandler));
            authentication.DefaultScheme = SelectorScheme;
        });

        services.AddOptions<PolicySchemeOptions>(SelectorScheme).Configure<IOptions<AuthOptions>>((policy, auth) =>
        {
            var authority = auth.Value.Authority ?? "";
            policy.ForwardDefaultSelector = context =>
                IsFromAuthority(context.Request, authority) ? Scheme : JwtBearerDefaults.AuthenticationScheme;
        });

        services.AddOptions<JwtBearerOptions>(Scheme).Configure<IOptions<AuthOptions>>((jwt, auth) =>
        {
            var options = auth.Value;
            var issuer = (options.Authority ?? "").TrimEnd('/');
            jwt.Authority = options.Authority;
            jwt.RequireHttpsMetadata = options.AuthorityRequireHttpsMetadata;
            jwt.MapInboundClaims = false;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                // Discovery's issuer is added by the handler; these cover a trailing slash either way.
                ValidIssuers = [issuer, issuer + "/"],
                ValidAudience = options.AuthorityAudience ?? options.Audience,
                // Asymmetric only: an HS256 token "signed" with a public key, or alg none, is refused.
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256],
                ValidateIssuer = true,
                ValidateAudience = true,
                ValidateLifetime = true,
                ValidateIssuerSigningKey = true,
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                ClockSkew = options.ClockSkew,
                NameClaimType = StrongroomClaims.Subject,
                RoleClaimType = StrongroomClaims.Role,
            };
            jwt.IncludeErrorDetails = false;
            jwt.Events = new JwtBearerEvents { OnTokenValidated = LinkLocalUserAsync, OnChallenge = CurrentAuthority.OnChallengeAsync };
        });
        return services;
    }

    /// <summary>
    /// True when the bearer token claims to come from the authority. Unvalidated on purpose: it
    /// only picks the scheme that validates the token, and each scheme checks issuer and signature itself.
    /// </summary>
    public static bool IsFromAuthority(HttpRequest request, string authority)
    {
        const string prefix = "Bearer ";
        var header = request.Headers.Authorization.ToString();
        if (authority.Length == 0 || !header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var token = header[prefix.Length..].Trim();
        if (!Reader.CanReadToken(token))
        {
            return false;
        }

        try
        {
            return string.Equals(new JsonWebToken(token).Issuer.TrimEnd('/'), authority.TrimEnd('/'), StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The authority's role values that name one of our roles; none recognised means customer.</summary>
    public static IReadOnlyList<string> MapRoles(IEnumerable<string> values)
    {
        var known = values.Where(value => Roles.All.Contains(value, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return known.Count > 0 ? known : [Roles.Customer];
    }

    /// <summary>
    /// The known scopes among the token's <c>scope</c>/<c>scp</c> values (space-separated or one per
    /// value), as one space-separated string; null when it names none of ours, so the person acts
    /// with their roles as with one of our own tokens.
    /// </summary>
    public static string? MapScopes(IEnumerable<string> values)
    {
        var granted = values.SelectMany(value => value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        var known = KnownScopes.Where(granted.Contains).ToList();
        return known.Count > 0 ? string.Join(' ', known) : null;
    }

    private static async Task LinkLocalUserAsync(TokenValidatedContext context)
    {
        var token = context.Principal ?? new ClaimsPrincipal();
        var options = context.HttpContext.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        var issuer = token.FindFirstValue(JwtRegisteredClaimNames.Iss);
        var subject = token.FindFirstValue(JwtRegisteredClaimNames.Sub);
        if (string.IsNullOrEmpty(issuer) || string.IsNullOrEmpty(subject) || subject.Length > MaxSubjectLength)
        {
            context.Fail("The external token has no usable subject.");
            return;
        }

        var roles = MapRoles(token.FindAll(options.AuthorityRoleClaim).Select(claim => claim.Value));
        var email = token.FindFirstValue(JwtRegisteredClaimNames.Email) is { Length: > 0 and <= MaxEmailLength } address && address.Contains('@', StringComparison.Ordinal)
            ? address
            : null;
        var fullName = token.FindFirstValue(JwtRegisteredClaimNames.Name)?.Trim() is { Length: > 0 } name
            ? name[..Math.Min(name.Length, MaxFullNameLength)]
            : null;

        var userId = await context.HttpContext.RequestServices.GetRequiredService<IExternalIdentities>()
            .ResolveAsync(new ExternalIdentity(issuer, subject, email, fullName, roles), context.HttpContext, context.HttpContext.RequestAborted);
        if (userId is null)
        {
            context.Fail("The local user linked to this external identity is disabled.");
            return;
        }

        var claims = new List<Claim> { new(StrongroomClaims.Subject, userId) };
        claims.AddRange(roles.Select(role => new Claim(StrongroomClaims.Role, role)));
        if (MapScopes(token.FindAll(ScopeClaim).Concat(token.FindAll(ScpClaim)).Select(claim => claim.Value)) is { } scope)
        {
            claims.Add(new Claim(ScopeClaim, scope));
        }

        // How the authority authenticated the person (RFC 8176), e.g. "mfa": it vouches for that as it does for who they are.
        claims.AddRange(token.FindAll(AmrClaim).Select(claim => new Claim(AmrClaim, claim.Value)));
        // And when: a recent sign-in there counts as one here (step-up for sensitive changes).
        if (token.FindFirstValue(CurrentAuthority.AuthenticationTimeClaim) is { } authenticatedAt)
        {
            claims.Add(new Claim(CurrentAuthority.AuthenticationTimeClaim, authenticatedAt));
        }

        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme, StrongroomClaims.Subject, StrongroomClaims.Role));
    }

    /// <summary>An authority must be an absolute https URL (http only with RequireHttpsMetadata off, for tests on loopback).</summary>
    private sealed class AuthorityValidation : IValidateOptions<AuthOptions>
    {
        public ValidateOptionsResult Validate(string? name, AuthOptions options)
        {
            if (!options.HasAuthority)
            {
                return ValidateOptionsResult.Success;
            }

            var failures = new List<string>();
            if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
                || uri.Query.Length > 0 || uri.Fragment.Length > 0 || options.Authority!.Length > MaxAuthorityLength)
            {
                failures.Add($"Auth:Authority must be the authority's issuer URL (absolute, no query, at most {MaxAuthorityLength} characters).");
            }
            else if (uri.Scheme != "https" && options.AuthorityRequireHttpsMetadata)
            {
                failures.Add("Auth:Authority must use https (Auth:AuthorityRequireHttpsMetadata=false only for a local test authority).");
            }

            if (string.Equals(options.Authority!.TrimEnd('/'), options.Issuer.TrimEnd('/'), StringComparison.Ordinal))
            {
                // Tokens are routed by issuer: ours would all be sent to the authority's scheme and refused.
                failures.Add("Auth:Authority must differ from Auth:Issuer.");
            }

            if (string.IsNullOrWhiteSpace(options.AuthorityRoleClaim))
            {
                failures.Add("Auth:AuthorityRoleClaim must name a claim.");
            }

            if (options.AuthorityAudience is { } audience && string.IsNullOrWhiteSpace(audience))
            {
                failures.Add("Auth:AuthorityAudience, when set, must not be empty.");
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
