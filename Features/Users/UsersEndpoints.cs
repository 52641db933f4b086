using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Users;

public static class UsersEndpoints
{
    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/admin/users").WithTags("Users").RequireAuthorization(Policies.Admin).AuditSuccessfulChanges();
        group.MapListUsers();
        group.MapGetUser();
        group.MapDisableUser();
        group.MapEnableUser();
        group.MapSetUserRoles();
        return app;
    }
}
