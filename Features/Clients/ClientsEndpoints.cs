using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Clients;

public static class ClientsEndpoints
{
    /// <summary>Service clients for third-party platforms: admins create, read and revoke them.</summary>
    public static IEndpointRouteBuilder MapClients(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/admin/clients").WithTags("Service clients").RequireAuthorization(Policies.Admin);
        group.MapCreateClient();
        group.MapListClients();
        group.MapGetClient();
        group.MapRevokeClient();
        return app;
    }
}
