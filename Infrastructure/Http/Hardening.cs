using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Infrastructure.Http;

/// <summary>Named rate-limit policies endpoints opt into.</summary>
public static class RateLimits
{
    /// <summary>Per user, over every endpoint that moves money.</summary>
    public const string MoneyMovement = "money-movement";

    /// <summary>Per client address, over registration: each costs a password hash and says whether an email is taken.</summary>
    public const string Registration = "registration";
}

/// <summary>
/// Response headers every client gets, forwarded headers only from proxies we name, CORS only
/// for origins we name, HSTS on HTTPS, and a per-user limit on moving money.
/// </summary>
internal static class Hardening
{
    /// <summary>The Scalar page runs its own inline start-up script and styles; everything else stays same-origin.</summary>
    private const string DocsContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    private const string ApiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

    public static IServiceCollection AddStrongroomHardening(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ApiOptions>>((forwarded, api) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ASP.NET trusts loopback by default; here nothing is trusted unless configured.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in api.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }
        });
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<ApiOptions>>((cors, api) =>
            cors.AddDefaultPolicy(policy => policy
                .WithOrigins(api.Value.CorsOrigins)
                .WithMethods("GET", "POST", "PUT", "PATCH", "DELETE")
                .WithHeaders("Authorization", "Content-Type", "Idempotency-Key")
                .WithExposedHeaders("Location", "Idempotency-Replayed", "Retry-After")));
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ApiOptions>, IOptions<AuthOptions>>((limiter, api, auth) =>
        {
            var limit = api.Value.MoneyMovementRateLimit;
            var registrations = auth.Value.RegistrationRateLimit;
            limiter.AddPolicy(RateLimits.Registration, context => RateLimitPartition.GetTokenBucketLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = registrations.PermitLimit,
                    TokensPerPeriod = registrations.PermitLimit,
                    ReplenishmentPeriod = registrations.Window,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(RateLimits.MoneyMovement, context => RateLimitPartition.GetTokenBucketLimiter(
                context.User.Identity?.IsAuthenticated == true ? context.User.UserId() : context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limit.PermitLimit,
                    TokensPerPeriod = limit.TokensPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await ApiProblems.TooManyRequests("rate_limited",
                    context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == RateLimits.Registration
                        ? "Too many registrations from this address; retry after the number of seconds in Retry-After."
                        : "Too many money-moving requests; retry after the number of seconds in Retry-After.").ExecuteAsync(context.HttpContext);
            };
        });
        services.AddHsts(options => options.MaxAge = TimeSpan.FromDays(365));
        return services;
    }

    public static IApplicationBuilder UseStrongroomHardening(this IApplicationBuilder app)
    {
        app.UseForwardedHeaders();
        app.Use((context, next) =>
        {
            // Registered to run as the response starts, so error responses written later get them too.
            context.Response.OnStarting(static state =>
            {
                var response = ((HttpContext)state).Response;
                response.Headers.XContentTypeOptions = "nosniff";
                // What a signed-in caller is shown (their data, a new secret) is for them only: no
                // browser, proxy or CDN may keep it. Anonymous answers (health, documents) may be cached.
                if (response.HttpContext.User.Identity?.IsAuthenticated == true || response.HttpContext.Request.Headers.Authorization.Count > 0)
                {
                    response.Headers.CacheControl = "no-store";
                }

                response.Headers.ContentSecurityPolicy = response.HttpContext.Request.Path.StartsWithSegments("/scalar")
                    ? DocsContentSecurityPolicy
                    : ApiContentSecurityPolicy;
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
        if (!app.ApplicationServices.GetRequiredService<IWebHostEnvironment>().IsDevelopment())
        {
            app.UseHsts();
        }

        app.UseCors();
        return app;
    }
}
