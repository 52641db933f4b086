using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Audit;

public static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/admin/audit").WithTags("Audit").RequireAuthorization(Policies.Admin);
        group.MapListAudit();
        group.MapVerifyAudit();
        return app;
    }
}
