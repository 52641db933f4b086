using System.Collections.Concurrent;
using System.Xml.Linq;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Strongroom.Infrastructure.Security;

public static class SecuritySetup
{
    public static IServiceCollection AddStrongroomSecurity(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.AddSingleton<SigningKeySetup>();
        services.AddSingleton<IPostConfigureOptions<AuthOptions>>(sp => sp.GetRequiredService<SigningKeySetup>());
        services.AddSingleton<IValidateOptions<AuthOptions>>(sp => sp.GetRequiredService<SigningKeySetup>());
        services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.Section);
        services.AddSingleton<AccessTokenIssuer>();
        services.AddPersonalDataProtection();
        services.AddSingleton<AuditLog>();
        services.AddMetrics();
        services.AddSingleton<SecurityMetrics>();
        services.AddSingleton<SuspiciousActivity>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuditingAuthorizationResultHandler>();
        services.AddSingleton<IAuthorizationHandler, MfaRequirementHandler>();

        // Authentication registers ASP.NET Data Protection, which would write a key ring to the home
        // folder at start-up (read-only in the container, and a different ring on every replica).
        // Nothing here protects data with it: tokens are JWTs, refresh tokens are random and stored
        // hashed, personal data uses Security:DataKeys. So its keys live in memory only.
        services.AddDataProtection();
        services.Configure<KeyManagementOptions>(keys =>
        {
            keys.XmlRepository = new InMemoryKeyRing();
            keys.XmlEncryptor = new NullXmlEncryptor();
        });
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>, TimeProvider>((jwt, auth, time) =>
            {
                var options = auth.Value;
                jwt.MapInboundClaims = false;
                // A client sends the same token on every request until it expires: validate it once, then
                // remember it (by hash) for as long as it would still validate. One cache per options
                // instance, so options rebuilt with other keys start empty. OnTokenValidated runs every time.
                jwt.TokenHandlers.Clear();
                jwt.TokenHandlers.Add(new ValidatedTokenCache(new JsonWebTokenHandler { MapInboundClaims = false }, options.ValidatedTokenCacheSize, time));
                // The challenge names a refused token invalid_token and says nothing about why.
                jwt.IncludeErrorDetails = false;
                jwt.Events = new JwtBearerEvents
                {
                    OnTokenValidated = CurrentAuthority.OnTokenValidatedAsync,
                    OnChallenge = CurrentAuthority.OnChallengeAsync,
                };
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = options.Issuer,
                    ValidAudience = options.Audience,
                    // The signing key, then any previous ones still within their tokens' lifetime (rotation).
                    IssuerSigningKeys = [.. new[] { options.SigningKeyBytes }.Concat(options.PreviousSigningKeyBytes).Select(key => new SymmetricSecurityKey(key))],
                    // Pinning the algorithm refuses "alg: none" and any algorithm-confusion trick.
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    // Only access tokens: a refresh token or any other JWT under the same key is refused.
                    ValidTypes = [StrongroomClaims.AccessTokenType],
                    ValidateIssuer = true,
                    ValidateAudience = true,
                    ValidateLifetime = true,
                    ValidateIssuerSigningKey = true,
                    RequireSignedTokens = true,
                    RequireExpirationTime = true,
                    ClockSkew = options.ClockSkew,
                    // The clock that stamps iat/nbf/exp judges them too (and the token cache with it).
                    LifetimeValidator = TokenLifetime.Validator(time),
                    NameClaimType = StrongroomClaims.Subject,
                    RoleClaimType = StrongroomClaims.Role,
                };
            });
        services.AddExternalAuthority();

        services.AddAuthorizationBuilder()
            // Anything not marked otherwise needs a signed-in caller; anonymous endpoints say so explicitly.
            // A request that matched no route endpoint (unknown path, wrong method or media type) runs
            // no handler, so it gets its honest 404/405/415 rather than a 401.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder()
                .RequireAssertion(context => context.User.Identity?.IsAuthenticated == true
                    || (context.Resource is HttpContext http && http.GetEndpoint() is not RouteEndpoint))
                .Build())
            // People by role; service clients only through the ledger scopes they were granted.
            .AddPolicy(Policies.Customer, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.All).RequireAssertion(IsPerson))
            .AddPolicy(Policies.LedgerRead, policy => policy.RequireAssertion(context => Scopes.Allows(context.User, Scopes.LedgerRead)))
            .AddPolicy(Policies.LedgerWrite, policy => policy.RequireAssertion(context => Scopes.Allows(context.User, Scopes.LedgerWrite)))
            .AddPolicy(Policies.Staff, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.Operator, Roles.Admin).RequireAssertion(IsPerson))
            .AddPolicy(Policies.Admin, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.Admin).RequireAssertion(IsPerson));
        return services;
    }

    private static bool IsPerson(AuthorizationHandlerContext context) => !context.User.IsServiceClient();

    /// <summary>Data Protection's key ring, kept for the life of the process and never written anywhere.</summary>
    private sealed class InMemoryKeyRing : IXmlRepository
    {
        private readonly ConcurrentQueue<XElement> _elements = new();

        public IReadOnlyCollection<XElement> GetAllElements() => [.. _elements.Select(element => new XElement(element))];

        public void StoreElement(XElement element, string friendlyName) => _elements.Enqueue(new XElement(element));
    }
}
