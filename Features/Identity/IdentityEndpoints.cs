using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Identity;

public static class IdentityEndpoints
{
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
