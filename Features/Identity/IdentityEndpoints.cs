using Microsoft.Extensions.DependencyInjection;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Identity;

public static class IdentityEndpoints
{
    /// <summary>Refresh tokens, the sign-in throttle, second factors and external identities.</summary>
    public static IServiceCollection AddIdentity(this IServiceCollection services)
    {
        services.AddSingleton<RefreshTokens>();
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<MfaFactors>();
        services.AddSingleton<IExternalIdentities, ExternalIdentities>();
        return services;
    }

    /// <summary>Sign-up, sign-in and sign-out: the only anonymous API endpoints. The caller's second factor lives under /v1/me/mfa.</summary>
    public static IEndpointRouteBuilder MapIdentity(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/auth").WithTags("Identity");
        group.MapRegister();
        group.MapIssueToken();
        group.MapRevokeToken();

        var mfa = app.MapGroup("/v1/me/mfa").WithTags("Identity").RequireAuthorization(Policies.Customer);
        mfa.MapMfaStatus();
        mfa.MapMfaEnrolment();
        mfa.MapMfaDisable();
        return app;
    }
}
