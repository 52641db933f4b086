namespace Strongroom.Features.Identity;

public static class IdentityEndpoints
{
    /// <summary>Sign-up, sign-in and sign-out: the only anonymous API endpoints.</summary>
    public static IEndpointRouteBuilder MapIdentity(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/auth").WithTags("Identity");
        group.MapRegister();
        group.MapIssueToken();
        group.MapRevokeToken();
        return app;
    }
}
