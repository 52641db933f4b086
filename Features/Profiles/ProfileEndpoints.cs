using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Profiles;

public static class ProfileEndpoints
{
    public static IEndpointRouteBuilder MapProfiles(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/me").WithTags("Profiles").RequireAuthorization(Policies.Customer);
        group.MapGetProfile();
        group.MapUpdateProfile();
        return app;
    }
}
